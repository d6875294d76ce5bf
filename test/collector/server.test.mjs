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
