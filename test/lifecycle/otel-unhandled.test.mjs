// Uncaught exceptions and unhandled rejections are captured on the main thread by the process
// hooks, in the async context of the failed callback: thrown or rejected inside an
// OpenTelemetry span, the event carries that span's ids; outside every span, none. Each in a
// child process (the fixture registers sdk-trace-node's NodeTracerProvider).
import t from 'tap'
import { startCollector } from 'xrayradar'
import { runFixture } from '../helpers.mjs'

const collector = await startCollector()
t.teardown(() => collector.close())
let project = 300
const env = (mode) => ({ env: { XRAYRADAR_DSN: collector.dsn(String(++project)), MODE: mode } })
const spanOf = (stdout) => JSON.parse(/^span (.*)$/m.exec(stdout)?.[1] ?? 'null')
const eventFor = (message) => collector.events.filter((e) => e.message === message)

for (const [mode, message, code, mechanism, level] of [
  ['uncaught', 'TypeError: uncaught in a span', 1, 'onuncaughtexception', 'fatal'],
  ['reject', 'Error: rejected in a span', 1, 'onunhandledrejection', 'fatal'],
  ['reject-warn', 'Error: rejected in a span, warn', 0, 'onunhandledrejection', 'error']
]) {
  t.test(`${mode}: the event carries the span active where it failed`, async (t) => {
    const r = await runFixture('otel-crash.mjs', env(mode))
    t.equal(r.code, code, r.stderr)
    const span = spanOf(r.stdout)
    t.ok(span, 'the fixture ran its span')
    const events = eventFor(message)
    t.equal(events.length, 1, 'one event')
    const e = events[0]
    t.same(e?.contexts.mechanism, { type: mechanism, handled: false }, 'caught by the process hook')
    t.equal(e?.level, level)
    t.same(e?.contexts.trace, span, 'the inner span, with the outer as parent')
    t.match(span?.trace_id, /^[0-9a-f]{32}$/)
  })
}

t.test('uncaught outside every span: no contexts.trace', async (t) => {
  const r = await runFixture('otel-crash.mjs', env('uncaught-outside'))
  t.equal(r.code, 1)
  const events = eventFor('TypeError: uncaught outside every span')
  t.equal(events.length, 1)
  t.same(events[0]?.contexts.mechanism, { type: 'onuncaughtexception', handled: false })
  t.notOk('trace' in (events[0]?.contexts ?? { trace: 'no event' }))
})
