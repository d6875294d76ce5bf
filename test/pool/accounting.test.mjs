// stats() while events settle out of order: captured = delivered + spooled + Σ dropped
// + pending in every snapshot, and pending is what is not settled.
import t from 'tap'
import { setup } from '../helpers.mjs'

const sum = (s) => s.delivered + s.spooled + Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.pending
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('one hung request: the nine others count as delivered, not pending; the identity holds in every snapshot', async (t) => {
  // The first store request waits 4 s (below the 10 s request timeout: no retry); the rest answer at once.
  const { collector, client } = await setup(t, {
    // Two dropped on the main thread before the ring: they are in captured too.
    beforeSend: (e) => (e.message.includes('drop') ? null : e)
  }, { fault: { latencyMs: 4000, count: 1 } })
  for (let i = 0; i < 10; i++) client.captureMessage(`event ${i}`)
  client.captureMessage('drop me')
  client.captureMessage('drop me too')

  const snapshots = []
  const end = Date.now() + 20000
  let s = client.stats()
  // Until the nine fast ones are counted (bounded), checking each snapshot taken meanwhile.
  while (s.delivered < 9 && Date.now() < end) {
    snapshots.push(s)
    await sleep(5)
    s = client.stats()
  }
  snapshots.push(s)
  t.ok(snapshots.length > 1, 'snapshots were taken while events were in flight')
  t.equal(collector.requests.length >= 9, true, 'nine requests answered')
  t.match(s, { captured: 12, delivered: 9, spooled: 0, pending: 1, dropped: { before_send: 2 } }, 'the hung one alone is pending')
  const bad = snapshots.filter((x) => sum(x) !== x.captured || x.pending < 0)
  t.same(bad, [], 'captured = delivered + spooled + dropped + pending in every snapshot')

  // flush keeps its in-order meaning: not done while the oldest is still out.
  t.equal(await client.flush(200), false, 'flush waits for the hung event')
  t.equal(await client.flush(15000), true)
  const after = client.stats()
  t.match(after, { captured: 12, delivered: 10, pending: 0 })
  t.equal(sum(after), after.captured)
  t.equal(collector.events.length, 10)
})

t.test('queue_full drops (counted before the ring) are in the identity while one event hangs', async (t) => {
  // 64 settle slots: with seq 0 hung from the start, the 65th capture finds them all in use.
  const { client } = await setup(t, { maxQueuedEvents: 64 }, { fault: { latencyMs: 4000, count: 1 } })
  for (let i = 0; i < 70; i++) client.captureMessage(`event ${i}`)
  const snapshots = []
  const end = Date.now() + 20000
  let s = client.stats()
  while (s.delivered < 63 && Date.now() < end) {
    snapshots.push(s)
    await sleep(5)
    s = client.stats()
  }
  snapshots.push(s)
  t.match(s, { captured: 70, delivered: 63, pending: 1, dropped: { queue_full: 6 } }, JSON.stringify(s))
  t.same(snapshots.filter((x) => sum(x) !== x.captured || x.pending < 0), [], 'the identity holds in every snapshot')
  t.equal(await client.flush(15000), true)
  t.match(client.stats(), { captured: 70, delivered: 64, pending: 0, dropped: { queue_full: 6 } })
})
