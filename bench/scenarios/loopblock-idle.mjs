// Figure 12: what eventLoopBlockIntegration costs an idle process: CPU of every thread of the
// process (process.cpuUsage(): the heartbeat timer, the watcher thread; the delivery workers are
// not started for it) over a few seconds in which nothing is captured and nothing blocks, with
// the integration on or off. Per capture: loopblock-capture.mjs.
// Usage: node bench/scenarios/loopblock-idle.mjs '{"dsn":"…","on":true,"seconds":5}'
import { ErrorTracker, eventLoopBlockIntegration } from 'xrayradar'

const args = JSON.parse(process.argv[2] ?? '{}')
const SECONDS = Number(args.seconds ?? 5)
// Start-up work (the watcher thread's start, module loading) settles before the measurement.
const WARMUP_MS = 1000

const on = args.on === true
const client = new ErrorTracker({ dsn: args.dsn, spool: false, defaultIntegrations: false, integrations: on ? [eventLoopBlockIntegration()] : [] })
await new Promise((resolve) => setTimeout(resolve, WARMUP_MS))
const cpu0 = process.cpuUsage()
const t0 = process.hrtime.bigint()
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000))
const cpu = process.cpuUsage(cpu0)
const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
const cpuMs = (cpu.user + cpu.system) / 1000

await client.close(100)
process.stdout.write(JSON.stringify({ on, cpuMs, wallMs, corePct: cpuMs / wallMs * 100, node: process.version }) + '\n')
