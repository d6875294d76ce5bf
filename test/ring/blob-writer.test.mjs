// The blob area: blobs are placed once and found again; a half is reused only
// after every record that referenced it is settled; no room means "inline it".
import t from 'tap'
import { createRing, ENQ } from '../../dist/ring/layout.js'
import { RingProducer } from '../../dist/ring/producer.js'
import { RingConsumer } from '../../dist/ring/consumer.js'
import { BlobWriter, BLOB_RESTART_SHARE } from '../../dist/ring/blob-writer.js'

const bytes = (n, fill) => new Uint8Array(n).fill(fill)

function setupRing () {
  const ring = createRing(4096, 64) // blob area 1 KiB: two halves of 512 bytes
  return { ring, producer: new RingProducer(ring), consumer: new RingConsumer(ring), blobs: new BlobWriter(ring) }
}

/** Publishes one record (as capture would after placing its blobs) and returns its seq. */
const publish = (producer) => producer.write([new Uint8Array(8)], 0)

t.test('a blob is copied once and found again by id', async (t) => {
  const { ring, producer, blobs } = setupRing()
  const seq = Atomics.load(ring.header, ENQ)
  const off = blobs.put(7, bytes(100, 0xab), seq)
  t.ok(off >= 0)
  t.same(Array.from(ring.blobArea.subarray(off, off + 100)), Array(100).fill(0xab), 'bytes are in the shared area')
  t.equal(blobs.find(7, seq), off)
  t.equal(blobs.find(8, seq), -1, 'an unknown id is not found')
  publish(producer)
  t.equal(blobs.find(7, seq + 1), off, 'later records reference the same bytes')
})

t.test('a blob larger than half the area is refused (the caller inlines it)', async (t) => {
  const { blobs } = setupRing()
  t.equal(blobs.put(1, bytes(513, 1), 0), -1)
  t.ok(blobs.put(2, bytes(512, 1), 0) >= 0, 'exactly half fits')
})

t.test('a full half hands over to the other only once its records are settled', async (t) => {
  const { ring, producer, consumer, blobs } = setupRing()
  // seq 0 references blobs 1..4 (4 × 128 B fill the first half).
  let seq = Atomics.load(ring.header, ENQ)
  const first = [1, 2, 3, 4].map((id) => blobs.put(id, bytes(128, id), seq))
  t.ok(first.every((o) => o >= 0 && o < 512), 'the first half takes them')
  publish(producer)

  // seq 1 needs a new blob: the second half is unused, so it becomes active.
  seq = Atomics.load(ring.header, ENQ)
  const fifth = blobs.put(5, bytes(400, 5), seq)
  t.ok(fifth >= 512, 'placed in the second half')
  t.equal(blobs.find(1, seq), -1, 'blobs of the old half are placed again on next use, so it can drain')
  publish(producer)

  // seq 2: the second half is full and seq 0 (which read the first half) is unsettled.
  seq = Atomics.load(ring.header, ENQ)
  t.equal(blobs.put(6, bytes(200, 6), seq), -1, 'no half free: the caller carries the bytes inline')
  t.same(Array.from(ring.blobArea.subarray(first[0], first[0] + 128)), Array(128).fill(1), 'the first half was not overwritten')

  // Settle seq 0: the first half is free again.
  const rec = consumer.claim()
  t.equal(rec.seq, 0)
  consumer.settle(rec.seq, 'delivered')
  const sixth = blobs.put(6, bytes(200, 6), seq)
  t.ok(sixth >= 0 && sixth < 512, 'reused once every record that referenced it settled')
  t.same(Array.from(ring.blobArea.subarray(fifth, fifth + 400)), Array(400).fill(5), 'the second half (seq 1 unsettled) is untouched')
})

