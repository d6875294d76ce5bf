// A worker that dies mid-run: the host lives, a new worker takes over, every event is accounted for.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { runFixture } from '../helpers.mjs'

const HELD_MS = 1500

t.test('worker killed while holding events', async (t) => {
  // Only the first 32 requests (maxInFlight: what the doomed worker has under way) are slow:
  // enough for it to die holding them, while the new worker's sends are answered at once.
  const collector = await startCollector({ fault: { latencyMs: HELD_MS, count: 32 } })
  t.teardown(() => collector.close())
  const r = await runFixture('worker-crash.mjs', { env: { XRAYRADAR_DSN: collector.dsn('9') }, timeoutMs: 60000 })
  t.equal(r.code, 0, r.stderr)
  const { flushed, stats, terminatedAt } = JSON.parse(r.stdout.trim().split('\n').pop())
  t.equal(flushed, true, 'flush did not hang on the dead worker\'s events')
  t.equal(stats.captured, 400)
  t.equal(stats.pending, 0)
  t.ok(stats.dropped.worker_crashed > 0, `the events the dead worker held are counted (${stats.dropped.worker_crashed})`)
  t.equal(stats.delivered + stats.dropped.worker_crashed, 400, 'everything else delivered')
  // Requests the dead worker had already sent may still be stored by the server: counted as
  // worker_crashed (the SDK cannot know), they can arrive all the same. They all arrived before
  // it was terminated, so all are answered HELD_MS after that (same clock: one machine).
  const answered = terminatedAt + HELD_MS + 300
  while (Date.now() < answered) await new Promise((resolve) => setTimeout(resolve, answered - Date.now()))
  t.ok(collector.counts['9'] >= stats.delivered && collector.counts['9'] <= stats.delivered + stats.dropped.worker_crashed, `collector has ${collector.counts['9']}`)
  t.match(r.stderr, /exited holding \d+ event\(s\); they are counted as dropped: worker_crashed/)
})
