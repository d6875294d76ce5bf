// The SDK's own share of captureException: the same capture as figure 1 (batches of
// 50, user, 5 tags, 3 extras, 20 breadcrumbs, 10-frame errors), but every error's
// stack is read before the timed batch, so V8's formatting of the trace (which every
// SDK pays on the first `.stack` read) is left out and what remains is the SDK's work.
// Usage: node bench/scenarios/ownshare.mjs '{"subject":"ours","dsn":"…","sentryDsn":"…"}'
// (optional "oursModule": a path to another build of ours, to compare two versions in one run)
import { loadSubject } from '../lib/subjects.mjs'
import { applyScope } from '../lib/data.mjs'
import { formattedError as formatted, perCallUs } from '../lib/capture-batches.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
const BATCH = 50
const BATCHES = Number(args.batches ?? 200)
const s = await loadSubject(args.subject, args)
applyScope(s)

const pct = (xs, q) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor((a.length - 1) * q)] }

// Warm-up: JIT, first packing of scope, workers started.
for (let i = 0; i < 500; i++) s.capture(formatted())
await s.flush(10000)

const perCall = await perCallUs((e) => s.capture(e), { batches: BATCHES, batch: BATCH })
await s.flush(30000)
process.stdout.write(JSON.stringify({ captureException: pct(perCall, 0.5), p10: pct(perCall, 0.1), p90: pct(perCall, 0.9), batches: BATCHES, stats: s.stats() }) + '\n')
process.exit(0)
