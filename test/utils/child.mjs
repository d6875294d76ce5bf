// Child processes for tests: a fixture, a script or a command run to its end, or started for
// the test to talk to; always with a deadline, after which it is killed and the test fails
// with what it printed.
import { spawn } from 'node:child_process'
import { fixture } from './fixtures.mjs'

// Long enough for a fixture's work on a loaded 2-core machine, short of tap's per-file timeout.
const TIMEOUT_MS = 20000
// How much of a hung child's output an error message shows.
const SHOWN_CHARS = 2000

/**
 * The command that starts `node args` as a user's shell would: tap re-adds its NODE_OPTIONS (a
 * process-info preload and, on Node 26, --no-warnings, which hides the very warnings the lifecycle
 * tests compare with Node's own) to every child it sees spawned, so the child goes through
 * `env -u NODE_OPTIONS`; nodeOptions, when given, is set after that.
 */
export function userCommand (args, nodeOptions) {
  return ['/usr/bin/env', ['-u', 'NODE_OPTIONS', ...(nodeOptions === undefined ? [] : [`NODE_OPTIONS=${nodeOptions}`]), process.execPath, ...args]]
}

const tail = (text) => text.length > SHOWN_CHARS ? `…${text.slice(-SHOWN_CHARS)}` : text

/**
 * Starts `command args` with its stdout and stderr collected. Options: env (added to
 * process.env), fullEnv (the whole environment instead), cwd, stdin ('ignore' or 'pipe'),
 * uid/gid, timeoutMs (the child's whole life), t (kills it at t's teardown if still running).
 * Returns { child, stdout(), stderr(), waitForOutput(pattern, ms, stream), exited }:
 * exited resolves with { code, signal, stdout, stderr, ms } when it ends, and rejects when it
 * could not start or was still running at the deadline (it is killed then).
 */
export function startChild (command, args, { env = {}, fullEnv, cwd, stdin = 'ignore', uid, gid, timeoutMs = TIMEOUT_MS, t } = {}) {
  const started = Date.now()
  const child = spawn(command, args, { cwd, uid, gid, env: fullEnv ?? { ...process.env, ...env }, stdio: [stdin, 'pipe', 'pipe'] })
  const out = { stdout: '', stderr: '' }
  let closed = false
  const label = [command, ...args].join(' ').slice(0, 200)
  child.stdout.on('data', (d) => { out.stdout += d })
  child.stderr.on('data', (d) => { out.stderr += d })
  const exited = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${label} still running after ${timeoutMs} ms; stdout: ${tail(out.stdout)} stderr: ${tail(out.stderr)}`))
    }, timeoutMs)
    child.on('error', (err) => { clearTimeout(timer); reject(err) })
    // 'close', not 'exit': by then all of its output has been read.
    child.on('close', (code, signal) => { closed = true; clearTimeout(timer); resolve({ code, signal, stdout: out.stdout, stderr: out.stderr, ms: Date.now() - started }) })
  })
  // A rejection nobody awaits (a test that only waits for output) must not crash the file.
  exited.catch(() => {})
  t?.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })

  /** Resolves with pattern's match once the stream's output so far has one; rejects if the child ends first or at timeoutMs. */
  function waitForOutput (pattern, ms = timeoutMs, stream = 'stdout') {
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern
    return new Promise((resolve, reject) => {
      const done = (fn, arg) => { clearTimeout(timer); child[stream].off('data', check); child.off('close', ended); fn(arg) }
      const check = () => { const m = re.exec(out[stream]); if (m !== null) done(resolve, m) }
      const ended = () => { check(); done(reject, new Error(`${label} ended (${child.exitCode ?? child.signalCode}) without ${re} on ${stream}; stdout: ${tail(out.stdout)} stderr: ${tail(out.stderr)}`)) }
      const timer = setTimeout(() => done(reject, new Error(`no ${re} on ${stream} of ${label} in ${ms} ms; stdout: ${tail(out.stdout)} stderr: ${tail(out.stderr)}`)), ms)
      child[stream].on('data', check)
      child.once('close', ended)
      check()
      if (closed) ended()
    })
  }

  return { child, stdout: () => out.stdout, stderr: () => out.stderr, waitForOutput, exited }
}

/** Runs `command args` to its end (see startChild for the options); resolves with { code, signal, stdout, stderr, ms }. */
export const runChild = (command, args, options) => startChild(command, args, options).exited

/** Runs a fixture (test/fixtures/<name>) as a user runs their app (see userCommand); nodeArgs: Node flags before it. */
export function runFixture (name, { env = {}, args = [], nodeArgs = [], timeoutMs = TIMEOUT_MS } = {}) {
  const [command, argv] = userCommand([...nodeArgs, fixture(name), ...args], env.NODE_OPTIONS)
  return runChild(command, argv, { env, timeoutMs })
}

/** The last line of a child's output parsed as JSON (what a fixture prints as its result); null when it is not JSON. */
export function lastJsonLine (text) {
  try { return JSON.parse(text.trim().split('\n').pop()) } catch { return null }
}
