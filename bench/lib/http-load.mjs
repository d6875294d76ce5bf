// Drives one server child of bench/scenarios/http-server.mjs with autocannon on loopback:
// a warm-up, then a timed run. Bounded by duration; the child is killed if it hangs.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const SERVER = fileURLToPath(new URL('../scenarios/http-server.mjs', import.meta.url))

function startServer (args) {
  const child = spawn(process.execPath, [SERVER, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => { err += d })
  const lines = []
  let onLine = null
  child.stdout.on('data', (d) => {
    out += d
    let i
    while ((i = out.indexOf('\n')) >= 0) { lines.push(out.slice(0, i)); out = out.slice(i + 1); onLine?.() }
  })
  const nextLine = (timeoutMs) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`http-server (${args.subject} ${args.framework}) silent: ${err.slice(0, 800)}`)) }, timeoutMs)
    const check = () => { if (lines.length > 0) { clearTimeout(timer); onLine = null; resolve(JSON.parse(lines.shift())) } }
    onLine = check
    check()
  })
  return { child, nextLine }
}

const load = (url, opts) => new Promise((resolve, reject) => {
  autocannon({ url, ...opts }, (err, result) => err ? reject(err) : resolve(result))
})

/** One subject and framework under load: { rps, p99Ms, non2xx, cpuUsPerRequest (server process, all threads), rssMiB }. */
export async function measureHttp ({ subject, framework, dsn, sentryDsn, seconds = 5, connections = 20 }) {
  const { child, nextLine } = startServer({ subject, framework, dsn, sentryDsn })
  try {
    const { port } = await nextLine(30000)
    const url = `http://127.0.0.1:${port}/api/users/42`
    await load(url, { connections, duration: 1 }) // warm-up: JIT, keep-alive sockets, lazy SDK parts
    child.kill('SIGUSR2')
    await new Promise((resolve) => setTimeout(resolve, 50)) // the mark lands before the load
    const r = await load(url, { connections, duration: seconds })
    child.kill('SIGTERM')
    const { cpuUs, rssMiB } = await nextLine(15000)
    return { rps: r.requests.average, p99Ms: r.latency.p99, non2xx: r.non2xx + r.errors, cpuUsPerRequest: cpuUs / r.requests.total, rssMiB }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}
