// stats() while events settle out of order: captured = delivered + spooled + Σ dropped
// + pending in every snapshot, and pending is what is not settled.
import t from 'tap'
import { setup } from '../helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { waitFor } from '../utils/time.mjs'

const sum = (s) => s.delivered + s.spooled + Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.pending

/** stats() every 5 ms until done(stats) holds (20 s at most): every snapshot taken, the last one last. */
async function snapshotsUntil (client, done) {
  const snapshots = []
  await waitFor(() => { const s = client.stats(); snapshots.push(s); return done(s) }, 20000, { every: 5 })
  return snapshots
}

/** An ingest on loopback that holds the first store request until release(), and answers 200 to the rest. */
async function holdFirst (t) {
  let held = null
  let released = false
  const { base } = await listen(t, (req, res) => {
    req.resume()
    req.on('end', () => {
      if (!released && held === null) { held = res; return }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  return {
    dsn: `${base}/42`,
    isHolding: () => held !== null,
    release: () => { released = true; held?.writeHead(200, { 'content-type': 'application/json' }).end('{}') }
  }
}

t.test('one hung request: the nine others count as delivered, not pending; the identity holds in every snapshot', async (t) => {
  const ingest = await holdFirst(t)
  const { client } = await setup(t, {
    dsn: ingest.dsn,
    // Two dropped on the main thread before the ring: they are in captured too.
    beforeSend: (e) => (e.message.includes('drop') ? null : e)
  })
  for (let i = 0; i < 10; i++) client.captureMessage(`event ${i}`)
  client.captureMessage('drop me')
  client.captureMessage('drop me too')

  // Until the nine others are counted, checking each snapshot taken meanwhile.
  const snapshots = await snapshotsUntil(client, (x) => x.delivered >= 9)
  const s = snapshots.at(-1)
  t.ok(ingest.isHolding(), 'one request is held')
  t.ok(snapshots.length > 1, 'snapshots were taken while events were in flight')
  t.match(s, { captured: 12, delivered: 9, spooled: 0, pending: 1, dropped: { before_send: 2 } }, 'the held one alone is pending')
  const bad = snapshots.filter((x) => sum(x) !== x.captured || x.pending < 0)
  t.same(bad, [], 'captured = delivered + spooled + dropped + pending in every snapshot')

  // flush keeps its in-order meaning: not done while the oldest is still out.
  t.equal(await client.flush(200), false, 'flush waits for the held event')
  ingest.release()
  t.equal(await client.flush(15000), true)
  const after = client.stats()
  t.match(after, { captured: 12, delivered: 10, pending: 0 })
  t.equal(sum(after), after.captured)
})

t.test('queue_full drops (counted before the ring) are in the identity while one event hangs', async (t) => {
  // 64 settle slots: with the first event held from the start, the 65th capture finds them all in use.
  const ingest = await holdFirst(t)
  const { client } = await setup(t, { dsn: ingest.dsn, maxQueuedEvents: 64 })
  for (let i = 0; i < 70; i++) client.captureMessage(`event ${i}`)
  const snapshots = await snapshotsUntil(client, (x) => x.delivered >= 63)
  const s = snapshots.at(-1)
  t.match(s, { captured: 70, delivered: 63, pending: 1, dropped: { queue_full: 6 } }, JSON.stringify(s))
  t.same(snapshots.filter((x) => sum(x) !== x.captured || x.pending < 0), [], 'the identity holds in every snapshot')
  ingest.release()
  t.equal(await client.flush(15000), true)
  t.match(client.stats(), { captured: 70, delivered: 64, pending: 0, dropped: { queue_full: 6 } })
})
