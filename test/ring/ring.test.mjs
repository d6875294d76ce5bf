// The ring with real threads: nothing lost, nothing duplicated, drops counted, DONE exact.
import t from 'tap'
import { Worker } from 'node:worker_threads'
import { fixture } from '../helpers.mjs'
import { createRing, DONE, ENQ, CLOSED, readStat } from '../../dist/ring/layout.js'
import { RingProducer, FULL, TOO_LARGE } from '../../dist/ring/producer.js'
import { RingConsumer } from '../../dist/ring/consumer.js'

function record (seq) {
  const len = 2 + ((seq * 7919) % 3000)
  const b = new Uint8Array(len)
  b[0] = seq & 0xff
  b[len - 1] = (seq >>> 8) & 0xff
  return b
}

t.test('3 consumer threads, 50,000 records of 2..3001 bytes through a 64 KiB ring', async (t) => {
  const N = 50000
  const ring = createRing(64 * 1024, 1024)
  const producer = new RingProducer(ring)
  const seen = new SharedArrayBuffer(N * 4)
  const workers = Array.from({ length: 3 }, () => new Worker(fixture('ring-consumer.mjs'), { workerData: { sab: ring.sab, capacity: ring.capacity, slotCount: ring.slotCount, seen } }))
  const results = workers.map((w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) }))
  const deadline = Date.now() + 60000
  let fulls = 0
  for (let seq = 0; seq < N && Date.now() < deadline;) {
    const r = producer.write([record(seq)], 0)
    if (r === FULL) { fulls++; await new Promise(setImmediate); continue }
    if (r !== seq) { t.fail(`write returned ${r} for seq ${seq}`); break }
    seq++
  }
  Atomics.store(ring.header, CLOSED, 1)
  const done = await Promise.all(results)
  const marks = new Int32Array(seen)
  let missing = 0
  let dup = 0
  for (let i = 0; i < N; i++) { if (marks[i] === 0) missing++; if (marks[i] > 1) dup++ }
  t.equal(done.reduce((n, d) => n + d.got, 0), N)
  t.equal(done.reduce((n, d) => n + d.bad, 0), 0, 'every payload intact')
  t.equal(missing, 0)
  t.equal(dup, 0)
  t.equal(Atomics.load(ring.header, DONE), N, 'DONE watermark reached every seq')
  t.equal(readStat(ring.header, 'delivered'), N)
  t.ok(fulls > 0, 'the ring filled and wrapped along the way')
})

t.test('producer never blocks: full ring and outstanding-slot bound drop, oversize refused', async (t) => {
  const ring = createRing(4096, 64)
  const producer = new RingProducer(ring)
  t.equal(producer.write([new Uint8Array(3000)], 0), TOO_LARGE, 'more than half the ring')
  let n = 0
  while (producer.write([new Uint8Array(100)], 0) >= 0) n++
  t.ok(n > 0 && n <= 64)
  t.equal(producer.write([new Uint8Array(10)], 0), FULL)
  const consumer = new RingConsumer(ring)
  const rec = consumer.claim()
  t.equal(rec.seq, 0)
  consumer.settle(rec.seq, 'delivered')
  t.ok(producer.write([new Uint8Array(100)], 0) >= 0, 'room again once a record is freed and settled')
})

t.test('DONE only moves over a contiguous settled prefix', async (t) => {
  const ring = createRing(8192, 64)
  const producer = new RingProducer(ring)
  const consumer = new RingConsumer(ring)
  for (let i = 0; i < 3; i++) producer.write([new Uint8Array(8)], 0)
  const [a, b, c] = [consumer.claim(), consumer.claim(), consumer.claim()]
  consumer.settle(c.seq, 'delivered')
  consumer.settle(b.seq, 'rejected')
  t.equal(Atomics.load(ring.header, DONE), 0, 'seq 0 still open: flush must keep waiting')
  consumer.settle(a.seq, 'network_error')
  t.equal(Atomics.load(ring.header, DONE), 3)
  t.equal(Atomics.load(ring.header, ENQ), 3)
  t.equal(readStat(ring.header, 'rejected'), 1)
})

t.test('a record settled before anyone claimed it (close or exit deadline) is skipped, not handed out', async (t) => {
  const ring = createRing(8192, 64)
  const producer = new RingProducer(ring)
  const consumer = new RingConsumer(ring)
  for (let i = 0; i < 3; i++) producer.write([new Uint8Array([i])], 0)
  const first = consumer.claim()
  t.equal(first.seq, 0)
  // The deadline: everything unsettled is counted as shutdown_timeout, claimed or not.
  t.equal(consumer.settleAll('shutdown_timeout'), 3)
  t.equal(consumer.claim(), null, 'seqs 1 and 2 are final: nothing to build or send')
  t.equal(consumer.hasUnclaimed(), false, 'and their bytes are free')
  t.equal(consumer.settle(first.seq, 'delivered'), false, 'the claimed one keeps its first outcome')
  t.equal(readStat(ring.header, 'shutdown_timeout'), 3)
  t.equal(readStat(ring.header, 'delivered'), 0)
  producer.write([new Uint8Array([9])], 0)
  t.equal(consumer.claim()?.seq, 3, 'a record written afterwards is handed out')
})

