// A capture reuses what it can from the one before: each scope's packed bytes (until
// a setter changes the scope) and where those bytes sit in the shared blob area
// (until the scope changes or the area's active half does). Every setter must end
// the reuse, and a change of half must too: otherwise an event would carry the
// scope as it was, or bytes since overwritten.
import t from 'tap'
import { setImmediate as tick } from 'node:timers/promises'
import * as xr from 'xrayradar'
import { createRequire } from 'node:module'
import { Unpackr } from 'msgpackr'
import { setup } from '../helpers.mjs'
import { byMessage } from '../utils/events.mjs'

const require = createRequire(import.meta.url)
const { createRing } = require('../../dist/ring/layout.js')
const { RingProducer } = require('../../dist/ring/producer.js')
const { RingConsumer } = require('../../dist/ring/consumer.js')
const { BlobWriter } = require('../../dist/ring/blob-writer.js')
const { enqueueEvent } = require('../../dist/capture/record.js')
const { Scope } = require('../../dist/capture/scope.js')

// A distinct stack per i < 512: nine calls through fa or fb, chosen by the bits of i.
function fa (i, k) { return k === 0 ? new Error(`site ${i}`) : ((i >> (k - 1)) & 1 ? fb : fa)(i, k - 1) }
function fb (i, k) { return k === 0 ? new Error(`site ${i}`) : ((i >> (k - 1)) & 1 ? fb : fa)(i, k - 1) }
const throwSite = (i) => ((i >> 8) & 1 ? fb : fa)(i, 8)
const pathOf = (i) => Array.from({ length: 9 }, (_, k) => ((i >> k) & 1 ? 'fb' : 'fa')).join(',')

t.test('every scope setter shows in the next event, and not in the one before', async (t) => {
  const { collector, client } = await setup(t)
  const g = xr.getGlobalScope()
  const iso = xr.getIsolationScope()
  // [name, change, check(event) → true when the event shows the change]
  const cases = [
    ['setUser', () => client.setUser({ id: 'u-after' }), (e) => e.contexts.user?.id === 'u-after'],
    ['setUser(null)', () => client.setUser(null), (e) => e.contexts.user === null],
    ['setTag', () => client.setTag('k', 'after'), (e) => e.contexts.tags.k === 'after'],
    ['setTags', () => client.setTags({ k2: 'after' }), (e) => e.contexts.tags.k2 === 'after'],
    ['setExtra', () => client.setExtra('x', 'after'), (e) => e.contexts.extra.x === 'after'],
    ['setContext', () => client.setContext('app', { v: 'after' }), (e) => e.contexts.app?.v === 'after'],
    ['setContext(null)', () => client.setContext('app', null), (e) => e.contexts.app === undefined],
    ['setRequest', () => client.setRequest({ url: 'https://shop.example/after', method: 'GET' }), (e) => e.contexts.request?.url === 'https://shop.example/after'],
    ['setLevel', () => iso.setLevel('warning'), (e) => e.level === 'warning'],
    ['setFingerprint', () => iso.setFingerprint(['after']), (e) => e.fingerprint[0] === 'after'],
    ['addBreadcrumb', () => client.addBreadcrumb({ message: 'crumb after' }), (e) => e.breadcrumbs.some((c) => c.message === 'crumb after')],
    ['clearBreadcrumbs', () => client.clearBreadcrumbs(), (e) => e.breadcrumbs.length === 0],
    ['global setTag', () => g.setTag('gk', 'after'), (e) => e.contexts.tags.gk === 'after'],
    ['global addBreadcrumb', () => g.addBreadcrumb({ message: 'global crumb after' }), (e) => e.breadcrumbs.some((c) => c.message === 'global crumb after')],
    ['global clear', () => g.clear(), (e) => e.contexts.tags.gk === undefined && !e.breadcrumbs.some((c) => c.message === 'global crumb after')],
    ['isolation clear', () => iso.clear(), (e) => e.contexts.tags.k === undefined && e.level === 'error']
  ]
  // Scope data to change: set before the first case, big enough to be placed in the blob area (not inline).
  client.setUser({ id: 'u-before', username: 'x'.repeat(40) })
  client.setTag('k', 'before')
  client.setExtra('x', 'before')
  client.setContext('app', { v: 'before' })
  client.addBreadcrumb({ message: 'crumb before', data: { pad: 'p'.repeat(60) } })
  g.setTag('gk', 'before')
  for (const [name, change] of cases) {
    // Twice before: the second capture is the one that reuses the first one's placement.
    client.captureException(new Error(`${name} before 1`))
    client.captureException(new Error(`${name} before 2`))
    change()
    client.captureException(new Error(`${name} after`))
  }
  t.equal(await client.flush(15000), true)
  t.equal(collector.events.length, cases.length * 3, 'every event arrived')
  const events = byMessage(collector.events)
  for (const [name, , shows] of cases) {
    t.ok(shows(events[`${name} after`]), `${name}: the event after the change carries it`)
    t.notOk(shows(events[`${name} before 2`]), `${name}: the event before does not`)
  }
})

