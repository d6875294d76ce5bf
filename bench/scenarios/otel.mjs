// Figure 1c: what reading the OpenTelemetry trace context costs a capture. Three states of
// one process, alternating round by round so that machine drift hits them alike:
//   absent: no OpenTelemetry API registered (nothing under its global symbol);
//   idle:   sdk-trace-node's NodeTracerProvider registered, the capture outside any span;
//   span:   the capture inside an active span (startActiveSpan): contexts.trace is sent.
// Two measurements per state and round:
//   check:   the SDK's activeTraceIds() alone (dist/capture/trace-context.js), ns per call
//            over 200,000 calls (what every capture pays for the feature);
//   capture: figure 1b's captureException (the same scope, 10-frame errors with their stack
//            already formatted, batches of 50, 10 ms pause), µs per call, median of batches.
// "absent" is made by taking the API's global object off globalThis and putting the same
// object back: exactly what a process that never registered OpenTelemetry has, then the
// same registration again.
// Usage: node bench/scenarios/otel.mjs '{"dsn":"…"}'
import { createRequire } from 'node:module'
import { trace } from '@opentelemetry/api'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { loadSubject } from '../lib/subjects.mjs'
import { applyScope } from '../lib/data.mjs'
import { formattedError as formatted, perCallUs } from '../lib/capture-batches.mjs'

const require = createRequire(import.meta.url)
const { activeTraceIds } = require('../../dist/capture/trace-context.js')

const args = JSON.parse(process.argv[2] ?? '{}')
const ROUNDS = Number(args.rounds ?? 12)
const BATCH = 50
const BATCHES = Number(args.batches ?? 30)
const CHECKS = 200_000
const OTEL = Symbol.for('opentelemetry.js.api.1')

const s = await loadSubject('ours', args)
applyScope(s)
new NodeTracerProvider().register()
const registered = globalThis[OTEL]
const tracer = trace.getTracer('bench')

const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor((a.length - 1) / 2)] }

let sink = null
function checkNs () {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < CHECKS; i++) sink = activeTraceIds()
  return Number(process.hrtime.bigint() - t0) / CHECKS
}

async function captureUs () {
  return median(await perCallUs((e) => s.capture(e), { batches: BATCHES, batch: BATCH }))
}

/** Runs fn in the given state; for "span" inside an active span, which stays active across its awaits. */
async function inState (state, fn) {
  if (state === 'absent') delete globalThis[OTEL]
  else globalThis[OTEL] = registered
  if (state !== 'span') return fn()
  return tracer.startActiveSpan('bench', async (span) => {
    try { return await fn() } finally { span.end() }
  })
}

const STATES = ['absent', 'idle', 'span']
// What each state's check returns: the measurement is of the path it claims.
const returned = {}
for (const state of STATES) returned[state] = await inState(state, () => activeTraceIds() !== null)
if (returned.absent || returned.idle || !returned.span) throw new Error(`the states are not what they claim: ${JSON.stringify(returned)}`)

// Warm-up: JIT for every path, workers started.
for (const state of STATES) {
  await inState(state, async () => { for (let i = 0; i < 5; i++) checkNs(); for (let i = 0; i < 300; i++) s.capture(formatted()) })
}
await s.flush(10000)

const rounds = []
for (let r = 0; r < ROUNDS; r++) {
  const round = {}
  // Rotated order: no state always runs first or last.
  for (let k = 0; k < STATES.length; k++) {
    const state = STATES[(r + k) % STATES.length]
    round[state] = await inState(state, async () => ({ check: checkNs(), capture: await captureUs() }))
  }
  rounds.push(round)
  await inState('absent', () => s.flush(30000))
}
globalThis[OTEL] = registered
await s.flush(30000)

const med = (f) => median(rounds.map(f))
const out = {
  node: process.version,
  rounds: ROUNDS,
  absentCheckNs: med((r) => r.absent.check),
  idleCheckNs: med((r) => r.idle.check),
  spanCheckNs: med((r) => r.span.check),
  absentCaptureUs: med((r) => r.absent.capture),
  idleCaptureUs: med((r) => r.idle.capture),
  spanCaptureUs: med((r) => r.span.capture),
  idleAddedUs: med((r) => r.idle.capture - r.absent.capture),
  spanAddedUs: med((r) => r.span.capture - r.absent.capture),
  sink: sink === null ? 'null' : 'ids',
  stats: s.stats()
}
// In µs too, for the targets (bench/lib/targets.mjs).
out.absentCheckUs = out.absentCheckNs / 1000
out.idleCheckUs = out.idleCheckNs / 1000
process.stdout.write(JSON.stringify(out) + '\n')
process.exit(0)
