// Figure 12: what eventLoopBlockIntegration costs. Idle: CPU of every thread of the process
// (process.cpuUsage(): the heartbeat timer, the watcher thread, and the delivery workers the
// integration starts so they can take an event the stuck main thread cannot send) over a few
// seconds in which nothing is captured and nothing blocks, with the integration on or off.
// Then per capture: figure 1b's captureException (scope set, stack already formatted, batches
// of 50, 10 ms apart) in the same process, so on and off can be compared call for call.
// Usage: node bench/scenarios/loopblock-idle.mjs '{"dsn":"…","on":true,"seconds":5,"batches":100}'
import { ErrorTracker, eventLoopBlockIntegration } from 'xrayradar'
import { applyScope } from '../lib/data.mjs'
import { formattedError, perCallUs } from '../lib/capture-batches.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
const SECONDS = Number(args.seconds ?? 5)
const BATCHES = Number(args.batches ?? 100)
// Start-up work (the watcher thread's and the workers' start, module loading) settles before the measurement.
const WARMUP_MS = 1000

const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)] }

const on = args.on === true
const client = new ErrorTracker({ dsn: args.dsn, spool: false, defaultIntegrations: false, integrations: on ? [eventLoopBlockIntegration()] : [] })
await new Promise((resolve) => setTimeout(resolve, WARMUP_MS))
const cpu0 = process.cpuUsage()
const t0 = process.hrtime.bigint()
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000))
const cpu = process.cpuUsage(cpu0)
const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
const cpuMs = (cpu.user + cpu.system) / 1000

// Per capture. Warm-up: JIT, first packing of the scope, workers started (for off, here).
applyScope(client)
for (let i = 0; i < 200; i++) client.captureException(formattedError())
await client.flush(10000)
const captureUs = median(await perCallUs((e) => client.captureException(e), { batches: BATCHES, batch: 50 }))
await client.flush(30000)
const stats = client.stats()
await client.close(100)
process.stdout.write(JSON.stringify({ on, cpuMs, wallMs, corePct: cpuMs / wallMs * 100, captureUs, captured: stats.captured, delivered: stats.delivered, node: process.version }) + '\n')
