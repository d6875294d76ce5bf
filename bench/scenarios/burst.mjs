// Figure 3: a synchronous burst of captures, then flush.
import { performance } from 'node:perf_hooks'
import { loadSubject } from '../lib/subjects.mjs'
import { applyScope, makeError } from '../lib/data.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
const n = Number(args.count ?? 50000)
const s = await loadSubject(args.subject, args)
applyScope(s)
let peakRss = process.memoryUsage.rss()
const rssTimer = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()) }, 20)
const t0 = performance.now()
for (let i = 0; i < n; i++) s.capture(makeError())
const loopMs = performance.now() - t0
peakRss = Math.max(peakRss, process.memoryUsage.rss())
const f0 = performance.now()
const flushed = await s.flush(Number(args.flushMs ?? 60000))
const flushMs = performance.now() - f0
clearInterval(rssTimer)
peakRss = Math.max(peakRss, process.memoryUsage.rss())
process.stdout.write(JSON.stringify({ captured: n, loopMs, flushMs, flushed, peakRssMiB: peakRss / 1048576, startedAt: Date.now() - (performance.now() - t0), stats: s.stats() }) + '\n')
process.exit(0)
