import type { WireBreadcrumb, WireEvent } from '../types'

// Keyed by the shared crumb object; one worker has one set of scrub options.
const scrubbedCrumbs = new WeakMap<WireBreadcrumb, WireBreadcrumb>()

// Privacy-first defaults of the wire contract, plus secrets by key name everywhere
// user data can hold them. Runs in the worker, after beforeSend, so nothing a
// callback adds escapes it.

export const FILTERED = '[Filtered]'

const PII_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-forwarded-authorization'])
const SENSITIVE_KEY = /pass(wd|word)?|secret|token|api[-_]?key|auth(?!or)|credential|private[-_]?key|session|cookie|csrf|xsrf/i

export interface ScrubOptions {
  sendDefaultPii: boolean
  authToken: string | null
}

/** Replaces values under sensitive keys, recursively; data is already normalized (no cycles). */
export function scrubData (value: unknown, token: string | null, depth = 0): unknown {
  if (typeof value === 'string') return token !== null && value.includes(token) ? value.split(token).join(FILTERED) : value
  if (value === null || typeof value !== 'object' || depth > 20) return value
  if (Array.isArray(value)) return value.map((v) => scrubData(v, token, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_KEY.test(k) && v !== null && v !== '' ? FILTERED : scrubData(v, token, depth + 1)
  }
  return out
}

function stripQuery (url: unknown): unknown {
  if (typeof url !== 'string') return url
  const q = url.search(/[?#]/)
  return q < 0 ? url : url.slice(0, q)
}

export function scrubEvent (event: WireEvent, opts: ScrubOptions): WireEvent {
  const token = opts.authToken !== null && opts.authToken.length >= 4 ? opts.authToken : null
  const c = event.contexts
  if (c.user !== null) {
    const user = { ...c.user }
    if (!opts.sendDefaultPii) user.ip_address = null
    user.data = scrubData(user.data, token)
    c.user = user
  }
  if (c.request !== null) {
    const req = { ...c.request }
    if (!opts.sendDefaultPii) {
      req.url = stripQuery(req.url)
      req.query_string = null
      if (req.headers !== null && typeof req.headers === 'object') {
        const headers: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(req.headers)) if (!PII_HEADERS.has(k.toLowerCase())) headers[k] = v
        req.headers = headers
      }
      if (req.env !== null && typeof req.env === 'object') {
        const env = { ...(req.env as Record<string, unknown>) }
        delete env.REMOTE_ADDR
        req.env = env
      }
    }
    req.data = scrubData(req.data, token)
    if (token !== null) {
      req.headers = scrubData(req.headers, token)
      req.url = scrubData(req.url, token)
    }
    c.request = req
  }
  c.extra = scrubData(c.extra, token) as Record<string, unknown>
  for (const key of Object.keys(c)) {
    if (key === 'user' || key === 'request' || key === 'extra' || key === 'tags') continue
    c[key] = scrubData(c[key], token)
  }
  if (token !== null) {
    c.tags = scrubData(c.tags, token) as Record<string, string>
    event.message = scrubData(event.message, token) as string
    for (const v of event.exception?.values ?? []) v.value = scrubData(v.value, token) as string
  }
  // Breadcrumb objects are shared between events (decoded once per scope blob):
  // each is scrubbed once into a copy, and that copy is shared in turn.
  event.breadcrumbs = event.breadcrumbs.map((crumb) => {
    let clean = scrubbedCrumbs.get(crumb)
    if (clean === undefined) {
      clean = {
        ...crumb,
        data: scrubData(crumb.data, token) as Record<string, unknown> | null,
        message: token === null ? crumb.message : scrubData(crumb.message, token) as string | null
      }
      scrubbedCrumbs.set(crumb, clean)
    }
    return clean
  })
  return event
}
