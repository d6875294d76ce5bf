// Figure 2 (and the ceiling search): a steady rate of captures for a while.
// Reports event-loop delay p50/p99/max, event-loop utilization, main-thread µs per
// capture call, CPU of all threads, peak RSS and flush time. Delivered is counted
// by the collector, read by the orchestrator after this process exits.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { loadSubject } from '../lib/subjects.mjs'
import { applyScope, makeError } from '../lib/data.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
const rate = Number(args.rate)
const seconds = Number(args.seconds ?? 5)
const NO_SDK = { capture () {}, setUser () {}, setTag () {}, setExtra () {}, addBreadcrumb () {}, flush: async () => true, stats: () => null }
const s = args.subject === 'none' ? NO_SDK : await loadSubject(args.subject, args)
applyScope(s)

let peakRss = process.memoryUsage.rss()
// The highest RSS seen in each second of the run (figure 2b: whether memory keeps growing).
const rssBySecond = []
const t0 = performance.now()
const rssTimer = setInterval(() => {
  const rss = process.memoryUsage.rss()
  peakRss = Math.max(peakRss, rss)
  const sec = Math.floor((performance.now() - t0) / 1000)
  rssBySecond[sec] = Math.max(rssBySecond[sec] ?? 0, rss / 1048576)
}, 20)
const h = monitorEventLoopDelay({ resolution: 1 })
const elu0 = performance.eventLoopUtilization()
const cpu0 = process.cpuUsage()
h.enable()
const start = performance.now()
let sent = 0
let captureNs = 0n
await new Promise((resolve) => {
  const tick = setInterval(() => {
    const elapsed = (performance.now() - start) / 1000
    const due = Math.min(Math.floor(rate * elapsed), Math.floor(rate * seconds)) - sent
    for (let i = 0; i < due; i++) {
      // churn (figure 2c): the scope changes before every capture, as a request's would.
      if (args.churn === true) {
        s.setTag('request_id', `r${sent + i}`)
        s.addBreadcrumb({ category: 'request', message: `GET /api/items/${sent + i}`, data: { step: sent + i } })
      }
      const err = makeError()
      const t0 = process.hrtime.bigint()
      s.capture(err)
      captureNs += process.hrtime.bigint() - t0
    }
    sent += Math.max(0, due)
    if (elapsed >= seconds) { clearInterval(tick); resolve() }
  }, 1)
})
h.disable()
const elu = performance.eventLoopUtilization(elu0)
const f0 = performance.now()
const flushed = await s.flush(Number(args.flushMs ?? 20000))
const flushMs = performance.now() - f0
const wall = (performance.now() - start) / 1000
const cpu = process.cpuUsage(cpu0)
clearInterval(rssTimer)
peakRss = Math.max(peakRss, process.memoryUsage.rss())
process.stdout.write(JSON.stringify({
  captured: sent,
  loopP50: h.percentile(50) / 1e6,
  loopP99: h.percentile(99) / 1e6,
  loopMax: h.max / 1e6,
  elu: elu.utilization,
  usPerEvent: Number(captureNs) / 1000 / Math.max(1, sent),
  cpuCores: (cpu.user + cpu.system) / 1e6 / wall,
  cpuUsPerEvent: (cpu.user + cpu.system) / Math.max(1, sent),
  peakRssMiB: peakRss / 1048576,
  rssBySecond: Array.from(rssBySecond, (v) => v ?? null),
  flushMs,
  flushed,
  stats: s.stats()
}) + '\n')
process.exit(0)
