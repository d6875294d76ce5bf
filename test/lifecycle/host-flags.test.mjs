// The host's Node flags, in child processes: flags a worker thread refuses are left
// out of the workers' execArgv (Node decides which), and a process that cannot
// create worker threads at all gets one stderr line and every event counted as
// worker_unavailable, never a crash or a pending-forever event.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { runFixture, fixture } from '../helpers.mjs'
import { sdkLines } from '../utils/stderr.mjs'
import { workerExecArgv } from '../../dist/pool/exec-argv.js'

const collector = await startCollector()
t.teardown(() => collector.close())
let project = 800
const COUNT = 5

const result = (r) => {
  const line = r.stdout.split('\n').find((l) => l.startsWith('result='))
  return line === undefined ? null : JSON.parse(line.slice('result='.length))
}

// Each is refused by new Worker({ execArgv }) on Node 20, 22 and 24. The OpenSSL
// flag exists only in a Node built with OpenSSL 3.
const HOST_FLAGS = ['--max-old-space-size=512', '--expose-gc', '--stack-size=1500', '--title=xrayradar-host', '--max-semi-space-size=16',
  '--stack-trace-limit=20', '--jitless', '--disable-proto=delete', '--abort-on-uncaught-exception',
  ...(process.allowedNodeEnvironmentFlags.has('--openssl-legacy-provider') ? ['--openssl-legacy-provider'] : [])]

t.test('workerExecArgv keeps what a worker accepts, with its value, and drops preloads', async (t) => {
  const argv = workerExecArgv(['--max-old-space-size=512', '--enable-source-maps', '--title', 'host', '--conditions', 'dev', '--require', './x.cjs', '--import=./y.mjs', '--expose-gc'])
  t.same(argv.accepted, ['--enable-source-maps', '--conditions', 'dev'])
  t.same(argv.refused, ['--max-old-space-size=512', '--title', 'host', '--expose-gc'])
  t.same(workerExecArgv(['--enable-source-maps', '--trace-warnings']), { accepted: ['--enable-source-maps', '--trace-warnings'], refused: [] })
  t.same(workerExecArgv([]), { accepted: [], refused: [] })
})

for (const flag of HOST_FLAGS) {
  t.test(`node ${flag}: events delivered, the host unharmed`, async (t) => {
    const p = String(++project)
    const r = await runFixture('host-lifecycle.mjs', { nodeArgs: [flag], env: { MODE: 'capture-flush', COUNT: String(COUNT), XRAYRADAR_DSN: collector.dsn(p) } })
    t.equal(r.code, 0, `exit code 0; stderr: ${r.stderr}`)
    t.notMatch(r.stderr, /ERR_WORKER_INVALID_EXEC_ARGV/)
    const res = result(r)
    t.ok(res, 'the fixture got past its flush')
    t.equal(res?.ok, true, 'flush settled everything')
    t.equal(res?.stats.delivered, COUNT)
    t.equal(collector.counts[p], COUNT, 'the collector has them')
  })
}

t.test('all of them at once, with a flag a worker does accept', async (t) => {
  const p = String(++project)
  const r = await runFixture('host-lifecycle.mjs', { nodeArgs: [...HOST_FLAGS, '--trace-warnings'], env: { MODE: 'capture-exit', COUNT: String(COUNT), XRAYRADAR_DSN: collector.dsn(p) } })
  t.equal(r.code, 0, r.stderr)
  t.equal(result(r)?.stats.delivered, COUNT, 'delivered by the exit drain')
  t.equal(collector.counts[p], COUNT)
})

// Node 20 calls it --experimental-permission; 22 and 24 --permission.
const PERMISSION = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission'
// tap injects a process-info preload into every child (NODE_OPTIONS, re-added at spawn), and the
// permission model refuses it (process.binding): runFixture runs children through env -u NODE_OPTIONS.
// nodeOptions: a NODE_OPTIONS of the test's own, set after tap's is removed.
const runWithoutTap = (nodeArgs, env, nodeOptions = null) =>
  runFixture('host-lifecycle.mjs', { nodeArgs, env: nodeOptions === null ? env : { ...env, NODE_OPTIONS: nodeOptions } })

for (const mode of ['capture-flush', 'capture-exit']) {
  t.test(`${PERMISSION} without --allow-worker (${mode}): one line, every event worker_unavailable`, async (t) => {
    const p = String(++project)
    const r = await runWithoutTap([PERMISSION, '--allow-fs-read=*'], { MODE: mode, COUNT: String(COUNT), XRAYRADAR_DSN: collector.dsn(p) })
    t.equal(r.code, 0, `exit code 0; stderr: ${r.stderr}`)
    const lines = sdkLines(r.stderr)
    t.equal(lines.length, 1, 'said once, without debug')
    t.match(lines[0], /cannot start delivery worker threads \(.*ERR_ACCESS_DENIED.*\).*counted as dropped: worker_unavailable.*--allow-worker/)
    const res = result(r)
    t.ok(res, 'the fixture ran to its end')
    if (mode === 'capture-flush') t.equal(res?.ok, true, 'flush() resolves: every event is settled')
    t.equal(res?.stats.dropped.worker_unavailable, COUNT, 'each event counted')
    t.equal(res?.stats.pending, 0, 'none left pending')
    t.equal(res?.stats.delivered, 0)
    t.equal(res?.stats.captured, COUNT)
    t.equal(collector.counts[p] ?? 0, 0, 'nothing sent')
  })
}

