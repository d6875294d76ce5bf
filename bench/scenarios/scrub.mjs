// Worker time per event for scrubbing: the rules 0.1.0 rules (copied below as
// the baseline) and the current scrubEvent (dist/privacy/scrub.js), on the same
// typical event, in one process, rounds alternating. Prints µs per event and the
// ratio new / old; the budget is +10%.
//   npm run build && node bench/scenarios/scrub.mjs
// With any argument (bench/run.mjs passes '{}'), prints one JSON line instead.
import { scrubEvent } from '../../dist/privacy/scrub.js'
import { USER, TAGS, EXTRAS, crumb } from '../lib/data.mjs'

const EVENTS_PER_ROUND = 2000 // enough that one round takes milliseconds, not timer resolution
const ROUNDS = 101 // each a build/old/new triple; medians over rounds damp a noisy shared machine
const WARMUP_ROUNDS = 10 // JIT both functions before timing

// ---------------------------------------------------------------------------
// BASELINE: src/privacy/scrub.ts as it was 0.1.0 rules (commit 844ce28),
// unchanged apart from types. Kept only to measure against; not used by the SDK.
const OLD = (() => {
  const scrubbedCrumbs = new WeakMap()
  const FILTERED = '[Filtered]'
  const PII_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-forwarded-authorization'])
  const SENSITIVE_KEY = /pass(wd|word)?|secret|token|api[-_]?key|auth(?!or)|credential|private[-_]?key|session|cookie|csrf|xsrf/i
  function scrubData (value, token, depth = 0) {
    if (typeof value === 'string') return token !== null && value.includes(token) ? value.split(token).join(FILTERED) : value
    if (value === null || typeof value !== 'object' || depth > 20) return value
    if (Array.isArray(value)) return value.map((v) => scrubData(v, token, depth + 1))
    const out = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = SENSITIVE_KEY.test(k) && v !== null && v !== '' ? FILTERED : scrubData(v, token, depth + 1)
    }
    return out
  }
  function stripQuery (url) {
    if (typeof url !== 'string') return url
    const q = url.search(/[?#]/)
    return q < 0 ? url : url.slice(0, q)
  }
  return function scrubEventOld (event, opts) {
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
          const headers = {}
          for (const [k, v] of Object.entries(req.headers)) if (!PII_HEADERS.has(k.toLowerCase())) headers[k] = v
          req.headers = headers
        }
        if (req.env !== null && typeof req.env === 'object') {
          const env = { ...req.env }
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
    c.extra = scrubData(c.extra, token)
    for (const key of Object.keys(c)) {
      if (key === 'user' || key === 'request' || key === 'extra' || key === 'tags') continue
      c[key] = scrubData(c[key], token)
    }
    if (token !== null) {
      c.tags = scrubData(c.tags, token)
      event.message = scrubData(event.message, token)
      for (const v of event.exception?.values ?? []) v.value = scrubData(v.value, token)
    }
    event.breadcrumbs = event.breadcrumbs.map((crumb) => {
      let clean = scrubbedCrumbs.get(crumb)
      if (clean === undefined) {
        clean = { ...crumb, data: scrubData(crumb.data, token), message: token === null ? crumb.message : scrubData(crumb.message, token) }
        scrubbedCrumbs.set(crumb, clean)
      }
      return clean
    })
    return event
  }
})()
// ---------------------------------------------------------------------------

const OPTS = { sendDefaultPii: false, authToken: 'bench-token-9f8e7d6c5b4a', denyKeys: [] }

// As in the worker: breadcrumb objects and the scope's user are decoded once per
// scope blob and shared between events; every other container is the event's own
// (the request too: a service has one per HTTP request, usually one event each).
const USER_WIRE = { id: USER.id, username: USER.username, email: USER.email, ip_address: null, data: {} }
const CRUMBS = Array.from({ length: 20 }, (_, i) => {
  const c = crumb(i)
  return { timestamp: '2026-01-01T00:00:00.000Z', message: c.message, category: c.category, level: c.level, data: c.data, type: 'default' }
})
const FRAMES = Array.from({ length: 10 }, (_, i) => ({ filename: 'bench/lib/data.mjs', function: 'recurse', lineno: 15 + i, colno: 10, abs_path: '/app/bench/lib/data.mjs', in_app: true }))

function typicalEvent (n) {
  return {
    event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    timestamp: '2026-01-01T00:00:00.000Z',
    level: 'error',
    message: `Error: Payment failed for order ${n} (card declined: insufficient funds)`,
    platform: 'javascript',
    sdk: { name: 'xrayradar-node', version: '0.0.0' },
    contexts: {
      user: USER_WIRE,
      request: {
        url: 'https://shop.example.com/checkout?step=2',
        method: 'POST',
        headers: { host: 'shop.example.com', 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0', accept: '*/*', cookie: 'sid=1', 'x-request-id': 'r-1' },
        query_string: 'step=2',
        data: { items: 3, coupon: 'SPRING24' },
        env: { SERVER_NAME: 'shop', SERVER_PORT: '443' }
      },
      tags: { ...TAGS },
      extra: { ...EXTRAS },
      server_name: 'web-1',
      release: '1.0.0',
      environment: 'production'
    },
    exception: { values: [{ type: 'Error', value: `Payment failed for order ${n} (card declined: insufficient funds)`, module: null, stacktrace: { frames: FRAMES } }] },
    breadcrumbs: CRUMBS.slice(),
    fingerprint: ['Error', 'recurse'],
    modules: {}
  }
}

// Each event is built, scrubbed and dropped in turn, as in the worker: nothing
// piles up, so garbage is collected young, inside the round that made it. The
// cost of building the events is measured alone and subtracted.
const noop = (e) => e

function round (fn) {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < EVENTS_PER_ROUND; i++) fn(typicalEvent(i), OPTS)
  return Number(process.hrtime.bigint() - t0) / 1000 / EVENTS_PER_ROUND // µs per event
}

const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)] }
for (let i = 0; i < WARMUP_ROUNDS; i++) { round(noop); round(OLD); round(scrubEvent) }
const old = []
const now = []
const ratios = []
for (let i = 0; i < ROUNDS; i++) {
  const build = round(noop)
  // Which runs first alternates, so neither gains from what the other left warm or dirty.
  const [o, n] = i % 2 === 0 ? [round(OLD), round(scrubEvent)] : [round(scrubEvent), round(OLD)].reverse()
  old.push(o - build)
  now.push(n - build)
  // Per round: load on a shared machine drifts between rounds more than within one.
  ratios.push((n - build) / (o - build))
}
const result = { oldUs: median(old), newUs: median(now), ratio: median(ratios) }
if (process.argv.length > 2) process.stdout.write(JSON.stringify(result) + '\n')
else process.stdout.write(`scrub per event: 0.1.0 rules ${result.oldUs.toFixed(2)} µs, now ${result.newUs.toFixed(2)} µs, ratio ${result.ratio.toFixed(2)} (budget 1.10)\n`)
