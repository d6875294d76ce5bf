// eventLoopBlockIntegration with a real blocking function in a child process, the real
// watcher thread and inspector, and a real collector on loopback.
import t from 'tap'
import { startCollector, eventLoopBlockIntegration, ConfigurationError } from 'xrayradar'
import { fixture, runFixture, TOKEN, userCommand } from '../helpers.mjs'
import { runChild, startChild } from '../utils/child.mjs'

const APP = 'loop-block/app.cjs'

async function run (t, mode, env = {}, nodeArgs = []) {
  const collector = await startCollector({ token: TOKEN })
  t.teardown(() => collector.close())
  const r = await runFixture(APP, { args: [collector.dsn('42'), mode], env, nodeArgs })
  const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
  const stats = lines.findLast((l) => 'captured' in l) ?? null
  const exitAfterMs = lines.findLast((l) => 'exitAfterMs' in l)?.exitAfterMs
  return { ...r, stats, exitAfterMs, events: collector.events }
}

const framesOf = (e) => e.exception.values.at(-1).stacktrace.frames

t.test('a blocked loop gives one event naming the blocking function and its caller', async (t) => {
  const r = await run(t, 'block')
  t.equal(r.code, 0, r.stderr)
  t.equal(r.events.length, 1, 'one event for one block')
  const e = r.events[0]
  const v = e.exception.values.at(-1)
  t.equal(v.type, 'EventLoopBlocked')
  t.equal(v.value, 'Event loop blocked for at least 300 ms')
  t.equal(e.level, 'error')
  t.same(e.contexts.mechanism, { type: 'event_loop_block', handled: false })
  // The block runs 2500 ms from at most one heartbeat interval (250) after the last beat.
  t.ok(e.contexts.extra.event_loop_blocked_ms >= 2250, `lasted ${e.contexts.extra.event_loop_blocked_ms} ms`)
  t.equal(e.contexts.tags.service, 'loop-fixture', 'the scope goes with it')
  const frames = framesOf(e)
  const names = frames.map((f) => f.function)
  const callee = names.lastIndexOf('parseHugeReport')
  const caller = names.lastIndexOf('handleImport')
  t.equal(callee, frames.length - 1, 'the blocking function is the newest frame (wire order: oldest first)')
  t.ok(caller >= 0 && caller < callee, `its caller comes before it: ${names.join(' > ')}`)
  const top = frames[callee]
  t.equal(top.in_app, true)
  t.equal(top.filename, 'test/fixtures/loop-block/app.cjs')
  t.match(top.context_line, /while \(Date\.now\(\) < end\)/, 'context lines of the line it was stuck on')
  t.same(e.fingerprint, ['EventLoopBlocked', 'test/fixtures/loop-block/app.cjs parseHugeReport', 'test/fixtures/loop-block/app.cjs handleImport', 'test/fixtures/loop-block/app.cjs main'], 'the default grouping: the in-app frames where it was stuck, the blocking one first')
  t.equal(r.stats.captured, 1, 'counted captured once')
})

t.test('a process that never blocks sends nothing and counts nothing', async (t) => {
  const r = await run(t, 'idle')
  t.equal(r.code, 0, r.stderr)
  t.equal(r.events.length, 0)
  t.equal(r.stats.captured, 0)
})

t.test('two separate blocks give two events', async (t) => {
  const r = await run(t, 'block', { LOOPBLOCK_COUNT: '2' })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.events.length, 2)
  for (const e of r.events) t.equal(framesOf(e).at(-1).function, 'parseHugeReport')
  t.not(r.events[0].event_id, r.events[1].event_id)
  t.equal(r.stats.captured, 2)
})

t.test('maxEventsPerHour: the excess is not sent and is counted as rate_limited', async (t) => {
  const r = await run(t, 'block', { LOOPBLOCK_COUNT: '3', LOOPBLOCK_MAX: '1' })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.events.length, 1)
  t.equal(r.stats.captured, 3, 'every block is a capture')
  t.equal(r.stats.dropped.rate_limited, 2, 'two over the limit')
  const settled = r.stats.delivered + r.stats.spooled + r.stats.pending + Object.values(r.stats.dropped).reduce((a, b) => a + b, 0)
  t.equal(settled, r.stats.captured, 'captured = delivered + spooled + dropped + pending')
})

t.test('a block that ends in process.exit() is still reported, once', async (t) => {
  const r = await run(t, 'exit-in-block', { LOOPBLOCK_COUNT: '0' })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.events.length, 1)
  t.equal(framesOf(r.events[0]).at(-1).function, 'parseHugeReport')
})

