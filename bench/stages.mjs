// Where the delivery workers' time goes, per event: runs the steady scenario with
// --cpu-prof (a profile per thread) against the collector in its own process, then
// splits every worker thread's samples into stages and prints µs per captured event.
// A sample belongs to the innermost frame that names a stage (JSON.stringify called by
// encodeEvent is encode; undici called by the transport is HTTP). GC is the thread's own
// collector time; V8's helper threads and the kernel's share of the sockets are not in a
// profile (the steady figure's CPU per event counts them).
//   node bench/stages.mjs [rate=5000] [seconds=5] [--ours=PATH/dist/index.js]
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runScenario } from './lib/child.mjs'

const pos = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const rate = Number(pos[0] ?? 5000)
const seconds = Number(pos[1] ?? 5)
const ours = process.argv.find((a) => a.startsWith('--ours='))?.slice(7)

// Innermost match wins; the first rule that matches a frame names its stage.
export const STAGES = [
  ['decode', /msgpackr|event\/assemble|ring\/consumer/],
  ['enrich (frames, source maps, context lines, fingerprint)', /worker\/(source-maps|stack|context-lines|app-files|file-stamp|grouping|modules)|source-map|lru-cache/],
  ['scrub', /privacy\//],
  ['truncate + encode (JSON)', /worker\/(truncate|encode)/],
  ['limiter / retry / settle bookkeeping', /p-retry|bottleneck|worker\/(http-transport|delivery-worker|diagnostics|build-event|exit-window|index)|ring\/|piscina/],
  ['HTTP (undici, sockets)', /undici|node:net|node:_http|node:stream|internal\/streams|stream_base|node:internal\/net|node:buffer|node:dns/]
]
const LEAF = { '(garbage collector)': 'GC (the thread\'s own)', '(idle)': null, '(program)': 'runtime, timers, microtasks', '(root)': null }

export function stagesOf (profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const memo = new Map()
  const stageOf = (id) => {
    if (memo.has(id)) return memo.get(id)
    const cf = byId.get(id).callFrame
    let s
    if (cf.functionName in LEAF && cf.url === '') s = LEAF[cf.functionName]
    else {
      s = undefined
      for (let cur = id; cur !== undefined && s === undefined; cur = parent.get(cur)) {
        const url = byId.get(cur).callFrame.url
        if (url === '') continue
        for (const [name, re] of STAGES) if (re.test(url)) { s = name; break }
      }
      s ??= 'runtime, timers, microtasks'
    }
    memo.set(id, s)
    return s
  }
  const out = {}
  for (let i = 0; i < profile.samples.length; i++) {
    const s = stageOf(profile.samples[i])
    if (s !== null) out[s] = (out[s] ?? 0) + (profile.timeDeltas[i] ?? 0)
  }
  return out // µs
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = mkdtempSync(join(tmpdir(), 'xr-stages-'))
  const collector = spawn(process.execPath, [new URL('./lib/collector-process.mjs', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise((resolve) => collector.stdout.once('data', (d) => resolve(JSON.parse(String(d).split('\n')[0]).url)))
  try {
    const r = await runScenario('steady', { subject: 'ours', rate, seconds, dsn: `${url}/${process.pid}`, ...(ours ? { oursModule: pathToFileURL(ours).href } : {}) }, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
    const total = {}
    for (const f of readdirSync(dir)) {
      // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread.
      if (f.split('.')[4] === '0') continue
      for (const [k, v] of Object.entries(stagesOf(JSON.parse(readFileSync(join(dir, f), 'utf8'))))) total[k] = (total[k] ?? 0) + v
    }
    const n = r.captured
    let sum = 0
    process.stdout.write(`steady ${rate}/s for ${seconds} s, ${n} events, whole process ${r.cpuUsPerEvent.toFixed(1)} µs CPU per event (profiler on)\n| worker stage | µs per event |\n|---|---|\n`)
    for (const name of [...STAGES.map((s) => s[0]), 'GC (the thread\'s own)', 'runtime, timers, microtasks']) {
      const us = (total[name] ?? 0) / n
      sum += us
      process.stdout.write(`| ${name} | ${us.toFixed(1)} |\n`)
    }
    process.stdout.write(`| **worker threads, total** | **${sum.toFixed(1)}** |\n`)
  } finally {
    collector.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
}