t.test('a half used by the record being written is never taken back within it', async (t) => {
  const { ring, blobs } = setupRing()
  const seq = Atomics.load(ring.header, ENQ) // nothing published: DONE === ENQ === seq
  t.ok(blobs.put(1, bytes(500, 1), seq) >= 0) // first half, referenced by seq
  t.ok(blobs.put(2, bytes(500, 2), seq) >= 512) // second half, same record
  t.equal(blobs.put(3, bytes(500, 3), seq), -1, 'the first half is still this record\'s')
  t.same(Array.from(ring.blobArea.subarray(0, 500)), Array(500).fill(1))
})

// A larger area for the restart: 16 KiB, two halves of 8 KiB, restarting past 1 KiB.
function setupLarger () {
  const ring = createRing(64 * 1024, 256)
  return { ring, producer: new RingProducer(ring), consumer: new RingConsumer(ring), blobs: new BlobWriter(ring) }
}

/** Claims and settles every published record. */
function claimAndSettleAll (consumer) {
  for (let rec = consumer.claim(); rec !== null; rec = consumer.claim()) consumer.settle(rec.seq, 'delivered')
}

t.test('new blobs, their records settled as they go: the writer stays in the first share of one half', async (t) => {
  const { ring, producer, consumer, blobs } = setupLarger()
  const half = ring.blobArea.length / 2
  const restartAt = half / BLOB_RESTART_SHARE
  let maxOff = 0
  let wrong = 0
  // 400 distinct blobs of 100 bytes: five times the area had the writer gone on to its end.
  for (let id = 1; id <= 400; id++) {
    const seq = Atomics.load(ring.header, ENQ)
    const off = blobs.put(id, bytes(100, id & 0xff), seq)
    if (off < 0) { t.fail(`blob ${id} refused`); break }
    maxOff = Math.max(maxOff, off)
    if (ring.blobArea[off] !== (id & 0xff) || blobs.find(id, seq) !== off) wrong++
    publish(producer)
    claimAndSettleAll(consumer)
  }
  t.ok(maxOff < restartAt + 104, `highest offset ${maxOff}, restarting past ${restartAt} of a ${half}-byte half`)
  t.equal(wrong, 0, 'each blob in place and found')
})

t.test('no restart while a record that read the half is unsettled, nor under the record being written', async (t) => {
  const { ring, producer, consumer, blobs } = setupLarger()
  const restartAt = ring.blobArea.length / 2 / BLOB_RESTART_SHARE
  // seq 0 reads blob 1; nothing is settled while the writer goes past restartAt.
  const held = blobs.put(1, bytes(100, 0xee), Atomics.load(ring.header, ENQ))
  publish(producer)
  let off = held
  for (let id = 2; off < restartAt + 100; id++) {
    off = blobs.put(id, bytes(100, id), Atomics.load(ring.header, ENQ))
    publish(producer)
  }
  const next = blobs.put(1000, bytes(100, 0x11), Atomics.load(ring.header, ENQ))
  t.ok(next > off, `went on (${off} then ${next}) while records are unsettled`)
  t.same(Array.from(ring.blobArea.subarray(held, held + 100)), Array(100).fill(0xee), 'the unsettled record\'s blob is intact')
  publish(producer)

  // Everything settled; the next record finds a blob in the half, then places a new one: that
  // record reads the half, so the new blob may not restart over it.
  claimAndSettleAll(consumer)
  const seq = Atomics.load(ring.header, ENQ)
  const found = blobs.find(1000, seq)
  t.equal(found, next, 'found in place')
  const placed = blobs.put(2000, bytes(100, 0x22), seq)
  t.ok(placed > found, `placed after it (${placed}), not over it`)
  t.same(Array.from(ring.blobArea.subarray(found, found + 100)), Array(100).fill(0x11), 'the found blob is intact')
  publish(producer)
  claimAndSettleAll(consumer)
  t.equal(blobs.put(3000, bytes(100, 0x33), Atomics.load(ring.header, ENQ)), 0, 'once that record is settled, the next blob restarts at the half\'s start')
  t.equal(blobs.find(2000, Atomics.load(ring.header, ENQ)), -1, 'blobs placed before the restart are placed again on their next use')
})

