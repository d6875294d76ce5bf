// A steady flow goes back to the ring's start once everything before it is claimed, so it keeps
// writing over the same pages instead of cycling through the whole ring (all of it resident);
// a backlog still gets the whole ring, and nothing is read twice or lost on the way.
import t from 'tap'
import { createRing, WRITE, CLAIM } from '../../dist/ring/layout.js'
import { RingProducer, FULL, RESTART_SHARE } from '../../dist/ring/producer.js'
import { RingConsumer } from '../../dist/ring/consumer.js'

const LEN = 200

function payload (seed) {
  const b = new Uint8Array(LEN)
  for (let i = 0; i < LEN; i++) b[i] = (seed * 31 + i) & 0xff
  return b
}

/** Reserves and commits one record with seed's bytes; returns where its payload went (or FULL). */
function put (ring, producer, seed) {
  const at = producer.reserve(LEN)
  if (at < 0) return at
  ring.data.set(payload(seed), at)
  producer.commit(LEN, seed)
  return at
}

/** A 64 KiB ring with its producer and a consumer, and the offset past which it restarts. */
function setupRing (slots = 1024) {
  const ring = createRing(64 * 1024, slots)
  return { ring, producer: new RingProducer(ring), consumer: new RingConsumer(ring), restartAt: ring.capacity / RESTART_SHARE }
}

function readBack (consumer, seed) {
  const rec = consumer.claim()
  if (rec === null || rec.flags !== seed || Buffer.compare(rec.payload, payload(seed)) !== 0) return false
  consumer.settle(rec.seq, 'delivered')
  return true
}

t.test('one record at a time, claimed as it comes: the cursor stays within the first share of the ring', async (t) => {
  const { ring, producer, consumer, restartAt } = setupRing()
  let maxAt = 0
  let wrong = 0
  let restarts = 0
  let last = -1
  // ~2,000 records of 216 bytes: over six laps of the ring had the cursor cycled through it.
  for (let i = 0; i < 2000; i++) {
    const at = put(ring, producer, i)
    if (at < 0) { t.fail(`record ${i} refused (${at})`); break }
    if (at < last) restarts++
    last = at
    maxAt = Math.max(maxAt, at)
    if (!readBack(consumer, i)) wrong++
  }
  t.ok(maxAt < restartAt + 2 * LEN, `highest payload offset ${maxAt}, the ring ${ring.capacity} bytes, restarting past ${restartAt}`)
  t.ok(restarts > 300, `went back to the start ${restarts} times`)
  t.equal(wrong, 0, 'every record read back with its own bytes, in order')
  t.equal(consumer.claim(), null, 'nothing more to claim: no PAD left behind')
  t.equal(Atomics.load(ring.header, CLAIM), Atomics.load(ring.header, WRITE))
})

t.test('no restart while a record is unclaimed: the cursor goes on, and back to the start once it is claimed', async (t) => {
  const { ring, producer, consumer, restartAt } = setupRing()
  let i = 0
  let at = 0
  // Past the restart offset with every record still queued.
  while (at < restartAt + LEN) at = put(ring, producer, i++)
  const next = put(ring, producer, i++)
  t.ok(next > at, `kept going (${at} then ${next}) while ${i} records wait`)
  for (let k = 0; k < i; k++) t.ok(readBack(consumer, k)) || t.fail(`record ${k}`)
  const after = put(ring, producer, i)
  t.ok(after < 32, `back at the start once everything was claimed (payload at ${after})`)
  t.ok(readBack(consumer, i), 'the record after the PAD reads back')
  t.equal(consumer.claim(), null)
})

t.test('right after a restart the whole ring is free: a stalled consumer meets FULL no sooner than in a fresh ring', async (t) => {
  const fill = (ring, producer, from) => {
    let n = 0
    while (put(ring, producer, from + n) !== FULL) n++
    return n
  }
  const fresh = createRing(64 * 1024, 4096)
  const freshCount = fill(fresh, new RingProducer(fresh), 0)

  const { ring, producer, consumer } = setupRing(4096)
  let i = 0
  // Claimed one by one until a record goes back to the start; that one stays unclaimed, and the
  // consumer stalls from there.
  for (let last = -1; ; i++) {
    const at = put(ring, producer, i)
    if (at < last) break
    last = at
    readBack(consumer, i)
  }
  t.ok(i > 1 && i * LEN < ring.capacity / 2, `record ${i} went back to the ring's start, not a wrap at its end`)
  const count = 1 + fill(ring, producer, i + 1)
  t.equal(count, freshCount, `${count} records fit, as in a fresh ring (${freshCount})`)
  let wrong = 0
  for (let k = 0; k < count; k++) if (!readBack(consumer, i + k)) wrong++
  t.equal(wrong, 0, 'and all of them read back')
})
