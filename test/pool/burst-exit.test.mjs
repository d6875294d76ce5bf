// Issue 3, scenario 7 at exit: a 50,000-capture burst and process.exit(0) right
// after it. What the network cannot take before shutdownTimeout goes to the spool;
// the next process sends it. Nothing is lost, nothing arrives twice.
import t from 'tap'
import { join } from 'node:path'
import { startCollector } from 'xrayradar'
import { runFixture } from '../helpers.mjs'

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
