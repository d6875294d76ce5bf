// Shutdown paths the host controls, in child processes: timeouts it passes, exit
// listeners it registered first, a second init() over a failing custom transport.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { runFixture } from '../helpers.mjs'
import { sdkLines } from '../utils/stderr.mjs'

const collector = await startCollector()
t.teardown(() => collector.close())
let project = 900

const result = (r) => {
  const line = r.stdout.split('\n').find((l) => l.startsWith('result='))
  return line === undefined ? null : JSON.parse(line.slice('result='.length))
}

t.test('timeouts that are not a finite non-negative number mean shutdownTimeout, against a hung ingest', async (t) => {
  // The ingest holds every request far longer than the fixture may run.
  collector.setFault({ latencyMs: 60000 })
  t.teardown(() => collector.setFault(null))
  const cases = [['flushSync', 'NaN'], ['flushSync', '"500"'], ['flushSync', '-1'], ['flush', 'NaN'], ['flush', 'Infinity'], ['flush', '"500"'], ['close', 'NaN'], ['close', 'Infinity']]
  for (const [call, arg] of cases) {
    const r = await runFixture('host-lifecycle.mjs', { env: { MODE: 'timeout', CALL: call, ARG: arg, SHUTDOWN_TIMEOUT: '300', XRAYRADAR_DSN: collector.dsn(String(++project)) }, timeoutMs: 15000 })
    const res = result(r)
    t.ok(res, `${call}(${arg}) returned (stderr: ${r.stderr})`)
    t.equal(res?.ok, false, `${call}(${arg}) reports the event as not settled`)
    if (call !== 'close') t.equal(res?.stats.pending, 1, `${call}(${arg}): the event is still on its way`)
    t.equal(r.code, 0)
  }
})

t.test('a valid timeout is still honoured (false at it, true once settled)', async (t) => {
  const r = await runFixture('host-lifecycle.mjs', { env: { MODE: 'timeout', CALL: 'flush', ARG: '10000', SHUTDOWN_TIMEOUT: '1', XRAYRADAR_DSN: collector.dsn(String(++project)) } })
  t.equal(result(r)?.ok, true, 'flush(10000) waited past shutdownTimeout for the delivery')
  t.equal(result(r)?.stats.delivered, 1)
})

for (const fail of ['reject', 'throw']) {
  t.test(`init() again while the old custom transport's close() fails (${fail}): no unhandled rejection`, async (t) => {
    const r = await runFixture('host-lifecycle.mjs', { env: { MODE: 'reinit', FAIL: fail, XRAYRADAR_DSN: collector.dsn(String(++project)) } })
    t.equal(r.code, 0, `the host lives on; stderr: ${r.stderr}`)
    t.notMatch(r.stderr, /Unhandled|triggerUncaughtException/)
    t.match(r.stderr, /\[xrayradar\] the custom transport's close\(\) failed \(transport close failed\)/, 'said once')
    t.equal(r.stderr.match(/\[xrayradar\]/g)?.length, 1)
    t.equal(result(r)?.sent, 1, 'the first client delivered through it before closing')
  })

  t.test(`flush() through a custom transport whose flush() fails (${fail}): resolves false`, async (t) => {
    const r = await runFixture('host-lifecycle.mjs', { env: { MODE: 'transport-flush', FAIL: fail, XRAYRADAR_DSN: collector.dsn(String(++project)) } })
    t.equal(r.code, 0, r.stderr)
    t.equal(result(r)?.ok, false, 'not flushed, not a rejection')
    t.equal(result(r)?.sent, 1)
  })
}

for (const natural of ['0', '1']) {
  t.test(`an exit listener registered before init() that calls process.exit(5) (${natural === '1' ? 'natural exit' : 'after process.exit(0)'}): the SDK drains anyway`, async (t) => {
    const p = String(++project)
    const r = await runFixture('host-lifecycle.mjs', { env: { MODE: 'exit-listener-first', NATURAL: natural, COUNT: '20', XRAYRADAR_DSN: collector.dsn(p) } })
    t.equal(r.code, 5, 'the application\'s exit code stands')
    t.equal(collector.counts[p], 20, 'every event delivered before the process ended')
  })
}

t.test('init() 20 times: no MaxListenersExceededWarning, the process listeners stay few, every client\'s event delivered', async (t) => {
  const p = String(++project)
  // 20 worker threads start on a shared machine: each replaced client gets a generous close().
  const r = await runFixture('host-lifecycle.mjs', { env: { MODE: 'reinit-many', COUNT: '20', SHUTDOWN_TIMEOUT: '20000', XRAYRADAR_DSN: collector.dsn(p) }, timeoutMs: 60000 })
  t.equal(r.code, 0, r.stderr)
  t.notMatch(r.stderr, /MaxListenersExceeded|memory leak/, 'no listener warning')
  t.equal(r.stderr, '', 'nothing on stderr at all')
  const res = result(r)
  t.ok(res, r.stdout)
  t.ok(res.maxExit <= 3, `'exit' listeners while 19 clients close: ${res.maxExit}`)
  t.ok(res.maxBeforeExit <= 1, `'beforeExit' listeners: ${res.maxBeforeExit}`)
  t.equal(collector.counts[p], 20, 'each of the 20 clients delivered its event')
})

for (const natural of ['1', '0']) {
  t.test(`an event captured in an exit listener added after init() (${natural === '1' ? 'natural exit' : 'process.exit(0)'}): delivered, and stats() says so`, async (t) => {
    const p = String(++project)
    const r = await runFixture('host-lifecycle.mjs', { env: { MODE: 'capture-in-exit-listener', NATURAL: natural, XRAYRADAR_DSN: collector.dsn(p) } })
    t.equal(r.code, 0, r.stderr)
    const stats = result(r)?.stats
    t.match(stats, { captured: 2, delivered: 2, pending: 0 }, 'nothing left pending')
    t.equal(collector.counts[p], 2, 'both events arrived')
    t.same(collector.events.filter((e) => e.message === 'in an exit listener').length >= 1, true)
    t.equal(r.stderr, '', 'no loss, so no line')
  })
}

t.test('an event captured in a late exit listener against a hung ingest: counted shutdown_timeout and said on stderr', async (t) => {
  collector.setFault({ latencyMs: 60000 })
  t.teardown(() => collector.setFault(null))
  const p = String(++project)
  const r = await runFixture('host-lifecycle.mjs', { env: { MODE: 'capture-in-exit-listener', NATURAL: '1', SHUTDOWN_TIMEOUT: '600', XRAYRADAR_DSN: collector.dsn(p) }, timeoutMs: 15000 })
  t.equal(r.code, 0, r.stderr)
  const stats = result(r)?.stats
  t.match(stats, { captured: 2, delivered: 0, pending: 0, dropped: { shutdown_timeout: 2 } }, 'every event has its outcome')
  const lines = sdkLines(r.stderr)
  t.ok(lines.length >= 1, r.stderr)
  const said = lines.reduce((n, l) => n + Number(/with (\d+) event\(s\) neither sent nor spooled/.exec(l)?.[1] ?? 0), 0)
  t.equal(said, stats?.dropped.shutdown_timeout, 'the lines account for what stats() counts')
})
