// Figure 12: what eventLoopBlockIntegration costs an idle process: CPU of every thread of the
// process (the heartbeat timer, the watcher thread; the delivery workers are not started for
// it) over a few seconds in which nothing is captured and nothing blocks, with the integration
// on or off. Per capture: loopblock-capture.mjs.
//
// Measured from outside: this script starts the idle process (the subject) and reads the CPU
// time of each of its threads from /proc (schedstat, in ns) when the window opens and when it
// closes. A process that measured itself would have to wake at the window's end, and on a VM a
// thread that wakes after a long sleep is billed a share of that sleep (about 0.1-0.4% of it
// here: a bare `time.sleep(5)` in Python is billed ~2 ms): the measurement's own wake, and the
// one of every thread it wakes, would then be counted as the subjects' idle cost. Linux only.
// Usage: node bench/scenarios/loopblock-idle.mjs '{"dsn":"…","on":true,"seconds":5[,"subjectNode":"/path/to/node"]}'
import { execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const args = JSON.parse(process.argv[2] ?? '{}')
const SECONDS = Number(args.seconds ?? 5)
// Start-up work (the watcher thread's start, module loading) settles before the measurement,
// and the process is idle in the sense the integration uses: its heartbeat stops once the loop
// has been idle for a second (then neither the main thread nor the watcher wakes), so an idle
// stretch of a service starts with about a second of heartbeats, which this window leaves out.
const WARMUP_MS = 2500
// V8's memory reducer runs a few GCs about 8 s after start-up in either subject, by chance in
// or out of the window: off in both, the window holds only what each does while idle.
const SUBJECT_FLAGS = ['--no-memory-reducer']

if (args.subject === true) {
  // The idle process: a client, then nothing until the measuring parent kills it.
  const { ErrorTracker, eventLoopBlockIntegration } = await import('xrayradar')
  const on = args.on === true
  // eslint-disable-next-line no-new
  new ErrorTracker({ dsn: args.dsn, spool: false, defaultIntegrations: false, integrations: on ? [eventLoopBlockIntegration()] : [] })
  process.stdout.write('ready\n')
  // The only thing that keeps it alive; it never fires within a round.
  setTimeout(() => {}, 600000)
} else {
  // subjectNode: another Node binary for the subject (the figure is run per Node version).
  const child = spawn(args.subjectNode ?? process.execPath, [...SUBJECT_FLAGS, fileURLToPath(import.meta.url), JSON.stringify({ ...args, subject: true })], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { if (String(d).includes('ready')) resolve() })
    child.on('exit', (code) => reject(new Error(`the idle subject ended (${code}) before it was ready`)))
  })
  const threadNs = () => {
    let ns = 0
    for (const tid of readdirSync(`/proc/${child.pid}/task`)) ns += Number(readFileSync(`/proc/${child.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    return ns
  }
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS))
  const ns0 = threadNs()
  const t0 = process.hrtime.bigint()
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000))
  const cpuMs = (threadNs() - ns0) / 1e6
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
  child.removeAllListeners('exit')
  child.kill('SIGKILL')
  process.stdout.write(JSON.stringify({ on: args.on === true, cpuMs, wallMs, warmupMs: WARMUP_MS, corePct: cpuMs / wallMs * 100, node: args.subjectNode === undefined ? process.version : execFileSync(args.subjectNode, ['--version'], { encoding: 'utf8' }).trim() }) + '\n')
}
