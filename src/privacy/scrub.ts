import type { WireBreadcrumb, WireEvent } from '../shared/types'
import { BEFORE_SEND_LIMITS } from '../shared/limits'

// The one privacy model (docs/privacy.md), applied to every field of an event
// that can hold user data. Runs in the worker after beforeSend's result arrives,
// so nothing a callback adds escapes it; with beforeSend set it also runs on the
// main thread first, so the callback sees a scrubbed event.
//
// Always: the auth token's literal value is replaced wherever it occurs (values
// and keys, whatever its length), URL credentials are removed, and values under
// secret-like keys become "[Filtered]". Unless sendDefaultPii: client IPs, query
// strings and the request's cookie/authorization headers and cookies are removed,
// from the event's request and from request-shaped data anywhere in user data (a
// logger's serialized request, an object under "headers", a "remoteAddress" key).
// Nothing here depends on the token being set.

export const FILTERED = '[Filtered]'

export interface ScrubOptions {
  sendDefaultPii: boolean
  authToken: string | null
  /** More secret-like key fragments (the denyKeys option), matched like the built-in ones. */
  denyKeys?: readonly string[]
}

/** Lowercased, separators and punctuation removed: "X-Auth_Token" → "xauthtoken". */
export function normalizeKey (key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '')
}

// Fragments matched anywhere in a normalized key. "auth" alone would also hit
// "author"/"authors", so it is matched unless followed by "or" that is not "oriz".
const SECRET_FRAGMENTS = [
  'password', 'passwd', 'passphrase', 'pwd', 'secret', 'token', 'apikey', 'credential', 'privatekey',
  'cookie', 'session', 'csrf', 'xsrf', 'jwt', 'bearer', 'signature'
]
const SECRET_EXTRA = ['auth(?!or(?!iz))', '^pass$', '^sid$']

// Request headers (and their CGI env twins, HTTP_*) that only sendDefaultPii sends,
// the Python SDK's list: the request's credentials, and every header or env key
// that carries the client's address.
const PII_HEADERS = new Set(['authorization', 'cookie', 'setcookie', 'xapikey', 'xforwardedauthorization'])
const IP_HEADERS = new Set([
  'xforwardedfor', 'xrealip', 'forwarded', 'cfconnectingip', 'trueclientip', 'xclientip',
  'fastlyclientip', 'xclusterclientip', 'remoteaddr'
])
// Breadcrumb data keys whose string value is a URL even without a scheme ("/api?x=1").
const URL_KEYS = new Set(['url', 'to', 'from', 'href', 'uri', 'location'])

// Request-shaped data in user data (normalized keys). Pino's and winston's request
// serializers (pino-std-serializers: { id, method, url, query, params, headers,
// remoteAddress, remotePort }; express-winston: { url, originalUrl, query, headers, ... })
// put a request under such a key in log records and logger bindings.
const REQUEST_KEYS = new Set(['req', 'request', 'httprequest'])
// Keys anywhere in user data that hold a client's address: the IP headers' names and these.
const IP_KEYS = new Set([
  ...IP_HEADERS, 'remoteaddress', 'ip', 'ips', 'ipaddress', 'ipaddr', 'clientip', 'clientaddress', 'clientipaddress',
  'remoteip', 'realip'
])
// Inside a request-shaped object: its query (parsed or not), its cookies, and the keys whose
// value is the request's URL or path (relative, "/cart?coupon=X": the query goes whole).
const QUERY_KEYS = new Set(['query', 'querystring', 'queryparams', 'search', 'qs'])
const COOKIE_KEYS = new Set(['cookies', 'signedcookies', 'cookie'])
const REQUEST_URL_KEYS = new Set(['url', 'originalurl', 'baseurl', 'rawurl', 'path', 'pathname', 'uri', 'href', 'requesturl'])
// Header (and env) keys whose value is a host: a client can put user:password@ in its Host header.
const HOST_HEADERS = new Set(['host', 'authority', 'servername', 'xforwardedhost'])
// The same in a serialized request's own fields (Fastify's request.hostname).
const REQUEST_HOST_KEYS = new Set([...HOST_HEADERS, 'hostname'])
// CGI env keys holding the query or a URL with it.
const ENV_QUERY = new Set(['querystring'])
const ENV_URLS = new Set(['requesturi'])
// Header keys holding the request's path with its query: HTTP/2's :path pseudo-header.
const HEADER_URLS = new Set(['path'])

