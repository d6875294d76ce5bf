// Figure 12, part 3: the host's awaits after an idle stretch, eventLoopBlockIntegration on or
// off. Idle, the integration arms an async hook that runs ahead of the loop's next callback; a
// hook that tracked promises would make Node turn on V8's promise hooks, after which every
// await of the process stays slower for good. ns per await of a tight async loop, before and
// after an idle stretch long enough for the heartbeat to stop (and the hook to fire on the way
// back), in one process per subject; the figure compares after / before on against off.
// Usage: node bench/scenarios/loopblock-await.mjs '{"dsn":"…","on":true}'
import { ErrorTracker, eventLoopBlockIntegration } from 'xrayradar'

const args = JSON.parse(process.argv[2] ?? '{}')
const on = args.on === true
// Awaits per timing; timings per side (the median is kept).
const AWAITS = 1_000_000
const TIMINGS = 5
// Longer than the integration's first idle second (its heartbeat then stops).
const IDLE_MS = 2500

async function step (x) { return x + 1 }
async function nsPerAwait () {
  let s = 0
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < AWAITS; i++) s += await step(i)
  if (s < 0) throw new Error('unreachable')
  return Number(process.hrtime.bigint() - t0) / AWAITS
}
async function median () {
  const xs = []
  for (let i = 0; i < TIMINGS; i++) xs.push(await nsPerAwait())
  return xs.sort((a, b) => a - b)[Math.floor(TIMINGS / 2)]
}

const client = new ErrorTracker({ dsn: args.dsn, spool: false, defaultIntegrations: false, integrations: on ? [eventLoopBlockIntegration()] : [] })
await median() // warm-up: the loop's code optimised before the first timing
const before = await median()
await new Promise((resolve) => setTimeout(resolve, IDLE_MS))
const after = await median()
await client.close(100)
process.stdout.write(JSON.stringify({ on, beforeNs: before, afterNs: after, ratio: after / before, node: process.version }) + '\n')
