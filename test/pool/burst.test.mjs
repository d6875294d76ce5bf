// Issue 3, scenario 7: a synchronous burst of 50,000 captures is delivered in full.
// Records are ~200 bytes (scope and stack bytes are shared in the blob area), so
// the default ring holds the whole burst while the worker sends it.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { runFixture } from '../helpers.mjs'

t.test('50,000 captures in one synchronous loop: all delivered, none dropped', async (t) => {
  // Keep only a few events in memory: this test counts them.
  const collector = await startCollector({ keep: 100 })
  t.teardown(() => collector.close())
  const r = await runFixture('lifecycle.mjs', {
    env: { XRAYRADAR_DSN: collector.dsn('77'), MODE: 'flush-timeout', COUNT: '50000', FLUSH_MS: '100000' },
    timeoutMs: 110000
  })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /flush=true/)
  const stats = JSON.parse(r.stdout.match(/stats=(.*)/)[1])
  t.equal(stats.captured, 50000)
  t.equal(stats.delivered, 50000, 'stats() says every event was delivered')
  t.same(Object.values(stats.dropped).filter((n) => n > 0), [], `no drop of any kind: ${JSON.stringify(stats.dropped)}`)
  t.equal(stats.pending, 0)
  t.equal(collector.counts['77'], 50000, 'the collector stored exactly 50,000 (none lost, none twice)')
})
