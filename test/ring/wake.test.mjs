// A parked consumer is woken once per tick (a microtask), or at once when records
// nobody claimed pass a quarter of the ring. "Nobody claimed" is read from CLAIM:
// measured from TAIL, which moves only when the producer runs short of room, the
// ring looked a quarter full after 4 MiB of records however fast they were
// consumed, and every capture from then on paid a synchronous notify.
import t from 'tap'
import { createRing, SLEEPERS } from '../../dist/ring/layout.js'
import { RingProducer } from '../../dist/ring/producer.js'
import { RingConsumer } from '../../dist/ring/consumer.js'

function counting (t) {
  const real = Atomics.notify
  const calls = { n: 0 }
  Atomics.notify = (...args) => { calls.n++; return real(...args) }
  t.teardown(() => { Atomics.notify = real })
  return calls
}

const RECORD = new Uint8Array(1008) // 1 KiB records with their header

t.test('records consumed as they come: no synchronous wake, however much went through', async (t) => {
  const ring = createRing(64 * 1024, 1024)
  const producer = new RingProducer(ring)
  const consumer = new RingConsumer(ring)
  Atomics.store(ring.header, SLEEPERS, 1) // a consumer parked (another one keeps claiming)
  const calls = counting(t)
  let written = 0
  for (let i = 0; i < 200; i++) { // ~3 laps of the ring
    t.ok(producer.write([RECORD], 0) >= 0 || t.fail('write refused'))
    written++
    const rec = consumer.claim()
    consumer.settle(rec.seq, 'delivered')
  }
  t.equal(written, 200)
  t.equal(calls.n, 0, 'no notify inside the loop: the one wake is left to the microtask')
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(calls.n, 1, 'the microtask woke the parked consumer once')
})

t.test('records piling up unclaimed: woken at once past a quarter of the ring', async (t) => {
  const ring = createRing(64 * 1024, 1024)
  const producer = new RingProducer(ring)
  Atomics.store(ring.header, SLEEPERS, 1)
  const calls = counting(t)
  for (let i = 0; i < 15; i++) producer.write([RECORD], 0) // 15 KiB: under a quarter
  t.equal(calls.n, 0, 'under a quarter: left to the microtask')
  for (let i = 0; i < 3; i++) producer.write([RECORD], 0) // past 16 KiB unclaimed
  t.ok(calls.n >= 1, `woken at once (${calls.n})`)
})
