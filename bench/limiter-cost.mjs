// What the send limiter costs per job (one job = one batch of events), with room to
// spare: bottleneck as the worker configures it (dist/worker/bottleneck-limiter.js)
// against bottleneck as configured before (plain new Bottleneck, the same caps) and
// no limiter at all. Each subject runs in a fresh process, order rotated per round.
// Latency: schedule() to the job's start, one job at a time. CPU: process CPU per job
// with 4 jobs in flight, each "sending" for one I/O turn (setImmediate); the main thread's
// GC pauses within it; promises created per job (async_hooks, counted apart).
//   node bench/limiter-cost.mjs [rounds=5]
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { performance, PerformanceObserver } from 'node:perf_hooks'
import { createHook } from 'node:async_hooks'

const require = createRequire(import.meta.url)
// The worker's defaults: maxInFlight 32, maxEventsPerSecond 10,000; batches of 4 here.
const LIMITS = { maxConcurrent: 32, perSecond: 10000 }
const WEIGHT = 4
const LATENCY_JOBS = 100
const CPU_JOBS = 1000

const SUBJECTS = {
  none: () => ({ schedule: (o, fn) => fn(), stop: async () => {} }),
  'bottleneck as before': () => {
    const Bottleneck = require('bottleneck')
    return new Bottleneck({ maxConcurrent: LIMITS.maxConcurrent, reservoir: LIMITS.perSecond, reservoirRefreshAmount: LIMITS.perSecond, reservoirRefreshInterval: 1000 })
  },
  'bottleneck as configured': () => require('../dist/worker/bottleneck-limiter.js').openLimiter(LIMITS)
}

const ioTurn = () => new Promise((resolve) => setImmediate(resolve))

async function child (name) {
  const limiter = SUBJECTS[name]()
  const lat = []
  for (let i = 0; i < LATENCY_JOBS; i++) {
    const t0 = performance.now()
    let started = 0
    await limiter.schedule({ weight: WEIGHT }, () => { started = performance.now(); return ioTurn() })
    lat.push(started - t0)
  }
  lat.sort((a, b) => a - b)
  // Promises created per job, counted apart from the timed run (the hook has a cost of its own).
  let promises = 0
  const hook = createHook({ init (id, type) { if (type === 'PROMISE') promises++ } }).enable()
  for (let i = 0; i < 50; i++) await limiter.schedule({ weight: WEIGHT }, ioTurn)
  hook.disable()
  let gcMs = 0
  const gc = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration })
  gc.observe({ entryTypes: ['gc'] })
  let n = 0
  const c0 = process.cpuUsage()
  const w0 = performance.now()
  await Promise.all([0, 1, 2, 3].map(async () => { while (n < CPU_JOBS) { n++; await limiter.schedule({ weight: WEIGHT }, ioTurn) } }))
  const cpu = process.cpuUsage(c0)
  const wall = performance.now() - w0
  await new Promise((resolve) => setImmediate(resolve))
  gc.disconnect()
  await limiter.stop()
  return { startMs: lat[lat.length >> 1], startP90Ms: lat[Math.floor(lat.length * 0.9)], cpuUsPerJob: (cpu.user + cpu.system) / CPU_JOBS, wallUsPerJob: (wall * 1000) / CPU_JOBS, gcUsPerJob: (gcMs * 1000) / CPU_JOBS, promisesPerJob: promises / 50 }
}

const arg = process.argv.find((a) => a.startsWith('--child='))
if (arg !== undefined) {
  process.stdout.write(JSON.stringify(await child(arg.slice(8))))
} else {
  const rounds = Number(process.argv[2] ?? 5)
  const names = Object.keys(SUBJECTS)
  const res = Object.fromEntries(names.map((k) => [k, []]))
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length]
      res[name].push(JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), `--child=${name}`], { encoding: 'utf8' })))
    }
  }
  const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1]
  const base = med(res.none.map((x) => x.cpuUsPerJob))
  console.log(`send limiter per job (weight ${WEIGHT}, room to spare), Node ${process.version}, median of ${rounds} fresh processes`)
  for (const name of names) {
    const v = res[name]
    console.log(`${name.padEnd(26)} start ${med(v.map((x) => x.startMs)).toFixed(2)} ms (p90 ${med(v.map((x) => x.startP90Ms)).toFixed(2)}), CPU ${med(v.map((x) => x.cpuUsPerJob)).toFixed(1)} µs/job (${(med(v.map((x) => x.cpuUsPerJob)) - base).toFixed(1)} over none; range ${Math.min(...v.map((x) => x.cpuUsPerJob)).toFixed(0)}-${Math.max(...v.map((x) => x.cpuUsPerJob)).toFixed(0)}), of it GC ${med(v.map((x) => x.gcUsPerJob)).toFixed(0)} µs; wall ${med(v.map((x) => x.wallUsPerJob)).toFixed(0)} µs/job; ${med(v.map((x) => x.promisesPerJob))} promises/job`)
  }
}
