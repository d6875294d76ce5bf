// Drives one server child of bench/scenarios/http-server.mjs with autocannon on loopback:
// a warm-up, then a timed run. Bounded by duration; the child is killed if it hangs.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import http from 'node:http'
import autocannon from 'autocannon'
import { PARTS } from './profile-split.mjs'

const SERVER = fileURLToPath(new URL('../scenarios/http-server.mjs', import.meta.url))

// execPath: the node binary of the server (figure 8 runs once per Node version); sdkPath:
// another build of the SDK for "ours" (BENCH_SDK_PATH), for before/after runs.
function startServer ({ execPath = process.execPath, nodeArgs = [], sdkPath, ...args }) {
  const env = sdkPath === undefined ? process.env : { ...process.env, BENCH_SDK_PATH: sdkPath }
  const child = spawn(execPath, [...nodeArgs, SERVER, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'], env })
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

/**
 * One subject and framework under load: { rps, p99Ms, non2xx, cpuUsPerRequest (server process,
 * all threads; also split as userUsPerRequest and systemUsPerRequest, the second being the
 * kernel's time on the server's behalf: syscalls, page faults), allocatedBytesPerRequest (the
 * main thread's heap allocations over the timed run per request; null where the Node version does
 * not count them: 20, 22 and 24), rssMiB }. With profile: true, also `profileUs`: the server main thread's CPU
 * profile over the timed run, µs per request by part (bench/lib/profile-split.mjs), and
 * `sdkTop`, every SDK function with samples, by self time, µs per request.
 */
export async function measureHttp ({ subject, framework, dsn, sentryDsn, seconds = 5, warmup = 1, connections = 20, execPath, sdkPath, profile = false }) {
  const { child, nextLine } = startServer({ subject, framework, dsn, sentryDsn, execPath, sdkPath, profile })
  try {
    const { port } = await nextLine(30000)
    const url = `http://127.0.0.1:${port}/api/users/42`
    await load(url, { connections, duration: warmup }) // warm-up: JIT, keep-alive sockets, lazy SDK parts
    child.kill('SIGUSR2')
    await new Promise((resolve) => setTimeout(resolve, 50)) // the mark lands before the load
    const r = await load(url, { connections, duration: seconds })
    child.kill('SIGTERM')
    const { cpuUs, userUs, systemUs, allocatedBytes, rssMiB, profile: split } = await nextLine(15000)
    const n = r.requests.total
    const result = { rps: r.requests.average, p99Ms: r.latency.p99, non2xx: r.non2xx + r.errors, cpuUsPerRequest: cpuUs / n, userUsPerRequest: userUs / n, systemUsPerRequest: systemUs / n, allocatedBytesPerRequest: typeof allocatedBytes === 'number' ? allocatedBytes / n : null, rssMiB }
    if (split === undefined) return result
    const profileUs = Object.fromEntries(PARTS.concat('total').map((p) => [p, split[p] / n]))
    return { ...result, profileUs, sdkTop: split.top.map(({ name, us }) => ({ name, us: us / n })) }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}

/**
 * Heap held per in-flight request: a server whose handler answers after `slowMs`, `count`
 * requests sent at once (one connection each, nothing raised), the server's heapUsed after a
 * full GC read idle (after a warm-up of the same requests), with all `count` in flight, once
 * every response came back, and once a second batch of `count` came back too.
 * { idle, inflight, after, again } in bytes.
 */
export async function measureHeld ({ subject, framework, dsn, sentryDsn, count = 10000, slowMs = 20000, execPath, sdkPath }) {
  const { child, nextLine } = startServer({ subject, framework, dsn, sentryDsn, slowMs, execPath, sdkPath, nodeArgs: ['--expose-gc'] })
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity })
  const fire = (port, n) => Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/users/42', agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) })
    req.on('error', reject)
    req.setTimeout(slowMs + 60000, () => req.destroy(new Error('no answer')))
  })))
  const reading = async () => { child.kill('SIGUSR1'); return nextLine(30000) }
  try {
    const { port } = await nextLine(30000)
    await fire(port, 200) // warm-up: every lazy part of the app and the SDK loaded
    const idle = await reading()
    const answers = fire(port, count)
    // Bounded wait until the server's handlers hold all of them.
    let inflight = null
    for (const until = Date.now() + slowMs - 2000; Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      const r = await reading()
      if (r.inflight >= count) { inflight = r; break }
    }
    if (inflight === null) throw new Error(`${framework}/${subject}: the ${count} requests were not all in flight within ${slowMs - 2000} ms`)
    const batch = async (answers) => {
      const codes = await answers
      const bad = codes.filter((c) => c !== 200).length
      if (bad > 0) throw new Error(`${framework}/${subject}: ${bad} answers not 200`)
      await new Promise((resolve) => setTimeout(resolve, 200)) // sockets closed on the server side
      return reading()
    }
    const after = await batch(answers)
    // A second batch of the same requests once the first has filled every pool Node keeps
    // (parsers, sockets' buffers, compiled code): what it leaves on top of the first is what
    // each finished request keeps, with the process's own warm-up taken out.
    const again = await batch(fire(port, count))
    child.kill('SIGTERM')
    await nextLine(15000)
    return { idle: idle.heapUsed, inflight: inflight.heapUsed, after: after.heapUsed, again: again.heapUsed }
  } finally {
    agent.destroy()
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}
