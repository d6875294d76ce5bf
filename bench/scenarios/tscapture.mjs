// Figure 10: main-thread µs per captureException in a TypeScript service (the bundle
// bench/lib/ts-app.mjs builds, with its .map). The run starts @sentry/node with
// --enable-source-maps, the usual way to get .ts frames with it, and ours without
// (its workers map). Errors are made outside the timed region, stacks unread, so
// the first .stack read (and with the flag, Node's mapping) is inside the call.
// Usage: node [--enable-source-maps] bench/scenarios/tscapture.mjs '{"subject":"ours","bundle":"…","dsn":"…","sentryDsn":"…"}'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadSubject } from '../lib/subjects.mjs'
import { applyScope } from '../lib/data.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
const BATCH = 50
const BATCHES = Number(args.batches ?? 60)
const s = await loadSubject(args.subject, args)
applyScope(s)
const { makeServiceError } = createRequire(import.meta.url)(args.bundle)

const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)] }

for (let i = 0; i < 200; i++) s.capture(makeServiceError())
await s.flush(10000)

const perCall = []
for (let b = 0; b < BATCHES; b++) {
  const errors = Array.from({ length: BATCH }, () => makeServiceError())
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < BATCH; i++) s.capture(errors[i])
  perCall.push(Number(process.hrtime.bigint() - t0) / 1000 / BATCH)
  await sleep(10)
}
await s.flush(30000)
// What the flag did to this process's stacks: the top frame's file.
const top = /\((.*?):\d+:\d+\)/.exec(makeServiceError().stack.split('\n')[1])?.[1] ?? ''
process.stdout.write(JSON.stringify({ captureException: median(perCall), topFile: top.split('/').pop(), sourceMapsEnabled: process.sourceMapsEnabled, stats: s.stats() }) + '\n')
process.exit(0)
