// CPU time per request of an Express 5 / Koa 3 server process: no SDK, init() (httpIntegration),
// and init() plus the framework's error handler (`npm run build` first; `node
// bench/framework-handlers/run.mjs`, about a minute). CPU time, not requests per second: it
// holds on a shared machine. Bounded: 3 rounds x 2 frameworks x 3 modes x (1,000 warm-up +
// 5,000 measured) requests over 10 keep-alive connections (autocannon).
// Measured 2026-11-30, Node 20.20.2, 2 cores at load average ~15 (other jobs): per request,
// Express 5 http 199-218 us vs handler 197-211 us, Koa 3 http 90-106 us vs handler 99-102 us:
// the handlers' cost on the success path was inside the run-to-run noise (~10 us).
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const autocannon = require('autocannon')
const AMOUNT = 5000
const out = {}
for (let round = 0; round < 3; round++) {
  for (const framework of ['express', 'koa']) {
    for (const mode of ['none', 'http', 'handler']) {
      const child = fork(new URL('./server.cjs', import.meta.url), [framework, mode], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
      const port = await new Promise((resolve) => child.once('message', resolve))
      const url = `http://127.0.0.1:${port}/api/items/1`
      await autocannon({ url, connections: 10, amount: 1000 }) // warm-up
      child.send('start')
      const r = await autocannon({ url, connections: 10, amount: AMOUNT })
      child.send('stop')
      const { cpu } = await new Promise((resolve) => child.once('message', resolve))
      ;((out[framework] ??= {})[mode] ??= []).push({ cpuUsPerRequest: +(cpu / AMOUNT).toFixed(1), requestsPerSecond: Math.round(r.requests.average), non2xx: r.non2xx })
      child.kill()
      process.stderr.write(`${round} ${framework} ${mode}: ${(cpu / AMOUNT).toFixed(1)} us/req, ${Math.round(r.requests.average)} req/s\n`)
    }
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const summary = {}
for (const [framework, modes] of Object.entries(out)) {
  const cpu = Object.fromEntries(Object.entries(modes).map(([k, v]) => [k, median(v.map((x) => x.cpuUsPerRequest))]))
  summary[framework] = { medianCpuUsPerRequest: cpu, handlerCostUs: +(cpu.handler - cpu.http).toFixed(1), handlerCostPercentOfNone: +((cpu.handler - cpu.http) / cpu.none * 100).toFixed(1) }
}
console.log(JSON.stringify({ node: process.version, runs: out, summary }, null, 1))
