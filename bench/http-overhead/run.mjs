// CPU time per request of the server process with httpIntegration on vs off vs no SDK
// (`npm run build` first; `node bench/http-overhead/run.mjs`, about a minute). CPU time, not
// requests per second: it holds on a shared machine where throughput swings with other load.
// Bounded: 3 rounds x 3 modes x (5,000 warm-up + 30,000 measured) requests over 10 keep-alive
// connections (autocannon).
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const autocannon = require('autocannon')
const AMOUNT = 30000
const out = {}
for (let round = 0; round < 3; round++) {
  for (const mode of ['none', 'off', 'on']) {
    const child = fork(new URL('./server.cjs', import.meta.url), [mode], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    const port = await new Promise((resolve) => child.once('message', resolve))
    const url = `http://127.0.0.1:${port}/items/1?page=2`
    await autocannon({ url, connections: 10, amount: 5000 }) // warm-up
    child.send('start')
    const r = await autocannon({ url, connections: 10, amount: AMOUNT })
    child.send('stop')
    const { cpu } = await new Promise((resolve) => child.once('message', resolve))
    ;(out[mode] ??= []).push({ cpuUsPerRequest: +(cpu / AMOUNT).toFixed(1), requestsPerSecond: Math.round(r.requests.average) })
    child.kill()
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const cpu = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, median(v.map((x) => x.cpuUsPerRequest))]))
console.log(JSON.stringify({ node: process.version, runs: out, medianCpuUsPerRequest: cpu, httpIntegrationCostUs: +(cpu.on - cpu.off).toFixed(1) }, null, 1))
