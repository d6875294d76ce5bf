// Bodies are written into reused memory (worker/body-pool.ts). Whatever the sizes, the
// concurrency and the retries, every event the ingest stores is exactly the one captured:
// no body carries another event's bytes, none is lost or sent twice.
import t from 'tap'
import { setup } from '../helpers.mjs'

// Sizes across the pool's chunk sizes (4 KiB to 64 KiB) and past its largest.
const SIZES = [10, 3000, 7000, 15_000, 40_000, 150_000]

async function captureAndCheck (t, client, collector, n) {
  const want = new Map()
  for (let i = 0; i < n; i++) {
    const size = SIZES[i % SIZES.length]
    const message = `event ${i} ` + String.fromCharCode(97 + (i % 26)).repeat(size)
    want.set(i, message)
    client.captureMessage(message, { extra: { n: i } })
    // In waves, so that bodies are freed and reused while others are in flight or in back-off.
    if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  t.equal(await client.flush(20000), true, 'flushed')
  t.equal(client.stats().delivered, n, 'every event delivered')
  const seen = new Map()
  for (const e of collector.events) {
    const i = e.contexts?.extra?.n
    if (seen.has(i)) t.fail(`event ${i} stored twice`)
    seen.set(i, e.message)
  }
  let mismatched = 0
  for (const [i, message] of want) {
    const got = seen.get(i)
    // Long messages are cut to the SDK's string limit (truncateString's mark): compare what survives.
    if (got === undefined || !message.startsWith(got.replace(/…\[\d+ more chars\]$/, ''))) mismatched++
  }
  t.equal(seen.size, n, 'one stored event per capture')
  t.equal(mismatched, 0, 'each stored event has its own message')
}

t.test('steady delivery: every stored body is its own event', async (t) => {
  const { collector, client } = await setup(t, { maxPayloadSize: 200 * 1024 })
  await captureAndCheck(t, client, collector, 600)
})

t.test('with failures and retries: a failed body is resent intact, never reused meanwhile', async (t) => {
  // The first 40 requests fail: their events wait in back-off while hundreds of others are built into reused memory.
  const { collector, client } = await setup(t, { maxPayloadSize: 200 * 1024, maxAttempts: 5 }, { fault: { status: 503, count: 40 } })
  await captureAndCheck(t, client, collector, 600)
  t.ok(collector.requests.filter((r) => r.status === 503).length === 40, 'the 40 failures happened')
})
