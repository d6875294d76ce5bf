import type { WireBreadcrumb, WireEvent } from '../types'

// The one privacy model (docs/privacy.md), applied to every field of an event
// that can hold user data. Runs in the worker after beforeSend's result arrives,
// so nothing a callback adds escapes it; with beforeSend set it also runs on the
// main thread first, so the callback sees a scrubbed event.
//
// Always: the auth token's literal value is replaced wherever it occurs (values
// and keys, whatever its length), URL credentials are removed, and values under
// secret-like keys become "[Filtered]". Unless sendDefaultPii: client IPs, query
// strings and the request's cookie/authorization headers and cookies are removed.
// Nothing here depends on the token being set.

export const FILTERED = '[Filtered]'

export interface ScrubOptions {
  sendDefaultPii: boolean
  authToken: string | null
  /** More secret-like key fragments (the denyKeys option), matched like the built-in ones. */
  denyKeys?: readonly string[]
  /**
   * The worker's case: user and request objects come from decoded scope blobs,
   * shared between events and never changed, so each is scrubbed once and the
   * clean copy shared. Off where a callback may change the result (beforeSend).
   */
  shareClean?: boolean
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

// user:password@ after a scheme: the last "@" before the path, query or fragment
// (WHATWG puts any earlier "@" inside the user info).
const CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi
// A URL inside text: its query and fragment.
const EMBEDDED_QUERY = /([a-z][a-z0-9+.-]*:\/\/[^\s?#]*)[?#][^\s"'<>]*/gi

// Keys repeat from event to event (the same extra, tags and headers): each is
// classified once. Bounded so keys made of ids cannot grow the worker; cleared when full.
const KEY_MEMO_MAX = 10000
// Deeper than normalize() ever produces (depth 12); anything below is replaced whole.
const MAX_DEPTH = 32

// How a header or env key is treated: sent as is, only with sendDefaultPii, or filtered.
const PLAIN = 0
const PII_ONLY = 1
const SECRET = 2

interface Rules {
  pii: boolean
  token: string | null
  /** A numeric token can also appear as a number value. */
  numericToken: boolean
  secretKey: RegExp
  /** key → is it secret-like; memoized, see KEY_MEMO_MAX. */
  memo: Map<string, boolean>
  /** header (or env) key → PLAIN, PII_ONLY or SECRET; memoized likewise. */
  headerMemo: Map<string, number>
  envMemo: Map<string, number>
  /** Breadcrumb objects are shared between events: each is scrubbed once per rule set. */
  crumbs: WeakMap<WireBreadcrumb, WireBreadcrumb>
  /** With shareClean: scrubbed user and request objects, by the shared object they came from. */
  clean: WeakMap<object, Record<string, unknown>> | null
}

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
    crumbs: new WeakMap(),
    clean: opts.shareClean === true ? new WeakMap() : null
  }
  compiled.set(opts, r)
  return r
}

function remember<V> (memo: Map<string, V>, key: string, v: V): V {
  if (memo.size >= KEY_MEMO_MAX) memo.clear()
  memo.set(key, v)
  return v
}

function isSecretKey (key: string, r: Rules): boolean {
  const hit = r.memo.get(key)
  return hit !== undefined ? hit : remember(r.memo, key, r.secretKey.test(normalizeKey(key)))
}

/** Env keys are CGI style (HTTP_X_FORWARDED_FOR): compared without their HTTP_ prefix. */
function headerKind (k: string, r: Rules, env: boolean): number {
  const memo = env ? r.envMemo : r.headerMemo
  const hit = memo.get(k)
  if (hit !== undefined) return hit
  const bare = env && /^http_/i.test(k) ? k.slice(5) : k
  const n = normalizeKey(bare)
  return remember(memo, k, IP_HEADERS.has(n) || PII_HEADERS.has(n) ? PII_ONLY : r.secretKey.test(n) ? SECRET : PLAIN)
}

/** The token and URL credentials out of one string (what every string gets). */
function text (s: string, r: Rules): string {
  if (r.token !== null && s.includes(r.token)) s = s.split(r.token).join(FILTERED)
  // Cheap tests first: most strings hold no URL with user info.
  if (s.includes('@') && s.includes('://')) s = s.replace(CREDENTIALS, `$1${FILTERED}@`)
  return s
}

/** A string in a field where the SDK recognises URLs: also their query strings, unless sendDefaultPii. */
function urlText (s: string, r: Rules): string {
  s = text(s, r)
  return r.pii || !s.includes('://') ? s : s.replace(EMBEDDED_QUERY, '$1')
}

/** A value that is a URL as a whole (request.url, breadcrumb data.url): query and fragment go unless sendDefaultPii. */
function wholeUrl (v: unknown, r: Rules): unknown {
  if (typeof v !== 'string') return value(v, r, false, 0)
  const s = text(v, r)
  if (r.pii) return s
  const q = s.search(/[?#]/)
  return q < 0 ? s : s.slice(0, q)
}

function key (k: string, r: Rules): string {
  return r.token !== null && k.includes(r.token) ? k.split(r.token).join(FILTERED) : k
}

/**
 * Any user data: strings cleaned, values under secret-like keys filtered, keys
 * cleaned of the token. `urls`: strings may hold URLs whose query goes (breadcrumbs).
 * Returns new containers; the input is shared and never changed.
 */
function value (v: unknown, r: Rules, urls: boolean, depth: number): unknown {
  if (typeof v === 'string') return urls ? urlText(v, r) : text(v, r)
  if (typeof v === 'number') return r.numericToken && String(v).includes(r.token as string) ? FILTERED : v
  if (v === null || typeof v !== 'object') return v
  if (depth > MAX_DEPTH) return FILTERED
  if (Array.isArray(v)) return v.map((x) => value(x, r, urls, depth + 1))
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k]
    if (isSecretKey(k, r) && x !== null && x !== '') out[key(k, r)] = FILTERED
    else if (urls && URL_KEYS.has(k.toLowerCase())) out[key(k, r)] = wholeUrl(x, r)
    else out[key(k, r)] = value(x, r, urls, depth + 1)
  }
  return out
}

/** Request headers or env: client-IP keys and the request's credentials only with sendDefaultPii, every other secret-like key filtered. */
function headerMap (v: unknown, r: Rules, env: boolean): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return value(v, r, false, 0)
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k]
    const kind = headerKind(k, r, env)
    if (kind === PII_ONLY) {
      if (r.pii) out[key(k, r)] = value(x, r, false, 0)
    } else if (kind === SECRET && x !== null && x !== '') out[key(k, r)] = FILTERED
    else out[key(k, r)] = value(x, r, false, 0)
  }
  return out
}

