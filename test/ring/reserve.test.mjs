// Capture encodes a record straight into the ring: reserve() makes room for an upper
// bound, the payload is written in place, commit() publishes it with its real length.
// Records made so must read back exactly like write()'s, in order, across wraps (PAD),
// and reserve() must refuse what write() would refuse, plus a bound that does not fit.
import t from 'tap'
import { createRing } from '../../dist/ring/layout.js'
import { RingProducer, FULL, TOO_LARGE } from '../../dist/ring/producer.js'
import { RingConsumer } from '../../dist/ring/consumer.js'

function payload (n, seed) {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i) & 0xff
  return b
}

t.test('reserved records, shorter than their bound, read back in order over several laps', async (t) => {
  const ring = createRing(4096, 64)
  const producer = new RingProducer(ring)
  const consumer = new RingConsumer(ring)
  let wrong = 0
  let made = 0
  let wraps = 0
  let lastOff = -1
  for (let i = 0; i < 400; i++) {
    const len = 1 + ((i * 37) % 300)
    const at = producer.reserve(len * 3) // the bound, as capture reserves for UTF-8
    t.ok(at >= 0 || t.fail(`reserve refused record ${i}`))
    if (at < lastOff) wraps++
    lastOff = at
    ring.data.set(payload(len, i), at)
    const seq = producer.commit(len, i)
    made++
    // Alternately one and two records in flight, so wraps meet unclaimed records too.
    if (i % 2 === 1) {
      for (let k = 0; k < 2; k++) {
        const rec = consumer.claim()
        const want = i - 1 + k
        if (rec === null || rec.flags !== want || Buffer.compare(rec.payload, payload(1 + ((want * 37) % 300), want)) !== 0) wrong++
        else consumer.settle(rec.seq, 'delivered')
      }
    }
    t.equal(seq, i, 'seqs in order') || wrong++
  }
  t.equal(made, 400)
  t.ok(wraps >= 10, `the cursor wrapped ${wraps} times`)
  t.equal(wrong, 0, 'every record read back with its own bytes and flags')
  t.equal(consumer.claim(), null, 'nothing more')
})

t.test('reserve refuses a bound over half the ring, and a bound with no room that write() of the exact size would take', async (t) => {
  const ring = createRing(4096, 64)
  const producer = new RingProducer(ring)
  t.equal(producer.reserve(2048), TOO_LARGE)
  t.equal(producer.reserve(2000), 0 + 16, 'under half: at the start, after the record header')
  producer.commit(1000, 0)
  // 4096 - 1024 used: 3072 free. A bound of 2032 bytes fits once more, then 1008 is left.
  t.ok(producer.reserve(2000) >= 0)
  producer.commit(2000, 0)
  t.equal(producer.reserve(1200), FULL, 'the bound does not fit')
  t.ok(producer.write([payload(900, 1)], 0) >= 0, 'the exact size still does (capture falls back to it)')
})

t.test('capture writes the same record in place as through its buffer (the fallback when the bound has no room)', async (t) => {
  const { createRequire } = await import('node:module')
  const require = createRequire(import.meta.url)
  const { enqueueEvent } = require('../../dist/capture/record.js')
  const { Scope } = require('../../dist/capture/scope.js')
  const { BlobWriter } = require('../../dist/ring/blob-writer.js')
  const records = []
  // Small scope blobs travel inline after the part: both paths must place them the same.
  // The same scopes (and stack) for both, so blob ids match.
  const g = new Scope().setTag('a', 'b')
  const i = new Scope().setUser({ id: '1', username: 'n'.repeat(50) })
  for (const inPlace of [true, false]) {
    const ring = createRing(64 * 1024, 64)
    const producer = new RingProducer(ring)
    const consumer = new RingConsumer(ring)
    let reserved = 0
    const p = {
      blobs: new BlobWriter(ring),
      ringBytes: Buffer.from(ring.sab, ring.data.byteOffset, ring.capacity),
      nextSeq: () => producer.nextSeq(),
      reserve: (n) => { if (!inPlace) return -1; reserved++; return producer.reserve(n) },
      commit: (len, flags) => { producer.commit(len, flags) },
      enqueue: (parts, flags) => producer.write(parts, flags) >= 0
    }
    const part = { id: '5f0c3c1e-8f2a-4d3b-9d55-0f9a3b0e7a41', ts: 1764464000123, level: null, kind: 'exception', message: 'héllo €', exc: [{ type: 'TypeError', value: 'x'.repeat(100), stack: '    at f (/srv/a.js:1:1)\n    at g (/srv/a.js:2:2)' }], tags: { t: '1' }, extra: null, user: null, fingerprint: null, contexts: null, blobs: null }
    t.equal(enqueueEvent(p, part, g, i), true)
    t.equal(reserved, inPlace ? 1 : 0, inPlace ? 'written in place' : 'written through the buffer')
    const rec = consumer.claim()
    records.push({ flags: rec.flags, bytes: Buffer.from(rec.payload).toString('hex') })
  }
  t.ok(records[0].bytes.length > 200)
  t.strictSame(records[0], records[1], 'same flags, same bytes')
})
