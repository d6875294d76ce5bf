// Figure 8e: instructions per request on the server's main thread, counted by Valgrind's
// callgrind in one server child of bench/scenarios/http-server.mjs. Wall-clock CPU per request
// moves by ±1–2 µs between runs on this VM (figure 8's floor against itself), more than the
// differences issue 18 judges; the main thread's instructions per request move by a few hundred
// in ~45,000–80,000 on node:http and Fastify between rounds (more on the larger apps, where one
// process in three lands on another level: figure 8e's ranges). Counting starts (callgrind_control -i on) after a warm-up of the same requests and
// stops with a dump after the counted ones. Each thread is counted apart (--separate-threads)
// and only the main thread's count is kept: V8's helper threads (concurrent compilation and
// marking) moved a whole-process count by ±8,000 instructions per request between runs of one
// build, and under callgrind, which runs the process ~50× slower, whatever a thread does per
// unit of time weighs ~50× more against each request than it does outside it. The main thread
// is the one a saturated server waits on (figure 8d profiles it too).
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const SERVER = fileURLToPath(new URL('../scenarios/http-server.mjs', import.meta.url))

/** True when valgrind and callgrind_control are on PATH (the figure is skipped, and says so, without them). */
export function callgrindAvailable () {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
    execFileSync('callgrind_control', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

// Under callgrind a server answers ~1,500 requests/s: a warm-up of three batches of the counted
// size (4,000 in figure 8e) leaves V8's tiers settled (with two batches of 3,000, the optimizing
// compiler still ran inside the counted window, and its work moved a reading by ±1,000
// instructions per request).
const WARMUP_BATCHES = 3
// callgrind_control reaches the process through Valgrind's gdbserver; bounded, so that a
// process it cannot reach fails the run instead of hanging it.
const CONTROL_TIMEOUT_MS = 60000

const load = (url, opts) => new Promise((resolve, reject) => {
  autocannon({ url, connections: 20, ...opts }, (err, result) => err ? reject(err) : resolve(result))
})

/** Runs callgrind_control with args; its output goes into the error when it fails. */
function control (args) {
  execFileSync('callgrind_control', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: CONTROL_TIMEOUT_MS })
}

/** The counted total of a callgrind dump (its `summary:` or `totals:` line), or null. */
export function callgrindTotal (text) {
  const m = /^(?:summary|totals): (\d+)/m.exec(text)
  return m === null ? null : Number(m[1])
}

/**
 * One subject and framework under callgrind: { instructionsPerRequest (the main thread's), requests }. `count`
 * requests per warm-up batch and counted. The child is killed once counted (its dump is
 * written by then), and on any failure.
 */
export async function measureInstructions ({ subject, framework, dsn, sentryDsn, count = 5000, execPath = process.execPath, sdkPath }) {
  const dir = mkdtempSync(join(tmpdir(), 'xrayradar-callgrind-'))
  const env = sdkPath === undefined ? process.env : { ...process.env, BENCH_SDK_PATH: sdkPath }
  const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${join(dir, 'cg.out')}`, execPath, SERVER, JSON.stringify({ subject, framework, dsn, sentryDsn })], { stdio: ['ignore', 'pipe', 'pipe'], env })
  let err = ''
  child.stderr.on('data', (d) => { err = (err + d).slice(-4000) })
  try {
    const port = await new Promise((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error(`http-server under callgrind (${subject} ${framework}) silent: ${err}`)), 120000)
      child.stdout.on('data', (d) => {
        out += d
        const i = out.indexOf('\n')
        if (i < 0) return
        clearTimeout(timer)
        try { resolve(JSON.parse(out.slice(0, i)).port) } catch (e) { reject(e) }
      })
      child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`http-server under callgrind exited ${code ?? signal}: ${err}`)) })
    })
    const url = `http://127.0.0.1:${port}/api/users/42`
    for (let i = 0; i < WARMUP_BATCHES; i++) await load(url, { amount: count })
    control(['-i', 'on', String(child.pid)])
    const r = await load(url, { amount: count })
    control(['-d', String(child.pid)])
    if (r.errors + r.non2xx > 0) throw new Error(`${r.errors} errors and ${r.non2xx} non-2xx answers in the counted requests (${subject} ${framework}): ${err}`)
    // One dump per thread, named …-NN by thread number: the main thread is thread 1.
    const main = readdirSync(dir).filter((f) => f.endsWith('-01'))
    let total = 0
    for (const f of main) total += callgrindTotal(readFileSync(join(dir, f), 'utf8')) ?? 0
    if (total === 0) throw new Error(`callgrind counted nothing on the main thread (${subject} ${framework}): ${err}`)
    return { instructionsPerRequest: total / r.requests.total, requests: r.requests.total }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}
