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

// What a key is, as bits, memoized per key: secret-like, holding the token, and
// (breadcrumb data) naming a URL. Header and env keys get their own kind in the low bits.
const SECRET_KEY = 1
const HAS_TOKEN = 2
const URL_KEY = 4
const PLAIN = 0
const PII_ONLY = 1
const SECRET = 2
const KIND = 3

interface Rules {
  pii: boolean
  token: string | null
  /** A numeric token can also appear as a number value. */
  numericToken: boolean
  secretKey: RegExp
  /** key → SECRET_KEY | HAS_TOKEN | URL_KEY bits; see KEY_MEMO_MAX. */
  memo: Map<string, number>
  /** header (or env) key → PLAIN, PII_ONLY or SECRET, plus HAS_TOKEN << 2; memoized likewise. */
  headerMemo: Map<string, number>
  envMemo: Map<string, number>
  /** Breadcrumb objects are shared between events: each is scrubbed once per rule set. */
  crumbs: WeakMap<WireBreadcrumb, WireBreadcrumb>
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
  const bits = (r.secretKey.test(normalizeKey(k)) ? SECRET_KEY : 0) |
    (r.token !== null && k.includes(r.token) ? HAS_TOKEN : 0) |
    (URL_KEYS.has(k.toLowerCase()) ? URL_KEY : 0)
  return remember(r.memo, k, bits)
}

const isSecretKey = (k: string, r: Rules): boolean => (keyInfo(k, r) & SECRET_KEY) !== 0

/** Env keys are CGI style (HTTP_X_FORWARDED_FOR): compared without their HTTP_ prefix. */
function headerKind (k: string, r: Rules, env: boolean): number {
  const memo = env ? r.envMemo : r.headerMemo
  const hit = memo.get(k)
  if (hit !== undefined) return hit
  const bare = env && /^http_/i.test(k) ? k.slice(5) : k
  const n = normalizeKey(bare)
  const kind = IP_HEADERS.has(n) || PII_HEADERS.has(n) ? PII_ONLY : r.secretKey.test(n) ? SECRET : PLAIN
  return remember(memo, k, kind | (r.token !== null && k.includes(r.token) ? HAS_TOKEN << 2 : 0))
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

/** The key with the token replaced; `bits` from keyInfo say whether it holds one. */
function key (k: string, r: Rules, bits = keyInfo(k, r)): string {
  return (bits & HAS_TOKEN) === 0 ? k : k.split(r.token as string).join(FILTERED)
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
    const bits = keyInfo(k, r)
    const name = key(k, r, bits)
    if ((bits & SECRET_KEY) !== 0 && x !== null && x !== '') out[name] = FILTERED
    else if (urls && (bits & URL_KEY) !== 0) out[name] = wholeUrl(x, r)
    else out[name] = value(x, r, urls, depth + 1)
  }
  return out
}

/** Request headers or env: client-IP keys and the request's credentials only with sendDefaultPii, every other secret-like key filtered. */
function headerMap (v: unknown, r: Rules, env: boolean): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return value(v, r, false, 0)
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k]
    const h = headerKind(k, r, env)
    const name = key(k, r, h >> 2)
    const kind = h & KIND
    if (kind === PII_ONLY) {
      if (r.pii) out[name] = value(x, r, false, 0)
    } else if (kind === SECRET && x !== null && x !== '') out[name] = FILTERED
    else out[name] = value(x, r, false, 0)
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

const str = (v: unknown, r: Rules): unknown => (typeof v === 'string' ? text(v, r) : v)

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
    tags[key(k, r, bits)] = (bits & SECRET_KEY) !== 0 && v !== '' ? FILTERED : text(String(v), r)
  }
  c.tags = tags
  c.extra = value(c.extra, r, false, 0) as Record<string, unknown>
  c.server_name = str(c.server_name, r) as string | null
  c.release = str(c.release, r) as string | null
  c.environment = str(c.environment, r) as string
  for (const k of Object.keys(c)) {
    if (OWN_CONTEXTS.has(k)) continue
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
