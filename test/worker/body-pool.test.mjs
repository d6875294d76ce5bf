// Request bodies are written into reused memory (worker/body-pool.ts): a chunk goes back to
// the pool only when given, is never handed out twice at once, and idle memory is bounded.
import t from 'tap'
import { BodyPool, chunkSizeFor } from '../../dist/worker/body-pool.js'
import { fitPayload } from '../../dist/worker/truncate.js'

t.test('chunk sizes: powers of two from 4 KiB, none past 128 KiB', async (t) => {
  t.equal(chunkSizeFor(1), 4096)
  t.equal(chunkSizeFor(4096), 4096)
  t.equal(chunkSizeFor(4097), 8192)
  t.equal(chunkSizeFor(9000), 16384)
  t.equal(chunkSizeFor(128 * 1024), 128 * 1024)
  t.equal(chunkSizeFor(128 * 1024 + 1), 0, 'larger bodies get a buffer of their own')
})

t.test('take() gives exactly n bytes; a given chunk is reused, one still out never is', async (t) => {
  const pool = new BodyPool()
  const a = pool.take(9000)
  const b = pool.take(9000)
  t.equal(a.length, 9000)
  t.not(a.buffer, b.buffer, 'two bodies out at once never share memory')
  pool.give(a)
  t.equal(pool.idleByteCount, 16384, 'the given chunk is idle')
  const c = pool.take(12_000)
  t.equal(c.buffer, a.buffer, 'and is reused for the next body of its size')
  t.equal(c.length, 12_000)
  t.equal(pool.idleByteCount, 0)
  const d = pool.take(9000)
  t.not(d.buffer, b.buffer, 'b was not given back: not reused')
  t.not(d.buffer, c.buffer)
})

t.test('a second give(), a foreign buffer, a string or a large body are not taken back', async (t) => {
  const pool = new BodyPool()
  const a = pool.take(100)
  pool.give(a)
  pool.give(a)
  t.equal(pool.idleByteCount, 4096, 'given twice: listed once')
  const x = pool.take(100)
  const y = pool.take(100)
  t.not(x.buffer, y.buffer, 'so two takes after a double give still get two chunks')
  pool.give(Buffer.alloc(4096))
  pool.give('{"json":true}')
  const big = pool.take(200 * 1024)
  t.equal(big.length, 200 * 1024)
  pool.give(big)
  t.equal(pool.idleByteCount, 0, 'nothing foreign or unpooled became idle')
})

t.test('idle memory is bounded: chunks given back past the bound are left to the GC', async (t) => {
  const pool = new BodyPool()
  const out = []
  for (let i = 0; i < 200; i++) out.push(pool.take(10_000))
  for (const b of out) pool.give(b)
  t.equal(pool.idleByteCount, 64 * 16384, '64 chunks of 16 KiB at most')
})

t.test('a stale give() of a body whose chunk went out again as another body is ignored', async (t) => {
  const pool = new BodyPool()
  const a = pool.take(9000)
  pool.give(a)
  const x = pool.take(9000)
  t.equal(x.buffer, a.buffer, 'the chunk went out again, as x')
  pool.give(a)
  t.equal(pool.idleByteCount, 0, 'a, given again, does not free x\'s chunk')
  t.not(pool.take(9000).buffer, x.buffer, 'so the next body never shares x\'s memory')
})

const bigEvent = () => ({ event_id: 'e', message: 'x'.repeat(20_000), breadcrumbs: [], exception: { values: [{ type: 'E', value: 'y'.repeat(20_000), module: null, stacktrace: null }] }, contexts: { extra: {}, request: null }, modules: {} })

t.test('fitPayload gives back the bodies that did not fit, never the one it returns', async (t) => {
  const pool = new BodyPool()
  const body = fitPayload(bigEvent(), 9000, pool)
  t.ok(body !== null && body.length <= 9000, 'cut to fit')
  t.ok(pool.idleByteCount > 0, 'the too-large attempts went back to the pool')
  const others = []
  for (let i = 0; i < 20; i++) others.push(pool.take(body.length))
  t.ok(others.every((b) => b.buffer !== body.buffer), 'the returned body\'s memory is not handed out again')
  t.same(JSON.parse(body.toString()).event_id, 'e', 'and still holds its event')
})

t.test('fitPayload: when nothing fits, null, and every attempt went back', async (t) => {
  const pool = new BodyPool()
  t.equal(fitPayload({ ...bigEvent(), event_id: 'z'.repeat(5000) }, 1000, pool), null)
  const idle = pool.idleByteCount
  t.ok(idle > 0, `attempts given back (${idle} bytes idle)`)
  const fresh = new BodyPool()
  const a = fresh.take(100)
  t.equal(fitPayload({ ...bigEvent(), event_id: 'z'.repeat(5000) }, 1000, fresh), null)
  t.ok(fresh.take(100).buffer !== a.buffer, 'a body still out is never among them')
})
