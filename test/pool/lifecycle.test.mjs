// flush/close semantics and what the SDK does to the process's exit.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { setup, runFixture } from '../helpers.mjs'

t.test('flush resolves true exactly when every earlier event has settled', async (t) => {
  const { collector, client } = await setup(t, {}, { fault: { latencyMs: 150 } })
  for (let i = 0; i < 40; i++) client.captureMessage(`m${i}`)
  t.equal(client.stats().pending, 40)
  t.equal(await client.flush(10000), true)
  t.equal(collector.events.length, 40, 'all 40 stored when flush says true')
  t.equal(client.stats().pending, 0)
})

t.test('flush resolves false at its timeout while delivery is still under way', async (t) => {
  const { collector, client } = await setup(t, {}, { fault: { latencyMs: 3000 } })
  client.captureMessage('slow')
  const t0 = Date.now()
  t.equal(await client.flush(200), false)
  t.ok(Date.now() - t0 < 2500, 'returned at its own timeout, not when the request finished')
  collector.setFault(null)
  t.equal(await client.flush(10000), true, 'a later flush sees it through')
  t.equal(collector.events.length, 1)
})

t.test('close flushes, then stops; a second close is harmless', async (t) => {
  const { collector, client } = await setup(t)
  client.captureMessage('last words')
  t.equal(await client.close(5000), true)
  t.equal(collector.events.length, 1)
  t.equal(await client.close(5000), true)
})

t.test('child processes', async (t) => {
  const collector = await startCollector()
  t.teardown(() => collector.close())
  const env = (extra) => ({ env: { XRAYRADAR_DSN: collector.dsn('5'), ...extra } })

  t.test('an idle SDK does not hold the process (shutdownTimeout 60 s)', async (t) => {
    const r = await runFixture('lifecycle.mjs', env({ MODE: 'idle', SHUTDOWN_TIMEOUT: '60000' }))
    t.equal(r.code, 0)
    t.ok(r.ms < 20000, `exited on its own (${r.ms} ms)`)
  })

  t.test('flush() with nothing to send returns at once', async (t) => {
    const r = await runFixture('lifecycle.mjs', env({ MODE: 'flush-idle' }))
    t.match(r.stdout, /flush=true ms=\d+/)
    t.ok(Number(r.stdout.match(/ms=(\d+)/)[1]) < 1000, 'did not wait for its 60 s timeout')
  })

  t.test('natural exit delivers what was captured', async (t) => {
    const before = collector.events.length
    const r = await runFixture('lifecycle.mjs', env({ MODE: 'natural', COUNT: '200' }))
    t.equal(r.code, 0)
    t.equal(collector.events.length - before, 200)
  })

  t.test('process.exit(0) right after 1,000 captures delivers all 1,000', async (t) => {
    const before = collector.events.length
    const r = await runFixture('lifecycle.mjs', env({ MODE: 'exit', COUNT: '1000', SHUTDOWN_TIMEOUT: '15000' }))
    t.equal(r.code, 0)
    t.equal(collector.events.length - before, 1000)
  })

  t.test('a process that lives on after beforeExit sends later events, not spools them (the exit announcement lapses)', async (t) => {
    const r = await runFixture('lifecycle.mjs', { env: { XRAYRADAR_DSN: collector.dsn('6'), MODE: 'lives-on', COUNT: '10' } })
    t.equal(r.code, 0, r.stderr)
    const stats = JSON.parse(r.stdout.match(/stats=(.*)/)[1])
    t.equal(stats.delivered, 30, JSON.stringify(stats))
    t.equal(stats.spooled, 0)
  })

  t.test('a flush timeout does not keep the process alive (ingest answering after 60 s)', async (t) => {
    const slow = await startCollector({ fault: { latencyMs: 60000 } })
    const r = await runFixture('lifecycle.mjs', { env: { XRAYRADAR_DSN: slow.dsn('5'), MODE: 'flush-timeout', FLUSH_MS: '300', COUNT: '3', SHUTDOWN_TIMEOUT: '500' } })
    await slow.close()
    t.match(r.stdout, /flush=false/)
    t.equal(r.code, 0)
    t.ok(r.ms < 20000, `exited within the bounds, not after the server's 60 s (${r.ms} ms)`)
  })
})
