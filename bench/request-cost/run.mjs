// Server CPU per request (process.cpuUsage of the server child over a timed autocannon run,
// 20 keep-alive connections, bounded by request count) for the figure 8 apps
// (bench/scenarios/http-server.mjs: node, express4, express, fastify4, fastify, koa, nest), each
// with the subjects given as modes: none, floor (one AsyncLocalStorage.run per request), ours
// (init() and the framework's error handler), sentry.
//   node bench/request-cost/run.mjs [--amount 20000] [--reps 3] [--apps node,express,fastify]
//     [--modes none,floor,ours] [--cpu-prof DIR [--cpu-prof-interval µs]]
// A mode may name another build of the SDK: ours@/path/to/old/package (its package.json
// directory, loaded through BENCH_SDK_PATH), to compare before/after interleaved on a machine
// whose load changes. (defaults = ours, kept as a name from before.)
// Each (app, mode) runs `reps` times interleaved; the median is printed. Server child runs on
// the same node binary as this script.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { startCollector } from 'xrayradar'

const { values: o } = parseArgs({ options: {
  amount: { type: 'string', default: '20000' }, reps: { type: 'string', default: '3' },
  apps: { type: 'string', default: 'node,express,fastify' }, modes: { type: 'string', default: 'none,floor,ours' },
  'cpu-prof': { type: 'string' }, 'cpu-prof-interval': { type: 'string', default: '1000' }
} })
const SERVER = fileURLToPath(new URL('../scenarios/http-server.mjs', import.meta.url))
const collector = await startCollector({ port: 0 })
const dsn = collector.dsn('1')

function startServer ({ mode, app, dsn }) {
  const [given, sdkPath] = mode.split('@')
  const m = given === 'defaults' ? 'ours' : given
  const args = { subject: m, framework: app, dsn, sentryDsn: dsn, app }
  const env = sdkPath === undefined ? process.env : { ...process.env, BENCH_SDK_PATH: sdkPath }
  const nodeArgs = o['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', o['cpu-prof'], '--cpu-prof-name', `${args.app}-${m}${sdkPath === undefined ? '' : '-other'}-${process.version}.cpuprofile`, '--cpu-prof-interval', o['cpu-prof-interval']] : []
  const child = spawn(process.execPath, [...nodeArgs, SERVER, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'], env })
  let buf = ''
  const lines = []
  let wake = null
  child.stdout.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\n')) >= 0) { lines.push(buf.slice(0, i)); buf = buf.slice(i + 1) } wake?.() })
  const next = (ms) => new Promise((resolve, reject) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('server silent')) }, ms)
    const check = () => { if (lines.length > 0) { clearTimeout(t); wake = null; resolve(JSON.parse(lines.shift())) } }
    wake = check; check()
  })
  return { child, next }
}

const load = (url, opts) => new Promise((resolve, reject) => autocannon({ url, connections: 20, timeout: 10, ...opts }, (e, r) => e ? reject(e) : resolve(r)))

async function once (app, mode) {
  const { child, next } = startServer({ app, mode, dsn })
  try {
    const { port } = await next(30000)
    const url = `http://127.0.0.1:${port}/api/users/42`
    await load(url, { amount: 3000 }) // warm-up
    child.kill('SIGUSR2')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const amount = Number(o.amount)
    const r = await load(url, { amount })
    child.kill('SIGTERM')
    const { cpuUs } = await next(15000)
    if (r.non2xx + r.errors > 0) throw new Error(`${app}/${mode}: ${r.non2xx} non-2xx, ${r.errors} errors`)
    return { cpu: cpuUs / r.requests.total, rps: r.requests.average }
  } finally {
    // Let it exit by itself (a --cpu-prof profile is written at exit); bounded.
    if (child.exitCode === null) await new Promise((resolve) => { const t = setTimeout(resolve, 10000); child.once('exit', () => { clearTimeout(t); resolve() }) })
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}

const apps = o.apps.split(','); const modes = o.modes.split(',')
const results = {}
for (let rep = 0; rep < Number(o.reps); rep++) {
  for (const app of apps) for (const mode of modes) (results[`${app} ${mode}`] ??= []).push(await once(app, mode))
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)] }
console.log(`node ${process.version}, ${o.amount} requests x ${o.reps}, 20 connections; server CPU µs/request, median (vs the first mode) [all runs]; requests/s alike`)
for (const app of apps) {
  const row = (mode, k) => results[`${app} ${mode}`].map((x) => x[k])
  const base = { cpu: median(row(modes[0], 'cpu')), rps: median(row(modes[0], 'rps')) }
  for (const mode of modes) {
    const cell = (k) => { const m = median(row(mode, k)); return `${m.toFixed(1).padStart(6)} ${mode === modes[0] ? '       ' : `(${(m - base[k] >= 0 ? '+' : '') + (m - base[k]).toFixed(1)})`.padStart(7)} [${row(mode, k).map((x) => x.toFixed(1)).join(' ')}]` }
    console.log(`${app.padEnd(8)} ${mode.padEnd(30)} cpu ${cell('cpu')}  req/s ${cell('rps')}`)
  }
}
await collector.close()
