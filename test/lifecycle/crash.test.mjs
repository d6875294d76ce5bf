// Uncaught exceptions, unhandled rejections and SIGTERM, each in a child process.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { runFixture, fixture } from '../helpers.mjs'
import { startChild, userCommand } from '../utils/child.mjs'
import { sdkLines } from '../utils/stderr.mjs'

const collector = await startCollector()
t.teardown(() => collector.close())
let project = 100
const env = (mode, extra = {}) => ({ env: { XRAYRADAR_DSN: collector.dsn(String(++project)), MODE: mode, ...extra } })
const eventsOf = () => collector.events.filter((e) => e.exception !== undefined)
const last = () => eventsOf().at(-1)

t.test('uncaught exception: fatal event delivered, Node prints the error and exits 1', async (t) => {
  const before = collector.events.length
  const r = await runFixture('crash.mjs', env('uncaught'))
  t.equal(r.code, 1)
  t.match(r.stderr, /TypeError: boom uncaught\n\s+at Timeout\._onTimeout/)
  t.match(r.stderr, /Node\.js v\d+/, 'Node\'s own report')
  t.equal(collector.events.length - before, 1)
  const e = last()
  t.equal(e.level, 'fatal')
  t.equal(e.message, 'TypeError: boom uncaught')
  t.same(e.contexts.mechanism, { type: 'onuncaughtexception', handled: false })
})

t.test('with the application\'s own uncaughtException listener: captured, process keeps running', async (t) => {
  const r = await runFixture('crash.mjs', env('uncaught-own-listener'))
  t.equal(r.code, 0)
  t.match(r.stdout, /app handled: handled by the app\nstill running/)
  t.equal(last().message, 'RangeError: handled by the app')
  t.equal(last().level, 'fatal')
})

t.test('unhandled rejection, default: delivered, printed, exit 1 (Node\'s semantics)', async (t) => {
  const r = await runFixture('crash.mjs', env('reject'))
  t.equal(r.code, 1)
  t.match(r.stderr, /Error: nobody caught this/)
  t.equal(last().message, 'Error: nobody caught this')
  t.same(last().contexts.mechanism, { type: 'onunhandledrejection', handled: false })
})

t.test('unhandled rejection, warn: captured, warning printed, keeps running', async (t) => {
  const r = await runFixture('crash.mjs', env('reject-warn'))
  t.equal(r.code, 0)
  t.match(r.stderr, /UnhandledPromiseRejectionWarning: Error: only a warning/)
  t.match(r.stdout, /still running/)
  t.equal(last().message, 'Error: only a warning')
  t.equal(last().level, 'error')
})

t.test('SIGTERM when another listener exists: the SDK drains and leaves the outcome to it', async (t) => {
  const run = startChild(process.execPath, ['-e', `
    const xr = require('xrayradar')
    xr.init({ handleSignals: ['SIGTERM'] })
    xr.captureMessage('from a process with its own SIGTERM handler')
    process.on('SIGTERM', () => { setTimeout(() => { console.log('app shut down'); process.exit(3) }, 200) })
    setInterval(() => {}, 1000)
    console.log('ready')
  `], { fullEnv: env('own-sigterm').env, cwd: process.cwd(), t })
  await run.waitForOutput('ready')
  const before = collector.events.length
  run.child.kill('SIGTERM')
  const { code } = await run.exited
  t.equal(code, 3, 'the application decided')
  t.equal(collector.events.filter((e) => e.message === 'from a process with its own SIGTERM handler').length, 1, 'the event captured before the signal arrived exactly once (before or during the drain)')
  t.equal(collector.events.at(-1).message, 'from a process with its own SIGTERM handler')
})

t.test('SIGTERM with handleSignals right after 1,000 captures: all delivered, ends as SIGTERM would', async (t) => {
  const before = collector.events.length
  // tap injects its process-info loader into children, and it listens for SIGTERM; the SDK
  // rightly leaves a signal to other listeners, so run the child without it (env execs node in place).
  const run = startChild(...userCommand([fixture('crash.mjs')]), { fullEnv: env('sigterm', { COUNT: '1000' }).env, t })
  await run.waitForOutput('ready')
  run.child.kill('SIGTERM')
  const { code, signal } = await run.exited
  t.equal(signal, 'SIGTERM')
  t.equal(code, null)
  t.equal(collector.events.length - before, 1000)
})

t.test('SIGTERM with handleSignals against a hung ingest, no spool: what the drain could not settle is counted and said before the signal ends the process', async (t) => {
  // Hung as far as a 500 ms shutdownTimeout is concerned (the collector holds each request 3 s).
  const hung = await startCollector({ fault: { latencyMs: 3000 } })
  t.teardown(() => hung.close())
  const run = startChild(...userCommand([fixture('crash.mjs')]), { env: { XRAYRADAR_DSN: hung.dsn('1'), MODE: 'sigterm', COUNT: '5', SHUTDOWN_TIMEOUT: '500', SPOOL: '0' }, t })
  await run.waitForOutput('ready')
  run.child.kill('SIGTERM')
  const { code, signal, stderr } = await run.exited
  t.equal(signal, 'SIGTERM', 'the signal still ends the process')
  t.equal(code, null)
  // A signal death runs no 'exit' handler: before, these events vanished without a word.
  const said = sdkLines(stderr)
  t.equal(said.length, 1, stderr)
  t.match(said[0], /is ending on a signal with 5 event\(s\) neither sent nor spooled.*counted as dropped: shutdown_timeout/)
})
