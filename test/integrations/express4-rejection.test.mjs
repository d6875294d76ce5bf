// Express 4: an async route's rejection never reaches error middleware. It is reported once,
// by the SDK's unhandled-rejection path, in the request's scope (request data, user,
// breadcrumbs, and the framework/route tags set on that scope when the route matched); and
// Node's own behaviour for the rejection is kept (default mode: printed, exit 1;
// --unhandled-rejections=warn: a warning, the process lives on), as the same app without the
// SDK shows. Child processes: the exit matters.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { runFixture } from '../helpers.mjs'

const collector = await startCollector()
t.teardown(() => collector.close())
let project = 700
const run = (sdk, nodeArgs = []) => runFixture('express4-rejection.mjs', { env: { SDK: sdk ? '1' : '0', XRAYRADAR_DSN: collector.dsn(String(++project)) }, nodeArgs })
/** The child's stats() at its exit: one capture, delivered (stored before its answer), so no other event can follow. */
const oneDelivered = (t, r) => {
  const stats = JSON.parse(/stats=(.*)/.exec(r.stdout)?.[1] ?? 'null')
  t.match(stats, { captured: 1, delivered: 1, pending: 0 }, JSON.stringify(stats))
}

t.test('default mode: reported once, Node prints it and exits 1 as without the SDK', async (t) => {
  const without = await run(false)
  t.equal(without.code, 1, 'Node alone: exit 1')
  t.match(without.stderr, /Error: order 42 failed/)
  const before = collector.events.length
  const r = await run(true)
  t.equal(r.code, without.code, 'same exit code with the SDK')
  t.match(r.stderr, /Error: order 42 failed\n\s+at /, 'Node still prints the error')
  t.match(r.stderr, /Node\.js v\d+/, 'Node\'s own report')
  t.notMatch(r.stdout, /still running/, 'the process did end')
  oneDelivered(t, r)
  const events = collector.events.slice(before)
  t.equal(events.length, 1, 'one event')
  const e = events[0]
  t.equal(e.exception.values.at(-1).value, 'order 42 failed')
  t.same(e.contexts.mechanism, { type: 'onunhandledrejection', handled: false }, 'by the unhandled-rejection path')
  t.equal(e.contexts.user?.id, 'user-42', 'the user the request set')
  t.ok(e.breadcrumbs.some((b) => b.message === 'loading order 42'), 'the request\'s breadcrumb')
  t.match(e.contexts.request?.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/orders\/42$/, 'the request\'s data, query stripped')
  t.equal(e.contexts.request?.method, 'GET')
  t.equal(e.contexts.tags.framework, 'express', 'the tags set on the request\'s scope when the route matched')
  t.equal(e.contexts.tags.route, 'GET /api/orders/:id')
  t.ok(e.breadcrumbs.some((b) => b.category === 'http.server' && /\/api\/orders\/42$/.test(b.data?.url)), 'the incoming request breadcrumb')
})

t.test('--unhandled-rejections=warn: reported once, warning printed, the process lives on, as without the SDK', async (t) => {
  const without = await run(false, ['--unhandled-rejections=warn'])
  t.equal(without.code, 0)
  t.match(without.stderr, /UnhandledPromiseRejectionWarning: Error: order 42 failed/)
  const before = collector.events.length
  const r = await run(true, ['--unhandled-rejections=warn'])
  t.equal(r.code, 0, 'exit 0 as without the SDK')
  t.match(r.stderr, /UnhandledPromiseRejectionWarning: Error: order 42 failed/, 'Node\'s warning kept')
  t.match(r.stdout, /request ended: TimeoutError\nstill running/, 'Express 4 never answered; the process lived on')
  oneDelivered(t, r)
  const events = collector.events.slice(before)
  t.equal(events.length, 1, 'one event')
  t.same(events[0].contexts.mechanism, { type: 'onunhandledrejection', handled: false })
  t.equal(events[0].contexts.user?.id, 'user-42')
  t.equal(events[0].contexts.tags.route, 'GET /api/orders/:id')
  t.match(events[0].contexts.request?.url, /\/api\/orders\/42$/)
})
