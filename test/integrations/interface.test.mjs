// The integration interface: integrations set up per client and undone by close(), a name set
// up once, setupOnce once per process, the defaults replaceable or off, a broken integration
// never stopping init(); the mechanism capture option; one event per error object.
import t from 'tap'
import { ErrorTracker, ConfigurationError, getDefaultIntegrations } from 'xrayradar'
import { setup, TOKEN } from '../helpers.mjs'
import { stderrOf } from '../utils/stderr.mjs'
import { byMessage } from '../utils/events.mjs'

/** An integration that records what happened to it in log, and in its `given` the client each setup was given. */
function probe (name, log, { throwAt } = {}) {
  const given = []
  return {
    name,
    given,
    setupOnce () { log.push(`${name}:once`); if (throwAt === 'once') throw new Error('once broke') },
    setup (client) {
      log.push(`${name}:setup`)
      given.push(client)
      if (throwAt === 'setup') throw new Error('setup broke')
      return () => log.push(`${name}:teardown`)
    }
  }
}

t.test('setup per client, setupOnce once per process, teardown at close, newest first', async (t) => {
  const log = []
  const [a1, b1, again] = [probe('a1', log), probe('b1', log), probe('a1', log)]
  const { client, collector } = await setup(t, { integrations: [a1, b1] })
  t.same(log, ['a1:once', 'a1:setup', 'b1:once', 'b1:setup'])
  t.ok(a1.given.length === 1 && a1.given[0] === client && b1.given[0] === client, 'setup gets the client it sets up for')
  const second = new ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false, integrations: [again] })
  t.same(log.slice(4), ['a1:setup'], 'a second client runs setup, not setupOnce')
  t.ok(again.given.length === 1 && again.given[0] === second, 'with the second client')
  await second.close(100)
  t.same(log.slice(5), ['a1:teardown'], 'its close() undid only its own')
  await client.close(100)
  t.same(log.slice(6), ['b1:teardown', 'a1:teardown'], 'teardowns run newest first')
  await client.close(100)
  t.equal(log.length, 8, 'a second close() undoes nothing twice')
})

t.test('one integration per name: the last listed wins; a function gets the defaults', async (t) => {
  const log = []
  const first = probe('dup', log)
  const last = { name: 'dup', setup () { log.push('last') } }
  await setup(t, { integrations: [first, last] })
  t.same(log, ['last'], 'only the last "dup" was set up')
  let seen = null
  const log2 = []
  const fn1 = probe('fn1', log2)
  const { client } = await setup(t, { integrations: (defaults) => { seen = defaults.map((i) => i.name); return [fn1] } })
  t.same(seen, getDefaultIntegrations().map((i) => i.name), 'the function is given the defaults')
  t.same(log2, ['fn1:once', 'fn1:setup'])
  t.ok(fn1.given.length === 1 && fn1.given[0] === client, 'set up for the client')
  t.same(first.given, [], 'the "dup" listed first was never set up')
})

t.test('defaultIntegrations: false sets none of the defaults up', async (t) => {
  let given = null
  await setup(t, { defaultIntegrations: false, integrations: (d) => { given = d; return [] } })
  t.same(given, [], 'no defaults offered')
})

t.test('a throwing integration is skipped with one line; init() and the others go on', async (t) => {
  const log = []
  const fine = probe('fine', log)
  let tracker
  const lines = stderrOf(() => { tracker = new ErrorTracker({ dsn: 'http://127.0.0.1:9/1', spool: false, integrations: [probe('broken', log, { throwAt: 'setup' }), fine] }) })
  t.teardown(() => tracker.close(100))
  t.match(lines.join(''), /integration "broken" failed to set up \(Error: setup broke\)/)
  t.ok(log.includes('fine:setup'), 'the next integration was set up')
  t.ok(fine.given.length === 1 && fine.given[0] === tracker, 'for this client')
  t.notOk(log.includes('broken:teardown'))
})

t.test('bad integrations options are refused with the fix', async (t) => {
  t.throws(() => new ErrorTracker({ integrations: 'http' }), ConfigurationError)
  t.throws(() => new ErrorTracker({ integrations: [() => ({})] }), { message: /Call the factory/ })
  t.throws(() => new ErrorTracker({ integrations: [{ setup () {} }] }), { message: /integrations\[0\] is not an integration/ })
  t.throws(() => new ErrorTracker({ defaultIntegrations: 'no' }), { message: /defaultIntegrations must be true or false/ })
})

