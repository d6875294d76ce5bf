// The ring's shared memory: named header slots (every one the layout exports) never overlap,
// counters fit their lines, the regions have the sizes their counts give, and settling is
// counted exactly once per event, in any order (SETTLED, settleAll).
import t from 'tap'
import * as L from '../../dist/ring/layout.js'
import { RingProducer } from '../../dist/ring/producer.js'
import { RingConsumer } from '../../dist/ring/consumer.js'

// What the layout exports that is not a header slot: sizes and the record format. Every other
// integer it exports is a slot, so a slot added there is checked here without being listed.
const NOT_SLOTS = ['LINE', 'STATS', 'STAT_LINES', 'HEADER_INTS', 'HEADER_BYTES', 'REC_HEADER', 'STATE_READY', 'STATE_PAD', 'STATE_FREE', 'REC_FULL']
const SLOTS = Object.entries(L).filter(([name, v]) => Number.isInteger(v) && !NOT_SLOTS.includes(name))

t.test('every named header slot is distinct, inside the header and before the counters', async (t) => {
  t.same(NOT_SLOTS.filter((name) => !Number.isInteger(L[name])), [], 'the non-slots listed are what the layout exports')
  t.ok(SLOTS.length > 0, `slots found: ${SLOTS.map(([name]) => name).join(' ')}`)
  const ring = L.createRing(4096, 64)
  // A slot that a view over the header stands on (exitTimes) takes that view's Int32 slots.
  const views = Object.entries(ring).filter(([name, v]) => ArrayBuffer.isView(v) && name !== 'header' && v.byteOffset < L.HEADER_BYTES)
  t.ok(views.length > 0, 'the ring has views inside the header')
  const width = new Map(views.map(([, v]) => [v.byteOffset / 4, v.byteLength / 4]))
  for (const [name, v] of views) {
    t.ok(SLOTS.some(([, at]) => at * 4 === v.byteOffset), `${name} sits where a named slot says`)
    t.equal(v.byteOffset % v.BYTES_PER_ELEMENT, 0, `${name} is aligned to its element size`)
  }
  const taken = new Map()
  for (const [name, at] of SLOTS) {
    const n = width.get(at) ?? 1
    t.ok(at >= 0 && at + n <= L.STATS, `${name} (${at}, ${n} slot(s)) lies before the counters`)
    for (let i = at; i < at + n; i++) {
      t.notOk(taken.has(i), `${name} shares Int32 slot ${i} with ${taken.get(i)}`)
      taken.set(i, name)
    }
  }
})

t.test('the header and the regions after it have the sizes their counts give, back to back', async (t) => {
  t.equal(L.STATS % L.LINE, 0, 'the counters start on a cache line')
  t.equal(L.HEADER_INTS, L.STATS + L.STAT_LINES * L.LINE, 'the header ends with the counter lines')
  t.equal(L.HEADER_BYTES, L.HEADER_INTS * 4)
  for (const [capacity, slotCount] of [[4096, 64], [100000, 1000]]) {
    const ring = L.createRing(capacity, slotCount)
    const regions = [
      ['header', ring.header, L.HEADER_BYTES],
      ['slots', ring.slots, ring.slotCount * 4],
      ['owners', ring.owners, ring.slotCount * 4],
      ['ownedSeqs', ring.ownedSeqs, ring.slotCount * 4],
      ['data', ring.data, ring.capacity],
      ['blobArea', ring.blobArea, L.blobAreaBytes(ring.capacity)]
    ]
    let at = 0
    for (const [name, view, bytes] of regions) {
      t.same([view.byteOffset, view.byteLength], [at, bytes], `${capacity}/${slotCount}: ${name} follows the one before, ${bytes} bytes`)
      at += bytes
    }
    t.equal(ring.sab.byteLength, at, 'and they fill the buffer')
    t.same([ring.words.byteOffset, ring.words.byteLength], [ring.data.byteOffset, ring.data.byteLength], 'words are the data bytes')
    t.ok(ring.capacity >= capacity && ring.slotCount >= slotCount, 'at least what was asked')
  }
})

t.test('every counter has its own slot within the counter lines, and count() touches only it', async (t) => {
  const names = Object.keys(L.STAT)
  const idx = Object.values(L.STAT)
  t.equal(new Set(idx).size, idx.length, 'no two counters share a slot')
  t.ok(idx.every((i) => Number.isInteger(i) && i >= 0 && i < L.STAT_LINES * L.LINE), 'all inside STAT_LINES')
  for (const r of L.DROP_REASONS) t.ok(r in L.STAT, `drop reason ${r} has a counter`)
  const ring = L.createRing(4096, 64)
  names.forEach((name, n) => {
    const before = Array.from(ring.header)
    L.count(ring.header, name, n + 1)
    const changed = Array.from(ring.header).flatMap((v, i) => v === before[i] ? [] : [i])
    t.same(changed, [L.STATS + L.STAT[name]], `${name}: count() changes its own slot only`)
    t.equal(L.readStat(ring.header, name), n + 1, `${name}: readStat() reads it back`)
  })
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
