// close() leaves nothing of the collector that keeps its process alive.
import t from 'tap'
import { runFixture } from '../helpers.mjs'

t.test('close() while a latency fault holds a request: the timer goes too, the process ends', async (t) => {
  // Held for 60 s; the child is killed (and this fails) if the held answer keeps it alive past 20 s.
  const r = await runFixture('collector-held.mjs', { timeoutMs: 20000 })
  t.equal(r.code, 0, r.stderr)
  t.same(JSON.parse(r.stdout), { held: true, timersAfterClose: 0 })
})
