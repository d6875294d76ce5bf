// The local collector speaks the store contract: 200/400/401/404/413, JSONL, faults.
import t from 'tap'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startCollector } from 'xrayradar'
import { validateEvent } from '../../dist/collector/validate.js'

const valid = () => ({
  event_id: 'e1', timestamp: new Date().toISOString(), level: 'error', message: 'm', platform: 'javascript',
  sdk: { name: 'x', version: '1' },
  contexts: { user: null, request: null, tags: {}, extra: {}, server_name: null, release: null, environment: 'dev' },
  breadcrumbs: [], fingerprint: ['m'], modules: {}
})

const post = (url, body, headers = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })

t.test('status codes', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'events.jsonl')
  const lines = []
  const c = await startCollector({ token: 'tok', projects: ['1'], maxBodyBytes: 2000, file, log: (l) => lines.push(l) })
  t.teardown(() => c.close())
  const store = `${c.url}/api/1/store/`
  t.equal((await post(store, valid())).status, 401, 'missing token')
  t.equal((await post(store, valid(), { 'x-xrayradar-token': 'nope' })).status, 401, 'wrong token')
  const auth = { 'x-xrayradar-token': 'tok' }
  t.equal((await post(`${c.url}/api/2/store/`, valid(), auth)).status, 404, 'unknown project')
  t.equal((await post(store, { ...valid(), pad: 'x'.repeat(3000) }, auth)).status, 413)
  t.equal((await post(store, '{not json', auth)).status, 400)
  const bad = await post(store, { ...valid(), level: 'loud', fingerprint: 'no' }, auth)
  t.equal(bad.status, 400)
  t.match(await bad.json(), { problems: ['level must be one of fatal, error, warning, info, debug', 'fingerprint must be an array of strings'] })
  const ok = await post(store, valid(), auth)
  t.equal(ok.status, 200)
  t.same(await ok.json(), { id: 'e1' })
  t.equal(c.events.length, 1)
  t.same(c.requests.map((r) => r.status), [401, 401, 404, 413, 400, 400, 200])
  t.match(lines, [/project 1 · error · m · 0 frames · 0 breadcrumbs/])
  await c.close()
  t.same(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).event_id), ['e1'])
  t.equal(statSync(file).mode & 0o777, 0o600, 'the JSONL file is owner-only')
})

t.test('fault injection in code and over HTTP', async (t) => {
  const c = await startCollector()
  t.teardown(() => c.close())
  const store = `${c.url}/api/1/store/`
  c.setFault({ status: 503, count: 2 })
  t.same([(await post(store, valid())).status, (await post(store, valid())).status, (await post(store, valid())).status], [503, 503, 200])
  await post(`${c.url}/__xrayradar/fault`, { status: 429, retryAfter: 7 })
  const limited = await post(store, valid())
  t.equal(limited.status, 429)
  t.equal(limited.headers.get('retry-after'), '7')
  await fetch(`${c.url}/__xrayradar/fault`, { method: 'DELETE' })
  t.equal((await post(store, valid())).status, 200)
  t.equal((await (await fetch(`${c.url}/__xrayradar/events`)).json()).length, 2)
  t.equal(await c.waitForEvents(2, 100), true)
  t.equal(await c.waitForEvents(3, 50), false)
})

t.test('validateEvent catches contract drift', async (t) => {
  t.same(validateEvent(valid()), [])
  const e = valid()
  e.exception = { values: [{ type: 'E', value: 'v', module: null, stacktrace: { frames: [{ filename: 'a', function: null, lineno: '3', colno: null, abs_path: null, in_app: 'yes' }] } }] }
  t.same(validateEvent(e), ['exception.values[0].stacktrace.frames[0].lineno must be an integer or null', 'exception.values[0].stacktrace.frames[0].in_app must be a boolean'])
  t.same(validateEvent([]), ['the body must be one JSON object'])
})