// user:password@ after a scheme: the last "@" before the path, query or fragment
// (WHATWG puts any earlier "@" inside the user info).
const CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi
// A URL inside text: its query and fragment.
const EMBEDDED_QUERY = /([a-z][a-z0-9+.-]*:\/\/[^\s?#]*)[?#][^\s"'<>]*/gi
// In a URL value, "//user:password@" wherever it stands: the URL's own authority, or a
// network-path reference in its path or query ("//user:pw@x" names host x with credentials).
const URL_CREDENTIALS = /\/\/[^\s/?#]*@/g

// Keys repeat from event to event (the same extra, tags and headers): each is
// classified once. Bounded so keys made of ids cannot grow the worker; cleared when full.
const KEY_MEMO_MAX = 10000
// Deeper than normalize() ever produces (BEFORE_SEND_LIMITS.depth, its deepest); anything below is replaced whole.
const MAX_DEPTH = BEFORE_SEND_LIMITS.depth + 20

// What a key is, as bits, memoized per key: secret-like, holding the token, (breadcrumb
// data) naming a URL, and what it says in request-shaped data. Header and env keys get
// their own kind in the low bits.
const SECRET_KEY = 1
const HAS_TOKEN = 2
const URL_KEY = 4
const IP_KEY = 8
const HEADERS_KEY = 16
const RAW_HEADERS_KEY = 32
const REQUEST_KEY = 64
const QUERY_KEY = 128
const COOKIES_KEY = 256
const REQUEST_URL_KEY = 512
const ENV_KEY = 1024
const PLAIN = 0
const PII_ONLY = 1
const SECRET = 2
const HOST = 3
const URL_VALUE = 4
const KIND = 7
const KIND_BITS = 3
// What headerValue returns for a header that is left out (a client IP without the opt-in).
const OMIT = Symbol('omit')

interface Rules {
  pii: boolean
  token: string | null
  /** A numeric token can also appear as a number value. */
  numericToken: boolean
  secretKey: RegExp
  /** key → SECRET_KEY | HAS_TOKEN | URL_KEY | ... bits; see KEY_MEMO_MAX. */
  memo: Map<string, number>
  /** header (or env) key → PLAIN, PII_ONLY, SECRET, HOST or URL_VALUE, plus HAS_TOKEN << KIND_BITS; memoized likewise. */
  headerMemo: Map<string, number>
  envMemo: Map<string, number>
  /** Breadcrumb objects are shared between events: each is scrubbed once per rule set. */
  crumbs: WeakMap<WireBreadcrumb, WireBreadcrumb>
}

// The rules compiled once per options object (a worker's, or a client's for beforeSend): a memo
// keyed by that object, so two workers or clients with their own options never share rules.
const compiled = new WeakMap<ScrubOptions, Rules>()

function escapeRe (s: string): string { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') }

export function compileRules (opts: ScrubOptions): Rules {
  let r = compiled.get(opts)
  if (r !== undefined) return r
  const deny = (opts.denyKeys ?? []).map(normalizeKey).filter((k) => k !== '')
  const token = typeof opts.authToken === 'string' && opts.authToken !== '' ? opts.authToken : null
  r = {
    pii: opts.sendDefaultPii,
    token,
    numericToken: token !== null && /^[0-9.eE+-]+$/.test(token),
    secretKey: new RegExp([...SECRET_FRAGMENTS, ...deny].map(escapeRe).concat(SECRET_EXTRA).join('|')),
    memo: new Map(),
    headerMemo: new Map(),
    envMemo: new Map(),
    crumbs: new WeakMap()
  }
  compiled.set(opts, r)
  return r
}

function remember<V> (memo: Map<string, V>, key: string, v: V): V {
  if (memo.size >= KEY_MEMO_MAX) memo.clear()
  memo.set(key, v)
  return v
}

function keyInfo (k: string, r: Rules): number {
  const hit = r.memo.get(k)
  if (hit !== undefined) return hit
  const n = normalizeKey(k)
  const bits = (r.secretKey.test(n) ? SECRET_KEY : 0) |
    (r.token !== null && k.includes(r.token) ? HAS_TOKEN : 0) |
    (URL_KEYS.has(k.toLowerCase()) ? URL_KEY : 0) |
    (IP_KEYS.has(n) ? IP_KEY : 0) |
    (n === 'headers' ? HEADERS_KEY : 0) |
    (n === 'rawheaders' ? RAW_HEADERS_KEY : 0) |
    (REQUEST_KEYS.has(n) ? REQUEST_KEY : 0) |
    (QUERY_KEYS.has(n) ? QUERY_KEY : 0) |
    (COOKIE_KEYS.has(n) ? COOKIES_KEY : 0) |
    (REQUEST_URL_KEYS.has(n) ? REQUEST_URL_KEY : 0) |
    (n === 'env' ? ENV_KEY : 0)
  return remember(r.memo, k, bits)
}

/** Env keys are CGI style (HTTP_X_FORWARDED_FOR): compared without their HTTP_ prefix. */
function headerKind (k: string, r: Rules, env: boolean): number {
  const memo = env ? r.envMemo : r.headerMemo
  const hit = memo.get(k)
  if (hit !== undefined) return hit
  const bare = env && /^http_/i.test(k) ? k.slice(5) : k
  const n = normalizeKey(bare)
  const kind = IP_HEADERS.has(n) || PII_HEADERS.has(n) || (env && ENV_QUERY.has(n))
    ? PII_ONLY
    : r.secretKey.test(n) ? SECRET : HOST_HEADERS.has(n) ? HOST : (env ? ENV_URLS : HEADER_URLS).has(n) ? URL_VALUE : PLAIN
  return remember(memo, k, kind | (r.token !== null && k.includes(r.token) ? HAS_TOKEN << KIND_BITS : 0))
}

/** The token and URL credentials out of one string (what every string gets). */
function text (s: string, r: Rules): string {
  if (r.token !== null && s.includes(r.token)) s = s.split(r.token).join(FILTERED)
  // Cheap tests first: most strings hold no URL with user info.
  if (s.includes('@') && s.includes('://')) s = s.replace(CREDENTIALS, `$1${FILTERED}@`)
  return s
}

/** A URL value with "//[Filtered]@" for every "//user:password@" in it (see URL_CREDENTIALS). */
export function withoutUrlCredentials (s: string): string {
  return s.includes('@') && s.includes('//') ? s.replace(URL_CREDENTIALS, `//${FILTERED}@`) : s
}

/** A Host value (or SERVER_NAME) with "[Filtered]@" for user info before its last "@": a client can send one. */
function hostText (s: string, r: Rules): string {
  s = text(s, r)
  const at = s.lastIndexOf('@')
  return at < 0 ? s : `${FILTERED}@${s.slice(at + 1)}`
}

/** A string in a field where the SDK recognises URLs: also their query strings, unless sendDefaultPii. */
function urlText (s: string, r: Rules): string {
  s = text(s, r)
  return r.pii || !s.includes('://') ? s : s.replace(EMBEDDED_QUERY, '$1')
}

/** A value that is a URL as a whole (request.url, breadcrumb data.url): query and fragment go unless sendDefaultPii. */
function wholeUrl (v: unknown, r: Rules): unknown {
  if (typeof v !== 'string') return value(v, r, false, 0)
  const s = withoutUrlCredentials(text(v, r))
  if (r.pii) return s
  const q = s.search(/[?#]/)
  return q < 0 ? s : s.slice(0, q)
}

/** The key with the token replaced; `bits` from keyInfo say whether it holds one. */
function key (k: string, r: Rules, bits = keyInfo(k, r)): string {
  return (bits & HAS_TOKEN) === 0 ? k : k.split(r.token as string).join(FILTERED)
}

/**
 * Any user data: strings cleaned, values under secret-like keys filtered, keys
 * cleaned of the token, request-shaped data as the request (see entry()). `urls`:
 * strings may hold URLs whose query goes (breadcrumbs, request data).
 * Returns new containers; the input is shared and never changed.
 */
function value (v: unknown, r: Rules, urls: boolean, depth: number): unknown {
  if (typeof v === 'string') return urls ? urlText(v, r) : text(v, r)
  if (typeof v === 'number') return r.numericToken && String(v).includes(r.token as string) ? FILTERED : v
  if (v === null || typeof v !== 'object') return v
  if (depth > MAX_DEPTH) return FILTERED
  if (Array.isArray(v)) return v.map((x) => value(x, r, urls, depth + 1))
  if (looksLikeRequest(v as Record<string, unknown>)) return requestLike(v as Record<string, unknown>, r, depth)
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v)) entry(out, k, (v as Record<string, unknown>)[k], r, urls, depth)
  return out
}

/**
 * One key of user data into out: client addresses only with sendDefaultPii; secret-like
 * keys filtered; an object under "headers" as request headers, under "req"/"request" as a
 * request; a URL key's value (urls) as a URL.
 */
function entry (out: Record<string, unknown>, k: string, x: unknown, r: Rules, urls: boolean, depth: number): void {
  const bits = keyInfo(k, r)
  const name = key(k, r, bits)
  if ((bits & IP_KEY) !== 0) {
    if (r.pii) out[name] = value(x, r, urls, depth + 1)
  } else if ((bits & SECRET_KEY) !== 0 && x !== null && x !== '') out[name] = FILTERED
  else if ((bits & HEADERS_KEY) !== 0 && isRecord(x)) out[name] = headerMap(x, r, false, depth + 1)
  else if ((bits & RAW_HEADERS_KEY) !== 0 && Array.isArray(x)) out[name] = rawHeaderList(x, r, depth + 1)
  else if ((bits & REQUEST_KEY) !== 0 && isRecord(x)) out[name] = requestLike(x, r, depth + 1)
  else if (urls && (bits & URL_KEY) !== 0) out[name] = wholeUrl(x, r)
  else out[name] = value(x, r, urls, depth + 1)
}

/** A serialized request under a key that does not say so: a method and a URL or headers. */
function looksLikeRequest (v: Record<string, unknown>): boolean {
  return typeof v.method === 'string' && (typeof v.url === 'string' || typeof v.originalUrl === 'string' || isRecord(v.headers))
}

/**
 * A request as a logger's serializer (or the app) wrote it: the rules of the event's own
 * request. Its query (in the URL and as an object), client address and cookies go unless
 * sendDefaultPii; headers and env as the request's; every string loses the query of URLs in it.
 */
function requestLike (req: Record<string, unknown>, r: Rules, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (depth > MAX_DEPTH) return out
  for (const k of Object.keys(req)) {
    const x = req[k]
    const bits = keyInfo(k, r)
    const name = key(k, r, bits)
    if ((bits & (IP_KEY | QUERY_KEY)) !== 0) {
      if (r.pii) out[name] = value(x, r, true, depth + 1)
    } else if ((bits & COOKIES_KEY) !== 0) {
      if (r.pii) out[name] = cookieValues(x, r)
    } else if ((bits & ENV_KEY) !== 0 && isRecord(x)) out[name] = headerMap(x, r, true, depth + 1)
    else if ((bits & REQUEST_URL_KEY) !== 0 && typeof x === 'string') out[name] = wholeUrl(x, r)
    else if (typeof x === 'string' && REQUEST_HOST_KEYS.has(normalizeKey(k))) out[name] = hostText(x, r)
    else entry(out, k, x, r, true, depth)
  }
  return out
}

/**
 * Request headers or env: client-IP keys and the request's credentials only with
 * sendDefaultPii, every other secret-like key filtered, a Host without user info, and URLs
 * in values (Referer) without their query unless sendDefaultPii.
 */
function headerMap (v: unknown, r: Rules, env: boolean, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return value(v, r, true, depth)
  if (depth > MAX_DEPTH) return FILTERED
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k]
    const h = headerKind(k, r, env)
    const name = key(k, r, h >> KIND_BITS)
    const one = headerValue(h & KIND, x, r, depth)
    if (one !== OMIT) out[name] = one
  }
  return out
}

function headerValue (kind: number, x: unknown, r: Rules, depth: number): unknown {
  if (kind === PLAIN && typeof x === 'string') return urlText(x, r) // most headers
  if (kind === PII_ONLY) return r.pii ? value(x, r, true, depth + 1) : OMIT
  if (kind === SECRET && x !== null && x !== '') return FILTERED
  if (kind === HOST && typeof x === 'string') return hostText(x, r)
  if (kind === URL_VALUE && typeof x === 'string') return wholeUrl(x, r)
  return value(x, r, true, depth + 1)
}

/** Node's rawHeaders: [name, value, name, value, ...], each pair as headerMap would treat it. */
function rawHeaderList (list: unknown[], r: Rules, depth: number): unknown[] {
  const out: unknown[] = []
  for (let i = 0; i < list.length; i++) {
    const k = list[i]
    if (typeof k !== 'string' || i + 1 >= list.length) { out.push(value(k, r, true, depth + 1)); continue }
    const h = headerKind(k, r, false)
    const one = headerValue(h & KIND, list[++i], r, depth)
    if (one !== OMIT) out.push(key(k, r, h >> KIND_BITS), one)
  }
  return out
}

function scrubUser (user: Record<string, unknown>, r: Rules): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(user)) {
    const x = user[k]
    if (k === 'ip_address') out[k] = r.pii ? value(x, r, false, 0) : null
    else if (k === 'data') out[k] = value(x, r, false, 0)
    else {
      const bits = keyInfo(k, r)
      out[key(k, r, bits)] = (bits & SECRET_KEY) !== 0 && x !== null && x !== '' ? FILTERED : value(x, r, false, 0)
    }
  }
  return out
}