function scrubUser (user: Record<string, unknown>, r: Rules): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(user)) {
    const x = user[k]
    if (k === 'ip_address') out[k] = r.pii ? value(x, r, false, 0) : null
    else if (k === 'data') out[k] = value(x, r, false, 0)
    else if (isSecretKey(k, r) && x !== null && x !== '') out[key(k, r)] = FILTERED
    else out[key(k, r)] = value(x, r, false, 0)
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
    else if (isSecretKey(k, r) && x !== null && x !== '') out[key(k, r)] = FILTERED
    else out[key(k, r)] = value(x, r, false, 0)
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
      level: crumb.level,
      data: value(crumb.data, r, true, 0) as Record<string, unknown> | null,
      type: typeof crumb.type === 'string' ? text(crumb.type, r) : crumb.type
    }
    r.crumbs.set(crumb, clean)
  }
  return clean
}

function once (v: unknown, r: Rules, scrub: (o: Record<string, unknown>, r: Rules) => Record<string, unknown>): Record<string, unknown> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null
  const hit = r.clean?.get(v)
  if (hit !== undefined) return hit
  const clean = scrub(v as Record<string, unknown>, r)
  r.clean?.set(v, clean)
  return clean
}

const str = (v: unknown, r: Rules): unknown => (typeof v === 'string' ? text(v, r) : v)

/** The event with every rule applied. Changes the event's own containers, never shared ones. */
export function scrubEvent (event: WireEvent, opts: ScrubOptions): WireEvent {
  const r = compileRules(opts)
  event.message = text(event.message, r)
  // Often the scope's own array, shared between events: copied only when something changes.
  if (event.fingerprint.some((f) => text(f, r) !== f)) event.fingerprint = event.fingerprint.map((f) => text(f, r))
  for (const v of event.exception?.values ?? []) {
    v.type = text(v.type, r)
    v.value = text(v.value, r)
    if (typeof v.module === 'string') v.module = text(v.module, r)
    // Present only on the main thread (beforeSend sees the raw stack).
    if (typeof v.stack === 'string') v.stack = text(v.stack, r)
  }
  const c = event.contexts
  c.user = once(c.user, r, scrubUser)
  c.request = once(c.request, r, scrubRequest)
  const tags: Record<string, string> = {}
  const given = c.tags ?? {}
  for (const k of Object.keys(given)) {
    const v = given[k]
    tags[key(k, r)] = isSecretKey(k, r) && v !== '' ? FILTERED : text(String(v), r)
  }
  c.tags = tags
  c.extra = value(c.extra, r, false, 0) as Record<string, unknown>
  c.server_name = str(c.server_name, r) as string | null
  c.release = str(c.release, r) as string | null
  c.environment = str(c.environment, r) as string
  for (const k of Object.keys(c)) {
    if (k === 'user' || k === 'request' || k === 'extra' || k === 'tags' || k === 'server_name' || k === 'release' || k === 'environment') continue
    const clean = value(c[k], r, false, 0)
    const name = key(k, r)
    if (name !== k) delete c[k]
    c[name] = isSecretKey(k, r) && clean !== null ? FILTERED : clean
  }
  event.breadcrumbs = event.breadcrumbs.map((crumb) => scrubCrumb(crumb, r))
  return event
}

/** One source line (context lines): the token and URL credentials removed. */
export function scrubSourceLine (line: string, opts: ScrubOptions): string {
  return text(line, compileRules(opts))
}