t.test('routes: the store path with a query or no trailing slash, an encoded project; everything else 404', async (t) => {
  const c = await startCollector()
  t.teardown(() => c.close())
  t.equal((await post(`${c.url}/api/1/store?sentry_key=k`, valid())).status, 200, 'a query string and no trailing slash')
  t.equal((await post(`${c.url}/api/a%20b/store/`, valid())).status, 200)
  t.same(c.counts, { 1: 1, 'a b': 1 }, 'the project id decoded')
  const notFound = [
    await fetch(`${c.url}/api/1/store/`),
    await post(`${c.url}/api/1/other/`, valid()),
    await post(`${c.url}/api/1/envelope/`, 'x'),
    await post(`${c.url}/store/`, valid())
  ]
  t.same(notFound.map((r) => r.status), [404, 404, 404, 404], 'a GET of the store, other paths, envelopes when not asked for')
  t.same(await notFound[0].json(), { error: 'not found: POST /api/{project_id}/store/' })
  const control = await fetch(`${c.url}/__xrayradar/nothing`)
  t.equal(control.status, 404)
  t.same(await control.json(), { error: 'not found' })
  t.equal(c.events.length, 2, 'nothing else was stored')
  t.same(c.requests.map((r) => [r.project, r.status]), [['1', 200], ['a b', 200]], 'only store requests are recorded')
})

t.test('Sentry envelopes, when asked for: counted per project, recorded, never stored', async (t) => {
  const c = await startCollector({ acceptSentryEnvelopes: true })
  t.teardown(() => c.close())
  const envelope = (events) => [
    JSON.stringify({ event_id: 'a', sent_at: new Date().toISOString() }),
    ...Array.from({ length: events }, () => [JSON.stringify({ type: 'event', length: 2 }), JSON.stringify({ exception: { values: [{ type: 'E' }] } })]).flat(),
    JSON.stringify({ type: 'attachment', length: 1 }), 'x'
  ].join('\n')
  const first = await post(`${c.url}/api/5/envelope/`, envelope(2))
  t.equal(first.status, 200)
  t.same(await first.json(), {})
  t.equal((await post(`${c.url}/api/5/envelope/`, envelope(1))).status, 200)
  t.equal((await post(`${c.url}/api/6/envelope/`, envelope(0))).status, 200)
  t.equal((await fetch(`${c.url}/api/5/envelope/`)).status, 404, 'POST only')
  t.same(c.counts, { 'sentry:5': 3, 'sentry:6': 0 }, 'event items counted, the attachment not')
  t.same(await (await fetch(`${c.url}/__xrayradar/counts`)).json(), c.counts)
  t.same((await (await fetch(`${c.url}/__xrayradar/requests`)).json()).map((r) => [r.project, r.status]), [['sentry:5', 200], ['sentry:5', 200], ['sentry:6', 200]])
  t.same(c.events, [], 'not stored as events')
  t.equal((await (await fetch(`${c.url}/ui/api/groups`)).json()).total, 0, 'nor shown on the page')
})

t.test('faults: a count of 0 clears, bad JSON is refused, the fault given in code is copied and used up', async (t) => {
  const c = await startCollector({ fault: { status: 500, count: 1 } })
  t.teardown(() => c.close())
  const store = `${c.url}/api/1/store/`
  t.same([(await post(store, valid())).status, (await post(store, valid())).status], [500, 200], 'the option\'s fault, once')
  const zero = await post(`${c.url}/__xrayradar/fault`, { status: 500, count: 0 })
  t.same(await zero.json(), { ok: true, fault: null })
  t.equal((await post(store, valid())).status, 200)
  const bad = await post(`${c.url}/__xrayradar/fault`, '{status')
  t.equal(bad.status, 400)
  t.same(await bad.json(), { error: 'fault must be JSON' })
  t.equal((await post(store, valid())).status, 200, 'a refused fault is not set')
  const given = { status: 502, count: 1 }
  c.setFault(given)
  given.status = 418
  t.same([(await post(store, valid())).status, (await post(store, valid())).status], [502, 200], 'the fault as given, used once')
  t.same(given, { status: 418, count: 1 }, 'the caller\'s object untouched')
  c.setFault({ status: 503, count: 0 })
  t.equal((await post(store, valid())).status, 200, 'a count of 0 sets no fault')
  t.same(c.requests.map((r) => r.status), [500, 200, 200, 200, 502, 200, 200])
  t.equal(c.events.length, 5)
})

t.test('waitForEvents wakes when enough events are kept, not before; beyond keep it waits in vain', async (t) => {
  const c = await startCollector({ keep: 2 })
  t.teardown(() => c.close())
  const store = `${c.url}/api/1/store/`
  let woke = false
  const two = c.waitForEvents(2, 30_000).then((ok) => { woke = true; return ok })
  const three = c.waitForEvents(3, 500)
  t.equal((await post(store, valid())).status, 200)
  t.equal(woke, false, 'one event is not two')
  t.equal((await post(store, valid())).status, 200)
  t.equal(await two, true)
  t.equal((await post(store, valid())).status, 200)
  t.equal(await three, false, 'three arrived, but only two are kept')
  t.equal(c.counts[1], 3)
})
