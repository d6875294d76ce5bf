// No cut leaves part of a secret: every place a string is cut (main-thread bounds in
// normalize/scope/error-info/client, the http breadcrumb, the console copy of a log line,
// beforeSend's result; the worker's payload fitting) is tried with the auth token, and with a
// URL's user:password@, straddling the cut at every offset. No prefix of 4 or more characters
// of either may arrive, and the event must arrive with the text before the secret.
import t from 'tap'
import { request as httpRequest } from 'node:http'
import { ErrorTracker, startCollector, getGlobalScope, getIsolationScope, runWithIsolationScope, consoleIntegration } from 'xrayradar'
import { runFixture } from '../helpers.mjs'
import { stderrOf } from '../utils/stderr.mjs'
import { listen } from '../utils/servers.mjs'

const TOK = 'Zq7Xk2pWv9LmN4rT'
const USER = 'Uq8Rn5Vt'
const PW = 'Pw9Hq3Jd7Lk2Xs'
const CRED = `https://${USER}:${PW}@host.example/x`
const SECRETS = [TOK, USER, PW]
const MIN_PREFIX = 4

/** The first prefix (>= MIN_PREFIX characters) of a secret found in the event, or null. */
function leak (event) {
  const json = JSON.stringify(event)
  for (const s of SECRETS) {
    for (let n = MIN_PREFIX; n <= s.length; n++) if (json.includes(s.slice(0, n))) return s.slice(0, n)
  }
  return null
}

// Token starts that put a cut at `limit` (characters from the start of the field, `prefix`
// of them before the value) inside the token: 1 to length-1 of its characters kept.
function tokenValues (limit, prefix = 0) {
  const out = []
  for (let kept = 1; kept < TOK.length; kept++) {
    const start = limit - prefix - kept
    out.push({ label: `token, ${kept} chars before the cut`, v: 'a'.repeat(start) + TOK + 'b'.repeat(40) })
  }
  return out
}

// URL starts that put the cut inside `https://user:password` (after the scheme).
function credValues (limit, prefix = 0) {
  const out = []
  for (let kept = 'https://'.length + 1; kept <= CRED.indexOf('@'); kept++) {
    const start = limit - prefix - kept
    out.push({ label: `credentials, ${kept} chars of the URL before the cut`, v: 'a'.repeat(start - 1) + ' ' + CRED + 'b'.repeat(40) })
  }
  return out
}

const values = (limit, prefix = 0) => [...tokenValues(limit, prefix), ...credValues(limit, prefix)]

async function start (t, options = {}) {
  getGlobalScope().clear()
  getIsolationScope().clear()
  const collector = await startCollector({ token: TOK })
  const client = new ErrorTracker({ dsn: collector.dsn('7'), authToken: TOK, spool: false, defaultIntegrations: false, ...options })
  t.teardown(async () => { await client.close(100); await collector.close() })
  return { collector, client }
}

/** Runs every capture, then checks each event: arrived, no secret prefix, field holds the text before the secret. */
async function check (t, collector, client, captures) {
  t.equal(await client.flush(20000), true, 'flushed')
  const byId = new Map(collector.events.map((e) => [e.event_id, e]))
  let leaks = 0
  let missing = 0
  for (const c of captures) {
    const e = byId.get(c.id)
    if (e === undefined) { missing++; t.fail(`${c.name} (${c.label}): no event`); continue }
    const found = leak(e)
    if (found !== null) { leaks++; t.fail(`${c.name} (${c.label}): "${found}" arrived`) }
    const field = c.get(e)
    if (typeof field !== 'string' || !field.includes('aaaaaaaa')) t.fail(`${c.name} (${c.label}): the text before the secret is missing: ${String(field).slice(0, 80)}`)
  }
  t.equal(missing, 0, `all ${captures.length} events arrived`)
  t.equal(leaks, 0, 'no secret prefix in any event')
  t.same(client.stats().dropped, Object.fromEntries(Object.keys(client.stats().dropped).map((k) => [k, 0])), 'nothing dropped')
}

const tag = (e) => e.contexts.tags.t
const firstKey = (o) => Object.keys(o).find((k) => k.includes('aaaa'))

