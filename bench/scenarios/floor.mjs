// The HTTP floor: what the wire contract itself costs (one event per POST to
// /api/{project}/store/), with nothing of ours in the way. One event is built by our SDK
// from the bench's usual data (the same JSON the other figures send), stringified once,
// and then one worker thread POSTs that body N times with undici's Pool (keep-alive,
// 8 connections, 16 requests in flight), as fast as it can. Reports whole-process CPU µs
// per event (process.cpuUsage covers every thread) and the time to send them all.
// Paced (args.rate): the same sender starts, every tickMs (10: our workers' linger), the
// requests due by then (no in-flight cap: the Pool queues them), `count` in all: what the
// contract costs at a steady rate, wake-ups included, for figure 2's rates.
import { Worker } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import { createRequire } from 'node:module'
import { applyScope, makeError } from '../lib/data.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
const n = Number(args.count ?? 50000)
const CONNECTIONS = 8
const IN_FLIGHT = 16

// One real event of the bench's shape, as the workers build it (frames, context lines,
// scope, breadcrumbs), captured through a custom transport and never sent by the SDK.
const xr = await import(args.oursModule ?? 'xrayradar')
let event = null
xr.init({ dsn: args.dsn, transport: { send: (e) => { event = e } } })
applyScope(xr)
xr.captureException(makeError())
await xr.flush(10000)
await xr.close(2000)
if (event === null) throw new Error('the SDK built no event for the floor')
const body = JSON.stringify(event)
const u = new URL(args.dsn)
const path = `/api${u.pathname}/store/`

const undiciPath = createRequire(import.meta.url).resolve('undici')
const worker = new Worker(`
const { parentPort, workerData } = require('node:worker_threads')
const { Pool } = require(workerData.undiciPath)
const pool = new Pool(workerData.origin, { connections: ${CONNECTIONS}, pipelining: 1, keepAliveTimeout: 30000 })
const headers = { 'content-type': 'application/json', 'user-agent': 'floor' }
let started = 0
let ok = 0
let failed = 0
function one () {
  if (started >= workerData.n) return
  started++
  pool.request({ path: workerData.path, method: 'POST', headers, body: workerData.body })
    .then((r) => { if (r.statusCode >= 200 && r.statusCode < 300) ok++; else failed++; return r.body.dump() })
    .catch(() => { failed++ })
    .finally(() => { if (ok + failed === workerData.n) parentPort.postMessage({ ok, failed }); else if (workerData.rate === 0) one() })
}
function paced () {
  const t0 = performance.now()
  const tick = setInterval(() => {
    const due = Math.min(workerData.n, Math.floor(workerData.rate * (performance.now() - t0) / 1000))
    while (started < due) one()
    if (started >= workerData.n) clearInterval(tick)
  }, workerData.tickMs)
}
parentPort.once('message', () => { if (workerData.rate > 0) paced(); else for (let i = 0; i < ${IN_FLIGHT}; i++) one() })
`, { eval: true, workerData: { undiciPath, origin: u.origin, path, body, n, rate: Number(args.rate ?? 0), tickMs: Number(args.tickMs ?? 10) } })
await new Promise((resolve) => worker.once('online', resolve))
const cpu0 = process.cpuUsage()
const t0 = performance.now()
const done = new Promise((resolve) => worker.once('message', resolve))
worker.postMessage('go')
const { ok, failed } = await done
const sendMs = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
await worker.terminate()
process.stdout.write(JSON.stringify({
  count: n,
  ok,
  failed,
  bodyBytes: Buffer.byteLength(body),
  sendMs,
  cpuUsPerEvent: (cpu.user + cpu.system) / n,
  perSecond: n / (sendMs / 1000)
}) + '\n')
process.exit(0)