t.test('the exit is not held: the same idle process ends about as fast without the integration', async (t) => {
  const off = await run(t, 'idle', { LOOPBLOCK_OFF: '1' })
  const on = await run(t, 'idle')
  t.equal(on.code, 0, on.stderr)
  t.equal(off.code, 0, off.stderr)
  // A watcher that held the process would never let it end (runFixture's timeout); one that
  // delayed it would show here as seconds. Measured in the child from the end of its work to
  // its last 'exit' listener, so start-up (the watcher thread's, and a loaded machine's) is not in it.
  t.type(on.exitAfterMs, 'number', on.stdout)
  t.type(off.exitAfterMs, 'number', off.stdout)
  t.ok(on.exitAfterMs < off.exitAfterMs + 1500, `with ${on.exitAfterMs} ms, without ${off.exitAfterMs} ms`)
})

t.test('a main thread that never returns to its loop: the watcher says where it is stuck, and nothing claims a report', async (t) => {
  const collector = await startCollector({ token: TOKEN })
  t.teardown(() => collector.close())
  const app = startChild(...userCommand([fixture(APP), collector.dsn('42'), 'endless']), { env: { LOOPBLOCK_DEBUG: '1' }, t })
  // Killed once the watcher has taken the stack, as a supervisor would kill a hung process.
  await app.waitForOutput(/has run no timer/, undefined, 'stderr')
  app.child.kill('SIGTERM')
  const r = await app.exited
  t.equal(r.signal, 'SIGTERM', `ended by the kill: ${r.stderr}`)
  t.match(r.stdout, /blocking for good/)
  t.match(r.stderr, /the main thread has run no timer for \d+ ms; it is in parseHugeReport \(.*app\.cjs:\d+:\d+\)/, 'where it is stuck, while it is')
  t.match(r.stderr, /not if it never does/, 'and that no event will follow if it never resumes')
  t.notMatch(r.stderr, /deliver|sent|spool/i, 'no line claims the event went anywhere')
  t.equal(collector.events.length, 0, 'nothing reached the collector')
})

t.test('nothing is reported while a debugger is attached', async (t) => {
  const r = await run(t, 'block', { LOOPBLOCK_DEBUG: '1' }, ['--inspect=127.0.0.1:0'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stderr, /a debugger is attached/)
  t.equal(r.events.length, 0)
  t.equal(r.stats.captured, 0)
})

t.test('bad options are a ConfigurationError naming the fix', async (t) => {
  t.throws(() => eventLoopBlockIntegration({ thresholdMs: 10 }), ConfigurationError)
  t.throws(() => eventLoopBlockIntegration({ thresholdMs: 'x' }), /at least 50/)
  t.throws(() => eventLoopBlockIntegration({ maxEventsPerHour: 0 }), /maxEventsPerHour/)
  t.throws(() => eventLoopBlockIntegration({ threshold: 100 }), /no option "threshold"/)
  t.equal(eventLoopBlockIntegration().name, 'EventLoopBlock')
})

t.test('the frames are mapped to the TypeScript source, with and without --enable-source-maps', async (t) => {
  const { buildSync } = await import('esbuild')
  const { join } = await import('node:path')
  const { createRequire } = await import('node:module')
  const dir = t.testdir({})
  const out = join(dir, 'typed-app.js')
  buildSync({ entryPoints: [fixture('loop-block/typed-app.ts')], outfile: out, sourcemap: true, platform: 'node', format: 'cjs', banner: { js: '\n\n\n' } })
  const dist = createRequire(import.meta.url).resolve('xrayradar')
  for (const nodeArgs of [['--enable-source-maps'], []]) {
    const collector = await startCollector({ token: TOKEN })
    const r = await runChild(...userCommand([...nodeArgs, out, collector.dsn('42')]), { env: { LOOPBLOCK_SDK: dist } }).finally(() => collector.close())
    t.equal(r.code, 0, r.stderr)
    t.equal(collector.events.length, 1, `one event ${nodeArgs.join(' ')}`)
    const top = framesOf(collector.events[0] ?? { exception: { values: [{ stacktrace: { frames: [] } }] } }).at(-1)
    t.equal(top?.function, 'parseTypedReport')
    t.match(top?.abs_path, /typed-app\.ts$/, 'the .ts source, not the bundle')
    t.match(top?.context_line, /while \(Date\.now\(\) < end\) rows\+\+/)
  }
})