// name, limit, prefix (characters the SDK puts before the value in the cut string), capture, field
const MAIN = [
  ['tag value (setTag)', 200, 0, (c, v) => { c.setTag('t', v); return c.captureMessage('m') }, tag],
  ['tag value (setTags)', 200, 0, (c, v) => { c.setTags({ t: v }); return c.captureMessage('m') }, tag],
  ['tag value (capture options)', 200, 0, (c, v) => c.captureMessage('m', { tags: { t: v } }), tag],
  ['tag value (not a string)', 200, 2, (c, v) => { c.setTag('t', [v]); return c.captureMessage('m') }, tag],
  ['tag key', 200, 0, (c, v) => { c.setTag(v, 'x'); return c.captureMessage('m') }, (e) => firstKey(e.contexts.tags)],
  ['extra key', 200, 0, (c, v) => { c.setExtra(v, 'x'); return c.captureMessage('m') }, (e) => firstKey(e.contexts.extra)],
  ['extra value', 8192, 0, (c, v) => { c.setExtra('e', v); return c.captureMessage('m') }, (e) => e.contexts.extra.e],
  ['extra value, nested', 8192, 0, (c, v) => { c.setExtra('e', { deep: [v] }); return c.captureMessage('m') }, (e) => e.contexts.extra.e.deep[0]],
  ['capture extra', 8192, 0, (c, v) => c.captureMessage('m', { extra: { e: v } }), (e) => e.contexts.extra.e],
  ['capture option as extra', 8192, 0, (c, v) => c.captureMessage('m', { note: v }), (e) => e.contexts.extra.note],
  ['message', 8192, 0, (c, v) => c.captureMessage(v, { fingerprint: ['f'] }), (e) => e.message],
  ['message (capture options)', 8192, 0, (c, v) => c.captureException(new Error('x'), { message: v }), (e) => e.message],
  ['exception value', 8192, 0, (c, v) => c.captureException(new Error(v)), (e) => e.exception.values[0].value],
  ['exception type', 200, 0, (c, v) => { const err = new Error('x'); err.name = v; return c.captureException(err) }, (e) => e.exception.values[0].type],
  ['thrown string', 8192, 0, (c, v) => c.captureException(v), (e) => e.exception.values[0].value],
  ['thrown symbol', 200, 'Symbol('.length, (c, v) => c.captureException(Symbol(v)), (e) => e.exception.values[0].value],
  ['fingerprint part', 200, 0, (c, v) => c.captureMessage('m', { fingerprint: [v] }), (e) => e.fingerprint[0]],
  ['user field', 1024, 0, (c, v) => { c.setUser({ id: 1, username: v }); return c.captureMessage('m') }, (e) => e.contexts.user.username],
  ['user data', 1024, 0, (c, v) => { c.setUser({ id: 1, note: v }); return c.captureMessage('m') }, (e) => e.contexts.user.data.note],
  ['context value', 8192, 0, (c, v) => { c.setContext('svc', { note: v }); return c.captureMessage('m') }, (e) => e.contexts.svc.note],
  ['request header', 8192, 0, (c, v) => { c.setRequest({ url: 'https://x.example/', headers: { 'x-note': v } }); return c.captureMessage('m') }, (e) => e.contexts.request.headers['x-note']],
  ['request data', 8192, 0, (c, v) => { c.setRequest({ url: 'https://x.example/', data: { note: v } }); return c.captureMessage('m') }, (e) => e.contexts.request.data.note],
  ['request url', 8192, 0, (c, v) => { c.setRequest({ url: v }); return c.captureMessage('m') }, (e) => e.contexts.request.url],
  ['breadcrumb message', 2048, 0, (c, v) => { c.addBreadcrumb({ message: v }); return c.captureMessage('m') }, (e) => e.breadcrumbs[0].message],
  ['breadcrumb data', 2048, 0, (c, v) => { c.addBreadcrumb({ message: 'c', data: { note: v } }); return c.captureMessage('m') }, (e) => e.breadcrumbs[0].data.note],
  ['breadcrumb data, nested', 2048, 0, (c, v) => { c.addBreadcrumb({ message: 'c', data: { n: { note: v } } }); return c.captureMessage('m') }, (e) => e.breadcrumbs[0].data.n.note],
  ['unreadable value (the error it threw)', 200, 'Error: '.length, (c, v) => {
    const hostile = { get note () { throw new Error(v) } }
    return c.captureMessage('m', { extra: { h: hostile } })
  }, (e) => e.contexts.extra.h.note]
]

t.test('main-thread cuts: a secret across the cut never arrives in part', async (t) => {
  const { collector, client } = await start(t)
  const captures = []
  for (const [name, limit, prefix, capture, get] of MAIN) {
    for (const { label, v } of values(limit, prefix)) {
      const id = runWithIsolationScope(() => capture(client, v))
      captures.push({ name, label, id, get })
    }
  }
  await check(t, collector, client, captures)
})

t.test('a tag cut before init(), the token from XRAYRADAR_AUTH_TOKEN (a child process: the variable is set at its start)', async (t) => {
  const collector = await startCollector({ token: TOK })
  t.teardown(() => collector.close())
  const run = await runFixture('cut-before-init.mjs', { env: { XRAYRADAR_DSN: collector.dsn('7'), XRAYRADAR_AUTH_TOKEN: TOK } })
  t.equal(run.code, 0, run.stderr)
  t.equal(collector.events.length, TOK.length - 1, 'one event per cut')
  for (const e of collector.events) {
    t.equal(leak(e), null, 'no part of the token')
    t.match(e.contexts.tags.t, /^a{150}/, 'the tag keeps the text before the token')
  }
})