function scrubRequest (req: Record<string, unknown>, r: Rules): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(req)) {
    const x = req[k]
    if (k === 'url') out[k] = wholeUrl(x, r)
    else if (k === 'query_string') out[k] = r.pii ? value(x, r, false, 0) : null
    else if (k === 'headers') out[k] = headerMap(x, r, false)
    else if (k === 'env') out[k] = headerMap(x, r, true)
    // Cookies are the request's credentials: sent (token removed) only with the opt-in.
    else if (k === 'cookies') out[k] = r.pii ? cookieValues(x, r) : null
    else {
      const bits = keyInfo(k, r)
      out[key(k, r, bits)] = (bits & SECRET_KEY) !== 0 && x !== null && x !== '' ? FILTERED : value(x, r, false, 0)
    }
  }
  return out
}

function cookieValues (v: unknown, r: Rules): unknown {
  if (typeof v === 'string') return text(v, r)
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return value(v, r, false, 0)
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[key(k, r)] = typeof x === 'string' ? text(x, r) : value(x, r, false, 0)
  return out
}

function scrubCrumb (crumb: WireBreadcrumb, r: Rules): WireBreadcrumb {
  let clean = r.crumbs.get(crumb)
  if (clean === undefined) {
    clean = {
      timestamp: crumb.timestamp,
      message: typeof crumb.message === 'string' ? urlText(crumb.message, r) : crumb.message,
      category: typeof crumb.category === 'string' ? text(crumb.category, r) : crumb.category,
      level: typeof crumb.level === 'string' ? text(crumb.level, r) : crumb.level, // free text after beforeSend
      data: value(crumb.data, r, true, 0) as Record<string, unknown> | null,
      type: typeof crumb.type === 'string' ? text(crumb.type, r) : crumb.type
    }
    r.crumbs.set(crumb, clean)
  }
  return clean
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

// Context keys scrubbed field by field above; every other context is user data.
const OWN_CONTEXTS = new Set(['user', 'request', 'extra', 'tags', 'server_name', 'release', 'environment'])

const scrubIfString = (v: unknown, r: Rules): unknown => (typeof v === 'string' ? text(v, r) : v)

/** The event with every rule applied. Changes the event's own containers, never shared ones. */
export function scrubEvent (event: WireEvent, opts: ScrubOptions): WireEvent {
  const r = compileRules(opts)
  event.message = text(event.message, r)
  // Often the scope's own array, shared between events: copied only when something changes.
  const fp = event.fingerprint
  for (let i = 0; i < fp.length; i++) {
    if (text(fp[i] as string, r) !== fp[i]) { event.fingerprint = fp.map((f) => text(f, r)); break }
  }
  for (const v of event.exception?.values ?? []) {
    v.type = text(v.type, r)
    v.value = text(v.value, r)
    if (typeof v.module === 'string') v.module = text(v.module, r)
    // Present only on the main thread (beforeSend sees the raw stack).
    if (typeof v.stack === 'string') v.stack = text(v.stack, r)
  }
  const c = event.contexts
  // User and request are scrubbed per event, not cached per shared object like
  // breadcrumbs: a WeakMap entry per new object costs the GC more than the scrub
  // (bench/scenarios/scrub.mjs), and a request usually has one event.
  c.user = isRecord(c.user) ? scrubUser(c.user, r) : null
  c.request = isRecord(c.request) ? scrubRequest(c.request, r) : null
  const tags: Record<string, string> = {}
  const given = c.tags ?? {}
  for (const k of Object.keys(given)) {
    const v = given[k]
    const bits = keyInfo(k, r)
    if ((bits & IP_KEY) !== 0 && !r.pii) continue
    tags[key(k, r, bits)] = (bits & SECRET_KEY) !== 0 && v !== '' ? FILTERED : text(String(v), r)
  }
  c.tags = tags
  c.extra = value(c.extra, r, false, 0) as Record<string, unknown>
  c.server_name = scrubIfString(c.server_name, r) as string | null
  c.release = scrubIfString(c.release, r) as string | null
  c.environment = scrubIfString(c.environment, r) as string
  for (const k of Object.keys(c)) {
    if (OWN_CONTEXTS.has(k)) continue
    // A context is one key of user data, as any other: the same rules for its name.
    const one: Record<string, unknown> = {}
    entry(one, k, c[k], r, false, 0)
    const name = key(k, r)
    const kept = Object.prototype.hasOwnProperty.call(one, name)
    if (name !== k || !kept) delete c[k]
    if (kept) c[name] = one[name]
  }
  event.breadcrumbs = event.breadcrumbs.map((crumb) => scrubCrumb(crumb, r))
  return event
}

/** One source line (context lines): the token and URL credentials removed. */
export function scrubSourceLine (line: string, opts: ScrubOptions): string {
  return text(line, compileRules(opts))
}