t.test('a preload that throws in every worker thread: one line, every event worker_unavailable, flush() resolves', async (t) => {
  // Workers are created, then fail while starting; piscina does not replace a worker
  // that fails during its start, so before the fix the events waited until flush's
  // timeout, said nothing without debug, and were lost at exit.
  const p = String(++project)
  // Without tap's loader: its module-hooks thread would run the preload too (and crash the host, as any such loader would).
  const r = await runWithoutTap([], { MODE: 'capture-flush', COUNT: String(COUNT), XRAYRADAR_DSN: collector.dsn(p) }, `--require ${fixture('throw-in-worker.cjs')}`)
  t.equal(r.code, 0, `exit code 0; stderr: ${r.stderr}`)
  const lines = sdkLines(r.stderr)
  t.equal(lines.length, 1, 'said once, without debug')
  t.match(lines[0], /cannot run delivery worker threads \(every delivery worker failed while starting; the last: this preload cannot run in a worker\).*counted as dropped: worker_unavailable/)
  const res = result(r)
  t.equal(res?.ok, true, 'flush() resolves: every event is settled')
  t.equal(res?.stats.dropped.worker_unavailable, COUNT, 'each event counted')
  t.equal(res?.stats.dropped.shutdown_timeout, 0, 'not mistaken for a slow shutdown')
  t.equal(res?.stats.pending, 0)
  t.equal(collector.counts[p] ?? 0, 0, 'nothing sent')
})

// Node 25+ also guards the network under the permission model; before, sockets were always allowed.
const ALLOW_NET = process.allowedNodeEnvironmentFlags.has('--allow-net') ? ['--allow-net'] : []

t.test(`${PERMISSION} with --allow-worker ${ALLOW_NET.join(' ')}: delivered as usual`, async (t) => {
  const p = String(++project)
  const r = await runWithoutTap([PERMISSION, '--allow-fs-read=*', '--allow-worker', ...ALLOW_NET], { MODE: 'capture-flush', COUNT: String(COUNT), XRAYRADAR_DSN: collector.dsn(p) })
  t.equal(r.code, 0, r.stderr)
  t.equal(sdkLines(r.stderr).length, 0)
  t.equal(result(r)?.stats.delivered, COUNT)
  t.equal(collector.counts[p], COUNT)
})

t.test(`${PERMISSION} with --allow-worker but no --allow-net: one line naming the flag, no retries, every event network_error`, { skip: ALLOW_NET.length === 0 && 'this Node does not guard the network' }, async (t) => {
  const p = String(++project)
  const r = await runWithoutTap([PERMISSION, '--allow-fs-read=*', '--allow-worker'], { MODE: 'capture-flush', COUNT: String(COUNT), XRAYRADAR_DSN: collector.dsn(p) })
  const res = result(r)
  t.equal(r.code, 0, r.stderr)
  t.equal(res?.ok, true, 'flush() resolves: every event is settled')
  t.equal(res?.stats.dropped.network_error, COUNT, 'each event counted')
  t.equal(res?.stats.pending, 0)
  const lines = sdkLines(r.stderr)
  t.equal(lines.length, 1, lines.join('\n'))
  t.match(lines[0], /permission model denies network access.*--allow-net/)
  t.notMatch(lines[0], /attempt\(s\)/, 'not retried as if the ingest were down')
  t.equal(collector.counts[p] ?? 0, 0, 'nothing sent')
})

t.test('node --jitless (no WebAssembly, so no undici): Node\'s http module sends, with retries and statuses as usual', async (t) => {
  // Two failed requests first: retried (5xx), then delivered.
  collector.setFault({ status: 503, count: 2 })
  t.teardown(() => collector.setFault(null))
  const p = String(++project)
  const r = await runFixture('host-lifecycle.mjs', { nodeArgs: ['--jitless'], env: { MODE: 'capture-flush', COUNT: '1', XRAYRADAR_DSN: collector.dsn(p) } })
  t.equal(r.code, 0, r.stderr)
  t.equal(result(r)?.stats.delivered, 1)
  t.equal(collector.counts[p], 1)
  t.equal(collector.requests.filter((q) => q.project === p && q.status === 503).length, 2, 'the 503s were retried')

  collector.setFault({ status: 401 })
  const q = String(++project)
  const r2 = await runFixture('host-lifecycle.mjs', { nodeArgs: ['--jitless'], env: { MODE: 'capture-flush', COUNT: '1', XRAYRADAR_DSN: collector.dsn(q) } })
  t.equal(result(r2)?.stats.dropped.rejected, 1, '401: rejected, not retried')
  t.match(r2.stderr, /refused the auth token \(401\)/)
})
