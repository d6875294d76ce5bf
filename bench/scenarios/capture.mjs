// Figure 1: main-thread µs per captureException / captureMessage / addBreadcrumb,
// in batches of 50 with a pause between batches so the subject is not saturated.
// Usage: node bench/scenarios/capture.mjs '{"subject":"ours","dsn":"…","sentryDsn":"…"}'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadSubject } from '../lib/subjects.mjs'
import { applyScope, makeError, crumb } from '../lib/data.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
const BATCH = 50
const BATCHES = Number(args.batches ?? 60)
const s = await loadSubject(args.subject, args)
applyScope(s)

const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)] }

async function measure (make, call, pause = 10) {
  const perCall = []
  for (let b = 0; b < BATCHES; b++) {
    const inputs = Array.from({ length: BATCH }, (_, i) => make(b * BATCH + i))
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < BATCH; i++) call(inputs[i])
    perCall.push(Number(process.hrtime.bigint() - t0) / 1000 / BATCH)
    await sleep(pause)
  }
  return median(perCall)
}

// Warm-up: JIT, first packing of scope, workers started.
for (let i = 0; i < 200; i++) s.capture(makeError())
await s.flush(10000)

const captureException = await measure(() => makeError(), (e) => s.capture(e))
await s.flush(30000)
const captureMessage = await measure((i) => `Inventory low for SKU ${i}`, (m) => s.message(m))
await s.flush(30000)
const addBreadcrumb = await measure((i) => crumb(i), (c) => s.addBreadcrumb(c), 1)
await s.flush(30000)
process.stdout.write(JSON.stringify({ captureException, captureMessage, addBreadcrumb, stats: s.stats() }) + '\n')
process.exit(0)