t.test('a disabled client (no DSN) sets nothing up', async (t) => {
  const log = []
  const idle = probe('idle', log)
  const c = new ErrorTracker({ integrations: [idle] })
  t.same(log, [])
  t.same(idle.given, [], 'no setup was given a client')
  await c.close(10)
})

t.test('mechanism travels as contexts.mechanism; handled defaults to true', async (t) => {
  const { client, collector } = await setup(t)
  client.captureException(new Error('m1'), { mechanism: { type: 'express', handled: false } })
  client.captureException(new Error('m2'), { mechanism: { type: 'koa' } })
  client.captureException(new Error('m3'))
  t.ok(await client.flush(5000))
  await collector.waitForEvents(3, 5000)
  const by = byMessage(collector.events)
  t.same(by.m1.contexts.mechanism, { type: 'express', handled: false })
  t.same(by.m2.contexts.mechanism, { type: 'koa', handled: true })
  t.notOk('mechanism' in by.m3.contexts, 'no mechanism when none was given')
  t.notOk('mechanism' in by.m1.contexts.extra, 'not sent as extra')
})

t.test('one error object is one event, whichever paths capture it', async (t) => {
  const { client, collector } = await setup(t)
  const err = new Error('seen twice')
  const id1 = client.captureException(err, { mechanism: { type: 'express', handled: false } })
  const id2 = client.captureException(err)
  client.captureUnhandled(err, { level: 'fatal' }, 'onunhandledrejection')
  t.equal(id2, id1, 'the second capture returns the first event id')
  t.ok(client.hasSeen(err))
  t.notOk(client.hasSeen(new Error('seen twice')), 'another error with the same message is not the same error')
  client.captureException(new Error('seen twice'))
  client.captureException('a string is not marked')
  client.captureException('a string is not marked')
  // flush() is true once every capture above is settled, and a delivered event is stored
  // before the collector answers: nothing more can arrive after it.
  t.ok(await client.flush(5000))
  t.equal(client.stats().delivered, 4)
  t.equal(collector.events.length, 4, 'the marked error once, the other error once, each string capture')
  t.equal(client.stats().captured, 4, 'a repeat sighting is not counted as a capture')
})

t.test('an integrations function that throws fails init() with the fix and leaves no hook behind', async (t) => {
  const events = ['exit', 'beforeExit', 'uncaughtExceptionMonitor', 'unhandledRejection', 'SIGTERM']
  const before = events.map((e) => process.listenerCount(e))
  t.throws(() => new ErrorTracker({ dsn: 'http://127.0.0.1:9/1', spool: false, handleSignals: true, integrations: () => { throw new Error('typo in my list') } }),
    { name: 'ConfigurationError', message: /the integrations function threw \(Error: typo in my list\)/ })
  t.throws(() => new ErrorTracker({ dsn: 'http://127.0.0.1:9/1', spool: false, integrations: () => 'http' }), { message: /must return a list/ })
  t.same(events.map((e) => process.listenerCount(e)), before, 'no process listener was left by the failed clients')
})

t.test('an error dropped because the queue was full is not marked: a later capture sends it', async (t) => {
  // A slow ingest keeps 64 events pending, so the next capture finds the queue full.
  const { client, collector } = await setup(t, { maxQueuedEvents: 64, maxAttempts: 1 }, { fault: { latencyMs: 400, count: 64 } })
  for (let i = 0; i < 64; i++) client.captureException(new Error(`filler ${i}`))
  const late = new Error('came when the queue was full')
  t.equal(client.captureException(late), undefined, 'dropped now')
  t.equal(client.stats().dropped.queue_full, 1)
  t.notOk(client.hasSeen(late), 'not marked')
  t.ok(await client.flush(10000), 'the queue drained')
  const id = client.captureException(late)
  t.type(id, 'string', 'captured this time')
  t.ok(await client.flush(10000))
  t.ok(collector.events.some((e) => e.event_id === id), 'and delivered')
})
