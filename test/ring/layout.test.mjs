// The ring's shared header: named slots never overlap, counters fit their lines, and
// settling is counted exactly once per event, in any order (SETTLED, settleAll).
import t from 'tap'
import * as L from '../../dist/ring/layout.js'
import { RingProducer } from '../../dist/ring/producer.js'
import { RingConsumer } from '../../dist/ring/consumer.js'

t.test('named header slots are distinct, inside the header and outside the counters', async (t) => {
  const names = ['WRITE', 'CLAIM', 'TAIL', 'ENQ', 'DONE', 'SETTLED', 'SLEEPERS', 'CLOSED', 'FLAGS', 'MORE_FLAGS', 'WAITERS', 'WAKE_AT', 'EXITING']
  const taken = new Map()
  for (const n of names) {
    const at = L[n]
    t.ok(Number.isInteger(at) && at >= 0 && at < L.STATS, `${n} (${at}) lies before the counters`)
    t.notOk(taken.has(at), `${n} shares slot ${at} with ${taken.get(at)}`)
    taken.set(at, n)
  }
  // exitTimes: two Float64, i.e. four Int32 slots, 8-byte aligned.
  t.equal((L.EXIT_TIMES * 4) % 8, 0, 'exitTimes is 8-byte aligned')
  for (let i = 0; i < 4; i++) t.notOk(taken.has(L.EXIT_TIMES + i), `exitTimes overlaps ${taken.get(L.EXIT_TIMES + i)}`)
  t.ok(L.EXIT_TIMES + 4 <= L.STATS)
  const ring = L.createRing(4096, 64)
  t.equal(ring.exitTimes.byteOffset, L.EXIT_TIMES * 4, 'the view sits where the constant says')
})

t.test('every counter has its own slot within the counter lines', async (t) => {
  const idx = Object.values(L.STAT)
  t.equal(new Set(idx).size, idx.length, 'no two counters share a slot')
  t.ok(idx.every((i) => Number.isInteger(i) && i >= 0 && i < L.STAT_LINES * L.LINE), 'all inside STAT_LINES')
  t.equal(L.HEADER_INTS, L.STATS + L.STAT_LINES * L.LINE)
  for (const r of L.DROP_REASONS) t.ok(r in L.STAT, `drop reason ${r} has a counter`)
})

t.test('SETTLED counts settles in any order, DONE only the in-order prefix; a seq settles once', async (t) => {
  const ring = L.createRing(8192, 64)
  const producer = new RingProducer(ring)
  const consumer = new RingConsumer(ring)
  for (let i = 0; i < 4; i++) producer.write([new Uint8Array(8)], 0)
  const recs = [consumer.claim(), consumer.claim(), consumer.claim(), consumer.claim()]
  t.equal(consumer.settle(recs[1].seq, 'delivered'), true)
  t.equal(consumer.settle(recs[2].seq, 'delivered'), true)
  t.equal(Atomics.load(ring.header, L.DONE), 0, 'seq 0 open: DONE stays')
  t.equal(Atomics.load(ring.header, L.SETTLED), 2, 'but two are settled')
  t.equal(consumer.settle(recs[2].seq, 'network_error'), false, 'a second settle of the same seq is refused')
  t.equal(L.readStat(ring.header, 'network_error'), 0, 'and not counted')
  t.equal(L.readStat(ring.header, 'delivered'), 2)
  t.equal(consumer.settleAll('shutdown_timeout'), 2, 'settleAll takes the two still open')
  t.equal(L.readStat(ring.header, 'shutdown_timeout'), 2)
  t.equal(Atomics.load(ring.header, L.SETTLED), 4)
  t.equal(Atomics.load(ring.header, L.DONE), 4)
  t.equal(consumer.settle(recs[0].seq, 'delivered'), false, 'a worker settling after settleAll is not counted again')
  t.equal(L.readStat(ring.header, 'delivered'), 2)
  t.equal(consumer.settleAll('shutdown_timeout'), 0, 'nothing left')
})