t.test("beforeSend's result is cut at 64 KiB: a secret it adds across that cut never arrives in part", async (t) => {
  let next = ''
  const { collector, client } = await start(t, { beforeSend: (e) => { e.contexts.extra.added = next; return e } })
  const captures = []
  for (const { label, v } of values(64 * 1024)) {
    next = v
    captures.push({ name: 'beforeSend extra', label, get: (e) => e.contexts.extra.added, id: client.captureMessage('m') })
  }
  await check(t, collector, client, captures)
})

t.test("the worker's payload cuts (message, exception value 1,000; extra strings 256) come after scrubbing", async (t) => {
  const { collector, client } = await start(t, { maxPayloadSize: 4096 })
  const captures = []
  const tail = 'b'.repeat(9000)
  for (const { label, v } of values(1000)) {
    captures.push({ name: 'message (payload fit)', label, get: (e) => e.message, id: client.captureMessage(v + tail, { fingerprint: ['f'] }) })
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 1
    const err = new Error(v + tail)
    Error.stackTraceLimit = limit
    captures.push({ name: 'exception value (payload fit)', label, get: (e) => e.exception.values[0].value, id: client.captureException(err, { fingerprint: ['f'] }) })
  }
  for (const { label, v } of values(256)) {
    captures.push({ name: 'extra string (payload fit)', label, get: (e) => e.contexts.extra.s, id: client.captureMessage('m', { fingerprint: ['f'], extra: { s: v + tail } }) })
  }
  await check(t, collector, client, captures)
  const message = collector.events.find((e) => e.event_id === captures[0].id)
  t.equal(message.message.length, 1000, 'the message was cut by the payload fitting (the cut was exercised)')
  const extra = collector.events.find((e) => e.event_id === captures.at(-1).id)
  t.equal(extra.contexts.extra.s.length, 256, 'the extra string was cut to 256')
})

t.test("the incoming request's breadcrumb (url and message cut at 2,048)", async (t) => {
  const { collector, client } = await start(t, { defaultIntegrations: true })
  const ids = new Map()
  const { base: origin } = await listen(t, (req, res) => {
    ids.set(req.url, client.captureMessage('in request'))
    res.end('ok')
  })
  const paths = []
  // The data url (origin + path) and the message ("GET " + url) are both cut at 2,048.
  for (const prefix of [origin.length + 1, origin.length + 1 + 'GET '.length]) {
    for (const { label, v } of tokenValues(2048, prefix)) paths.push({ label, path: '/' + v })
  }
  for (const { path } of paths) {
    await new Promise((resolve, reject) => {
      httpRequest(`${origin}${path}`, (res) => { res.resume(); res.on('end', resolve) }).on('error', reject).end()
    })
  }
  const captures = paths.map(({ label, path }) => ({ name: 'http.server breadcrumb', label, id: ids.get(path), get: (e) => e.breadcrumbs.find((b) => b.category === 'http.server')?.data.url }))
  await check(t, collector, client, captures)
})

t.test("console: the breadcrumb's and the event's copy of a logged object (util.inspect cuts strings)", async (t) => {
  const { collector, client } = await start(t, { integrations: [consoleIntegration({ eventLevel: 'error' })] })
  const head = (n) => `c${String(n).padStart(4, '0')}`
  const prefix = `${head(0)} { note: '`.length
  const vs = []
  // Cuts in the message (2,048 for a breadcrumb, 8,192 for an event) and in the logged string
  // itself, where util.inspect cut it (2,048 before) or may cut it now.
  for (const limit of [2048, 8192]) vs.push(...values(limit, prefix), ...values(limit), ...values(limit + TOK.length))
  const captures = []
  const warned = new Map()
  // The log lines themselves are not the test's.
  stderrOf(() => vs.forEach(({ label, v }, n) => {
    captures.push({
      name: 'console.warn breadcrumb',
      label,
      get: (e) => e.breadcrumbs.at(-1)?.message,
      id: runWithIsolationScope(() => { console.warn(head(n), { note: v }); return client.captureMessage('after the log line') })
    })
    runWithIsolationScope(() => console.error(head(n), { note: v }))
    warned.set(head(n), { name: 'console.error event', label, get: (e) => e.message })
  }))
  t.equal(await client.flush(20000), true)
  // console.error returns no event id: its event is the one whose message starts with its head.
  for (const e of collector.events) {
    const c = warned.get(e.message.slice(0, head(0).length))
    if (c !== undefined && e.contexts.mechanism?.type === 'console') c.id = e.event_id
  }
  captures.push(...warned.values())
  await check(t, collector, client, captures)
})
