// Custom transports (main thread), DebugTransport and NullTransport (in the workers).
import t from 'tap'
import { ErrorTracker, NullTransport, getIsolationScope } from 'xrayradar'
import { runFixture } from '../helpers.mjs'

t.test('a custom transport gets finished, scrubbed events on the main thread', async (t) => {
  getIsolationScope().clear()
  const sent = []
  let failNext = true
  const client = new ErrorTracker({
    transport: {
      async send (event) {
        if (failNext) { failNext = false; throw new Error('disk full') }
        sent.push(event)
      }
    }
  })
  t.teardown(() => client.close(100))
  client.setExtra('password', 'p')
  client.captureMessage('first fails')
  for (let i = 0; i < 100; i++) client.captureException(new Error(`e${i}`))
  t.equal(await client.flush(10000), true)
  t.equal(sent.length, 100)
  t.equal(sent[0].contexts.extra.password, '[Filtered]')
  t.ok(sent[0].exception.values[0].stacktrace.frames.length > 0)
  t.match(client.stats(), { captured: 101, delivered: 100, pending: 0, dropped: { network_error: 1 } })
})

t.test('NullTransport discards (counted as delivered)', async (t) => {
  const client = new ErrorTracker({ transport: new NullTransport() })
  client.captureMessage('x')
  t.equal(await client.flush(5000), true)
  t.equal(client.stats().delivered, 1)
  await client.close()
})

t.test('debug: true without a DSN pretty-prints events (DebugTransport)', async (t) => {
  const r = await runFixture('debug-mode.mjs', { env: { XRAYRADAR_DSN: '' } })
  t.equal(r.code, 0)
  t.match(r.stderr, /\[xrayradar\] sending to a debug transport/, 'debug without a DSN is the debug transport')
  t.notMatch(r.stderr, /disabled/, 'not a disabled client')
  t.match(r.stdout, /\[xrayradar\] event [0-9a-f-]{36} \(warning\) printed by debug mode/)
  t.match(r.stdout, /"message": "printed by debug mode"/)
})

t.test('debug mode: events printed by the worker reach stdout even when the process exits at once', async (t) => {
  // The worker's process.stdout is relayed through the main thread, which is blocked in
  // the exit handler: what the worker printed there was lost (one event of three survived).
  const r = await runFixture('debug-exit.mjs', { env: { XRAYRADAR_DSN: '' } })
  t.equal(r.code, 0, r.stderr)
  for (let i = 1; i <= 3; i++) t.match(r.stdout, new RegExp(`\\[xrayradar\\] event [0-9a-f-]{36} \\(warning\\) printed before exit ${i}\\n`))
  t.equal(r.stdout.match(/\[xrayradar\] event /g)?.length, 3, 'each event printed once')
})

t.test('an SDK initialized from a --require preload does not start workers inside its workers', async (t) => {
  const r = await runFixture('preload-app.mjs', { env: { NODE_OPTIONS: `--require ${new URL('../fixtures/preload-init.cjs', import.meta.url).pathname}` } })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /preload in a worker: disabled=1/, 'the preload ran inside our worker and got a disabled client')
  t.match(r.stdout, /delivered=3/)
})
