// Figure 12, per capture: figure 1b's captureException (scope set, stacks already formatted,
// batches of 50, 10 ms apart) on one client, in rounds that alternate in one process between
// "off" (no eventLoopBlockIntegration anywhere in the process) and "on" (a second client with
// the integration running beside it: its heartbeat, its watcher thread). Capture runs no code of
// the integration; what the rounds compare is what its presence costs a capture.
// Usage: node bench/scenarios/loopblock-capture.mjs '{"dsn":"…","rounds":6,"batches":40}'
import { ErrorTracker, eventLoopBlockIntegration } from 'xrayradar'
import { applyScope } from '../lib/data.mjs'
import { formattedError, perCallUs } from '../lib/capture-batches.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
const ROUNDS = Number(args.rounds ?? 6)
const BATCHES = Number(args.batches ?? 40)
// The watcher thread's start settles before an "on" round is timed.
const SETTLE_MS = 300

const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)] }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const client = new ErrorTracker({ dsn: args.dsn, spool: false, defaultIntegrations: false })
applyScope(client)
// Warm-up: JIT, first packing of the scope, workers started.
for (let i = 0; i < 200; i++) client.captureException(formattedError())
await client.flush(10000)
// One untimed round: the first timed batches ran markedly slower than the rest (JIT still settling).
await perCallUs((e) => client.captureException(e), { batches: BATCHES, batch: 50 })
await client.flush(30000)

const off = []
const on = []
for (let r = 0; r < ROUNDS; r++) {
  // Order alternates by round: a neighbour's load drifting over a round weighs on both alike.
  for (const withWatch of r % 2 === 0 ? [false, true] : [true, false]) {
    const loop = withWatch ? eventLoopBlockIntegration() : null
    const watcher = loop === null ? null : new ErrorTracker({ dsn: args.dsn, spool: false, defaultIntegrations: false, integrations: [loop] })
    if (loop !== null) {
      // whenWatching() holds nothing open: this does while it is awaited.
      const hold = setTimeout(() => {}, 10000)
      const watching = await loop.whenWatching()
      clearTimeout(hold)
      if (!watching) throw new Error('the watcher did not start')
    }
    await sleep(SETTLE_MS)
    const us = median(await perCallUs((e) => client.captureException(e), { batches: BATCHES, batch: 50 }))
    ;(withWatch ? on : off).push(us)
    await client.flush(30000)
    await watcher?.close(1000)
  }
}
const ratios = on.map((u, i) => u / off[i])
const stats = client.stats()
await client.close(1000)
process.stdout.write(JSON.stringify({ offUs: median(off), onUs: median(on), ratio: median(ratios), captured: stats.captured, delivered: stats.delivered, node: process.version }) + '\n')
