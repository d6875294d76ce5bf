// Shared test plumbing: a real collector on loopback and a client pointed at it.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { ErrorTracker, startCollector, getGlobalScope, getIsolationScope } from 'xrayradar'

export const TOKEN = 'test-token-123456'
export const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** A collector and a client for one test; both closed at teardown. */
export async function setup (t, options = {}, collectorOptions = {}) {
  // Scope is process-wide (shared by every client): start each test from empty.
  getGlobalScope().clear()
  getIsolationScope().clear()
  const collector = await startCollector({ token: TOKEN, ...collectorOptions })
  // No disk spool unless a test asks for one: failures must show as what they are.
  const client = new ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false, ...options })
  t.teardown(async () => {
    await client.close(100)
    await collector.close()
  })
  return { collector, client }
}

/**
 * The command that starts `node args` as a user's shell would: tap re-adds its NODE_OPTIONS (a
 * process-info preload and, on Node 26, --no-warnings, which hides the very warnings the lifecycle
 * tests compare with Node's own) to every child it sees spawned, so the child goes through
 * `env -u NODE_OPTIONS`; nodeOptions, when given, is set after that.
 */
export function userCommand (args, nodeOptions) {
  return ['/usr/bin/env', ['-u', 'NODE_OPTIONS', ...(nodeOptions === undefined ? [] : [`NODE_OPTIONS=${nodeOptions}`]), process.execPath, ...args]]
}

/** Runs a fixture in a child process (nodeArgs: Node flags before it); resolves with its exit code, signal, output and duration. */
export function runFixture (name, { env = {}, args = [], nodeArgs = [], timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const [command, argv] = userCommand([...nodeArgs, fixture(name), ...args], env.NODE_OPTIONS)
    const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`fixture ${name} timed out; stderr: ${stderr}`)) }, timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started })
    })
  })
}

/**
 * A spool file as the SDK writes it for the target of `dsn` (its origin and project):
 * [name, text]. The name starts with the time it was written (`agoMs` ago) and ends with
 * the target's key (16 hex of sha256(origin/project)); the text is the header naming
 * the target, then `lines`, one event body each.
 */
export function spoolFile (dsn, lines, { agoMs = 1000, tag = 'abcdef' } = {}) {
  const { origin, pathname } = new URL(dsn)
  const project = decodeURIComponent(pathname.split('/').filter(Boolean).pop())
  const key = createHash('sha256').update(`${origin}/${project}`).digest('hex').slice(0, 16)
  const name = `${String(Date.now() - agoMs).padStart(15, '0')}-1-0-${tag}.${key}.jsonl`
  return [name, [JSON.stringify({ xrayradar_spool: 2, origin, project }), ...lines].join('\n')]
}