t.test('scope bytes reused across a change of blob-area half are placed again, never read stale', async (t) => {
  // The smallest ring (64 KiB) has a 16 KiB blob area: halves of 8 KiB. Each capture
  // comes from a new throw site, so its stack (~1 KiB under tap) is a new blob and the
  // halves change hands every few captures, while the scope stays the same and its
  // placement would otherwise be reused.
  const { collector, client } = await setup(t, { ringSize: 64 * 1024 })
  client.setTag('service', 'checkout-service')
  client.setUser({ id: 'u-1', username: 'scope-cache-user' })
  client.addBreadcrumb({ message: 'the one crumb', data: { pad: 'c'.repeat(40) } })
  const N = 300
  const deadline = Date.now() + 60000
  let captured = 0
  for (let i = 0; i < N && Date.now() < deadline; i++) {
    if (client.captureException(throwSite(i)) !== undefined) captured++
    if (i % 4 === 3) {
      await tick()
      while (client.stats().pending > 2 && Date.now() < deadline) await tick()
    }
  }
  t.equal(captured, N, `every capture was recorded (${JSON.stringify(client.stats().dropped)})`)
  t.equal(await client.flush(30000), true)
  t.equal(collector.events.length, N)
  let wrongScope = 0
  let wrongFrames = 0
  for (const e of collector.events) {
    if (e.contexts.tags.service !== 'checkout-service' || e.contexts.user?.username !== 'scope-cache-user' ||
      e.breadcrumbs.length !== 1 || e.breadcrumbs[0].message !== 'the one crumb') wrongScope++
    const i = Number(/^site (\d+)$/.exec(e.exception.values[0].value)?.[1])
    // Frames: oldest first, so the last nine are the path, innermost (bit 0) last.
    const names = e.exception.values[0].stacktrace.frames.slice(-9).map((f) => f.function).reverse().join(',')
    if (names !== pathOf(i)) wrongFrames++
  }
  t.equal(wrongScope, 0, 'every event carried the scope as it was')
  t.equal(wrongFrames, 0, 'and its own frames')
  t.equal(new Set(collector.events.map((e) => e.exception.values[0].value)).size, N)
})

t.test('a reused placement always points at the scope bytes themselves, across changes of half', async (t) => {
  // No workers: a worker decodes a blob id once and keeps it, which would hide a stale
  // offset. Here every record's scope offsets are read back as the record is written.
  const ring = createRing(4096, 64) // blob area 1 KiB: halves of 512 bytes
  const producer = new RingProducer(ring)
  const consumer = new RingConsumer(ring)
  // What enqueueEvent uses of a Pipeline (src/pool/pipeline.ts), over the bare ring.
  const p = {
    blobs: new BlobWriter(ring),
    ringBytes: Buffer.from(ring.sab, ring.data.byteOffset, ring.capacity),
    nextSeq: () => producer.nextSeq(),
    reserve: (n) => { const at = producer.reserve(n); return at < 0 ? -1 : at },
    commit: (len, flags) => { producer.commit(len, flags) },
    enqueue: (parts, flags) => producer.write(parts, flags) >= 0
  }
  const g = new Scope().setTag('service', 'checkout-service')
  const i = new Scope().setUser({ id: 'u-1', username: 'scope-cache-user' }).addBreadcrumb({ message: 'the one crumb' })
  const unpackr = new Unpackr({ useRecords: false, moreTypes: false })
  const expected = () => new Map([[g.dataId, g.dataBytes()], [g.crumbId, g.crumbBytes()], [i.dataId, i.dataBytes()], [i.crumbId, i.crumbBytes()]])
  let checked = 0
  let stale = 0
  let generations = 0
  for (let n = 0; n < 200; n++) {
    const before = p.blobs.generation
    // A new 40-byte stack each time: a new blob, so the halves fill and change hands.
    const part = { id: `id-${n}`, ts: 0, level: null, kind: 'exception', message: null, exc: [{ type: 'Error', value: 'v', stack: `    at f${String(n).padStart(4, '0')} (/srv/app/x.js:1:1)` }], tags: null, extra: null, user: null, fingerprint: null, contexts: null, blobs: null }
    t.equal(enqueueEvent(p, part, g, i), true)
    if (p.blobs.generation !== before) generations++
    const rec = consumer.claim()
    const head = unpackr.unpack(rec.payload.subarray(0, rec.flags >>> 1))
    const blobs = head[11]
    const want = expected()
    for (let k = 0; k < 4; k++) {
      const [id, off, len] = blobs.slice(k * 3, k * 3 + 3)
      if (off < 0) continue
      checked++
      if (Buffer.compare(ring.blobArea.subarray(off, off + len), want.get(id)) !== 0) stale++
    }
    consumer.settle(rec.seq, 'delivered')
  }
  t.ok(generations >= 10, `the active half changed ${generations} times`)
  t.ok(checked >= 400, `${checked} scope references read back`)
  t.equal(stale, 0, 'every one pointed at its own bytes')
})
