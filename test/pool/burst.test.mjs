// Issue 3, scenario 7: a synchronous burst of 50,000 captures is delivered in full.
// Records are ~200 bytes (scope and stack bytes are shared in the blob area), so
// the default ring holds the whole burst while the worker sends it.
import t from 'tap'
import { join } from 'node:path'
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

t.test('50,000 captures, then process.exit(0) at once: what cannot be sent in time is spooled, the next process sends it; exactly 50,000 arrive', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  const collector = await startCollector({ keep: 100 })
  t.teardown(() => collector.close())
  // ~1.7 KB an event: the default 64 MiB spool would take ~37,000 and count the rest as spool_full.
  const env = { XRAYRADAR_DSN: collector.dsn('79'), SPOOL_DIR: dir, SPOOL_MAX_BYTES: String(256 * 1024 * 1024), SHUTDOWN_TIMEOUT: '10000' }
  const first = await runFixture('spool-run.mjs', { env: { ...env, MODE: 'exit', COUNT: '50000' }, timeoutMs: 60000 })
  t.equal(first.code, 0, first.stderr)
  const a = JSON.parse(first.stdout.trim().split('\n').pop()).stats
  t.equal(a.delivered + a.spooled, 50000, `every event delivered or spooled before exit: ${JSON.stringify(a)}`)
  t.ok(a.spooled > 0, 'the network could not take the backlog in time')
  const second = await runFixture('spool-run.mjs', { env: { ...env, MODE: 'replay', EXPECT: String(a.spooled), REPLAY_MS: '80000' }, timeoutMs: 100000 })
  t.match(second.stdout, /left: 0/)
  t.equal(collector.counts['79'], 50000, 'exactly 50,000 at the collector: none lost, none twice')
})
