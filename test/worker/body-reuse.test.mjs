// Bodies are written into reused memory (worker/body-pool.ts). Whatever the sizes, the
// concurrency and the retries, every event the ingest stores is exactly the one captured:
// no body carries another event's bytes, none is lost or sent twice.
import t from 'tap'
import { setup } from '../helpers.mjs'

// Bodies across the pool's chunk sizes (4 KiB to 128 KiB) and past its largest: a string is
// cut at 8,192 characters, so the larger ones carry several in extra.
const SIZES = [10, 3000, 7000, 15_000, 40_000, 90_000, 150_000]
const PIECE = 8000

/** extra for event i: n, and `size` characters in strings of at most PIECE. */
function extraFor (i, size) {
  const extra = { n: i }
  const c = String.fromCharCode(97 + (i % 26))
  for (let k = 0; k * PIECE < size; k++) extra[`p${k}`] = `${i}:${k}:` + c.repeat(Math.min(PIECE, size - k * PIECE))
  return extra
}

async function captureAndCheck (t, client, collector, n) {
  const want = new Map()
  const extras = new Map()
  for (let i = 0; i < n; i++) {
    const size = SIZES[i % SIZES.length]
    const message = `event ${i} ` + String.fromCharCode(97 + (i % 26)).repeat(Math.min(size, 7000))
    want.set(i, message)
    extras.set(i, extraFor(i, size))
    client.captureMessage(message, { extra: extras.get(i) })
    // In waves, so that bodies are freed and reused while others are in flight or in back-off.
    if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  t.equal(await client.flush(20000), true, 'flushed')
  t.equal(client.stats().delivered, n, `every event delivered (${JSON.stringify(client.stats().dropped)})`)
  const seen = new Map()
  for (const e of collector.events) {
    const i = e.contexts?.extra?.n
    if (seen.has(i)) t.fail(`event ${i} stored twice`)
    seen.set(i, e)
  }
  let mismatched = 0
  let largest = 0
  for (const [i, message] of want) {
    const got = seen.get(i)
    if (got === undefined || got.message !== message || JSON.stringify(got.contexts.extra) !== JSON.stringify(extras.get(i))) mismatched++
    else largest = Math.max(largest, JSON.stringify(got).length)
  }
  t.equal(seen.size, n, 'one stored event per capture')
  t.equal(mismatched, 0, 'each stored event has its own message and data')
  t.ok(largest > 128 * 1024, `bodies up to ${largest} bytes: every chunk size and past the largest`)
}

t.test('steady delivery: every stored body is its own event', async (t) => {
  // A ring that holds them all: the test is about the bodies, not the queue.
  const { collector, client } = await setup(t, { maxPayloadSize: 200 * 1024, ringSize: 64 * 1024 * 1024 })
  await captureAndCheck(t, client, collector, 600)
})

t.test('with failures and retries: a failed body is resent intact, never reused meanwhile', async (t) => {
  // The first 40 requests fail: their events wait in back-off while hundreds of others are built into reused memory.
  const { collector, client } = await setup(t, { maxPayloadSize: 200 * 1024, ringSize: 64 * 1024 * 1024, maxAttempts: 5 }, { fault: { status: 503, count: 40 } })
  await captureAndCheck(t, client, collector, 600)
  t.ok(collector.requests.filter((r) => r.status === 503).length === 40, 'the 40 failures happened')
})
