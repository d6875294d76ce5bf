// beforeSend / beforeBreadcrumb: an async callback never sends an emptied event,
// and a capture made inside a callback cannot recurse. Every capture ends in
// exactly one counted outcome.
import t from 'tap'
import * as xr from 'xrayradar'
import { ErrorTracker, NullTransport, ConfigurationError } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { stderrOf } from '../utils/stderr.mjs'

function outcomes (s) {
  return s.delivered + s.spooled + s.pending + Object.values(s.dropped).reduce((a, b) => a + b, 0)
}

t.test('init() refuses an async beforeSend or beforeBreadcrumb, naming the fix', async (t) => {
  for (const [key, f] of [['beforeSend', async (e) => e], ['beforeBreadcrumb', async (c) => c], ['beforeSend', function * (e) { yield e }]]) {
    let thrown = null
    try { new ErrorTracker({ transport: new NullTransport(), [key]: f }).close(100) } catch (err) { thrown = err }
    t.ok(thrown instanceof ConfigurationError, `${key} ${f.constructor.name} refused`)
    t.equal(thrown?.code, 'XRAYRADAR_CONFIG')
    t.match(thrown?.message, new RegExp(`^${key} must be a synchronous function`))
    t.match(thrown?.message, /Remove "async"/)
  }
  // The negative: plain functions are accepted.
  const ok = new ErrorTracker({ transport: new NullTransport(), beforeSend: (e) => e, beforeBreadcrumb: (c) => c })
  t.equal(ok.options.beforeSend !== null && ok.options.beforeBreadcrumb !== null, true)
  await ok.close(1000)
})

t.test('a plain beforeSend that returns a Promise drops the event (before_send), says so once, sends nothing', async (t) => {
  let calls = 0
  const { collector, client } = await setup(t, {
    beforeSend: (e) => {
      calls++
      if (e.message.startsWith('plain')) return e
      return e.message.includes('reject') ? Promise.reject(new Error('async scrub failed')) : Promise.resolve(e)
    }
  })
  const unhandled = []
  const onUnhandled = (r) => unhandled.push(r)
  process.on('unhandledRejection', onUnhandled)
  t.teardown(() => process.off('unhandledRejection', onUnhandled))
  const lines = await stderrOf(async () => {
    t.equal(client.captureMessage('promise one'), undefined)
    t.equal(client.captureMessage('promise two'), undefined)
    t.equal(client.captureMessage('promise reject'), undefined)
    const syncId = client.captureMessage('plain one')
    t.type(syncId, 'string', 'the same callback returning an event still sends')
    t.equal(await client.flush(10000), true)
    await new Promise((resolve) => setImmediate(resolve)) // let a rejection surface, if it could
  })
  t.equal(calls, 4)
  t.same(collector.events.map((e) => e.message), ['plain one'], 'no emptied event reached the ingest')
  t.same(collector.requests.map((r) => r.status), [200])
  const s = client.stats()
  t.equal(s.captured, 4)
  t.equal(s.delivered, 1)
  t.equal(s.dropped.before_send, 3)
  t.equal(outcomes(s), s.captured)
  t.same(unhandled, [], 'a rejecting Promise does not become an unhandled rejection')
  const said = lines.filter((l) => l.includes('beforeSend returned a Promise'))
  t.equal(said.length, 1, 'said once, without debug')
  t.match(said[0], /dropped\.before_send/)
})

t.test('a beforeSend result that is not an event is dropped, not sent empty', async (t) => {
  const { collector, client } = await setup(t, {
    beforeSend: (e) => e.message === 'array' ? [e] : e.message === 'empty' ? {} : { ...e, message: `kept ${e.message}` }
  })
  const lines = stderrOf(() => {
    t.equal(client.captureMessage('array'), undefined)
    t.equal(client.captureMessage('empty'), undefined)
    t.type(client.captureMessage('object'), 'string')
  })
  t.equal(await client.flush(10000), true)
  t.same(collector.events.map((e) => e.message), ['kept object'])
  const s = client.stats()
  t.equal(s.dropped.before_send, 2)
  t.equal(s.delivered, 1)
  t.equal(outcomes(s), s.captured)
  t.equal(lines.filter((l) => l.includes('not an event')).length, 1)
})

t.test('a capture inside beforeSend is dropped and counted: 1 error, 1 event', async (t) => {
  let calls = 0
  const { collector, client } = await setup(t, {
    beforeSend: (e) => {
      calls++
      client.captureMessage(`beforeSend saw ${e.message}`)
      xr.captureException(new Error('through another path'))
      return e
    }
  })
  // The module-level functions go through the global client: make it this client's twin.
  const global = xr.init({ dsn: collector.dsn('42'), authToken: 'test-token-123456', spool: false, beforeSend: (e) => { client.captureMessage('nested again'); return e } })
  t.teardown(() => xr.close(100))
  let id
  const lines = stderrOf(() => { id = client.captureException(new Error('the one error')) })
  t.type(id, 'string')
  t.equal(calls, 1, 'beforeSend ran once')
  t.equal(await client.flush(10000), true)
  t.equal(await global.flush(10000), true)
  t.same(collector.events.map((e) => e.message), ['Error: the one error'])
  const s = client.stats()
  t.equal(s.captured, 2, 'the error and the nested captureMessage')
  t.equal(s.delivered, 1)
  t.equal(s.dropped.before_send, 1)
  t.equal(outcomes(s), s.captured)
  const gs = global.stats()
  t.equal(gs.captured, 1, 'the nested captureException through the global client is counted there')
  t.equal(gs.dropped.before_send, 1)
  t.equal(gs.delivered, 0)
  t.equal(outcomes(gs), gs.captured)
  t.equal(lines.filter((l) => l.includes('inside beforeSend or beforeBreadcrumb')).length, 1, 'said once in the process, though two clients dropped')
  // Outside the callback, captures go through again.
  client.captureMessage('after')
  t.equal(await client.flush(10000), true)
  t.same(collector.events.map((e) => e.message), ['Error: the one error', 'after'])
  t.equal(client.stats().delivered, 2)
})

t.test('captures and breadcrumbs inside beforeBreadcrumb are dropped, never recursed', async (t) => {
  let calls = 0
  const { collector, client } = await setup(t, {
    beforeBreadcrumb: (c) => {
      calls++
      client.addBreadcrumb({ message: 'nested crumb' })
      client.captureMessage('inside beforeBreadcrumb')
      return { ...c, message: `${c.message}!` }
    }
  })
  stderrOf(() => client.addBreadcrumb({ message: 'outer' }))
  t.equal(calls, 1)
  client.captureMessage('carrier')
  t.equal(await client.flush(10000), true)
  t.same(collector.events.map((e) => e.message), ['carrier'])
  t.same(collector.events[0].breadcrumbs.map((b) => b.message), ['outer!'])
  const s = client.stats()
  t.equal(s.captured, 2)
  t.equal(s.delivered, 1)
  t.equal(s.dropped.before_send, 1)
  t.equal(outcomes(s), s.captured)
})

t.test('a beforeBreadcrumb that returns a Promise adds nothing', async (t) => {
  const { collector, client } = await setup(t, { beforeBreadcrumb: (c) => c.message === 'async' ? Promise.resolve(c) : c })
  client.addBreadcrumb({ message: 'async' })
  client.addBreadcrumb({ message: 'sync' })
  client.captureMessage('carrier')
  t.equal(await client.flush(10000), true)
  t.same(collector.events[0].breadcrumbs.map((b) => b.message), ['sync'])
})
