// Shutdown paths the host controls, in child processes: timeouts it passes, exit
// listeners it registered first, a second init() over a failing custom transport.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { runFixture } from '../helpers.mjs'

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
