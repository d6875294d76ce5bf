// Express 4 and 5 with httpIntegration (a default): N concurrent interleaved requests, each
// setting its own user, tag and breadcrumbs and calling an upstream: each event carries its
// request's data (contexts.request, breadcrumbs, user, tags, route) and nothing of another
// request's or of the background. One event per error when two paths see it.
import t from 'tap'
import { createRequire } from 'node:module'
import * as xr from 'xrayradar'
import { setup } from '../helpers.mjs'
import { get, settle } from './framework-helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { messageOf } from '../utils/events.mjs'
import { N, barrier, upstream, requestWork, backgroundTicker, checkIsolated } from './request-work.mjs'

const require = createRequire(import.meta.url)

for (const [pkg, major] of [['express4', 4], ['express', 5]]) {
  const express = require(pkg)

  t.test(`Express ${major}: ${N} concurrent requests, zero cross-request data`, async (t) => {
    const { client, collector } = await setup(t)
    const up = await upstream(t)
    const arrive = barrier(N)
    const app = express()
    app.set('env', 'test')
    const api = express.Router()
    // Express 4 needs next(err) for an async error; Express 5 takes the rejection.
    if (major === 4) api.get('/users/:id', (req, res, next) => { requestWork(req.params.id, up.base, arrive).then(next) })
    else api.get('/users/:id', async (req) => { throw await requestWork(req.params.id, up.base, arrive) })
    app.use('/api', api)
    xr.setupExpressErrorHandler(app)
    const s = await listen(t, app)
    const stop = backgroundTicker()
    const ids = Array.from({ length: N }, (_, i) => String(i + 1))
    const responses = await Promise.all(ids.map((id) => get(`${s.base}/api/users/${id}?token=secret-${id}`)))
    stop()
    t.ok(responses.every((r) => r.status === 500), 'every request answered 500 by Express')
    await settle(client, collector, N, t)
    checkIsolated(t, collector.events, { ids, appBase: s.base, upstreamBase: up.base, framework: 'express', route: 'GET /api/users/:id' })
    t.notOk(JSON.stringify(collector.events).includes('secret-'), 'no query string anywhere without sendDefaultPii')
  })

  t.test(`Express ${major}: a capture in the handler carries the route; the same error is then one event`, async (t) => {
    const { client, collector } = await setup(t)
    const app = express()
    app.set('env', 'test')
    const api = express.Router()
    api.get('/items/:id', (req, res, next) => {
      const err = new Error(`seen twice ${req.params.id}`)
      client.captureException(err, { tags: { by: 'handler' } })
      next(err)
    })
    app.use('/api', api)
    xr.setupExpressErrorHandler(app)
    const s = await listen(t, app)
    t.equal((await get(`${s.base}/api/items/1`)).status, 500)
    t.equal((await get(`${s.base}/api/items/2`)).status, 500)
    await settle(client, collector, 2, t)
    t.equal(collector.events.length, 2, 'one event per error, not two')
    for (const e of collector.events) {
      t.equal(e.contexts.tags.by, 'handler', 'the first capture is the one kept')
      t.equal(e.contexts.tags.route, 'GET /api/items/:id', 'the route was on the request\'s scope already')
      t.equal(e.contexts.tags.framework, 'express')
    }
  })
}

t.test('Express 4: next(err) and the same error rejected: one event, by the error handler', async (t) => {
  const { client, collector } = await setup(t)
  // A listener makes Node hand the rejection to the SDK's unhandled-rejection path and not end this process.
  const rejected = []
  const onRejection = (reason) => { rejected.push(reason) }
  process.on('unhandledRejection', onRejection)
  t.teardown(() => process.removeListener('unhandledRejection', onRejection))
  const express = require('express4')
  const app = express()
  app.set('env', 'test')
  app.get('/both/:id', async (req, res, next) => {
    const err = new Error(`both ${req.params.id}`)
    next(err)
    throw err
  })
  xr.setupExpressErrorHandler(app)
  const s = await listen(t, app)
  t.equal((await get(`${s.base}/both/1`)).status, 500)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(rejected.length, 1, 'the rejection did reach the unhandled-rejection path')
  t.equal(rejected[0]?.message, 'both 1')
  await settle(client, collector, 1, t)
  t.equal(collector.events.length, 1, 'one event')
  t.same(collector.events[0].contexts.mechanism, { type: 'express', handled: false })
  t.equal(messageOf(collector.events[0]), 'both 1')
})

t.test('Express: next(err) called outside the request\'s async context still gets the request\'s scope (from req)', async (t) => {
  const { client, collector } = await setup(t)
  const express = require('express')
  const { EventEmitter } = await import('node:events')
  const bus = new EventEmitter() // as a connection pool calling back in its own context
  const app = express()
  app.set('env', 'test')
  app.get('/later/:id', (req, res, next) => {
    xr.setUser({ id: 'user-outside' })
    bus.once('go', () => next(new Error(`later ${req.params.id}`)))
  })
  xr.setupExpressErrorHandler(app)
  const s = await listen(t, app)
  // Started here, outside any request: its callbacks run in the background context.
  let polls = 0
  const poll = setInterval(() => {
    if (bus.listenerCount('go') === 0 && ++polls < 500) return
    clearInterval(poll)
    xr.setUser({ id: 'background-user' })
    bus.emit('go')
  }, 5)
  t.teardown(() => clearInterval(poll))
  t.equal((await get(`${s.base}/later/5`)).status, 500)
  await settle(client, collector, 1, t)
  const e = collector.events[0]
  t.equal(messageOf(e), 'later 5')
  t.equal(e.contexts.user?.id, 'user-outside', 'the request\'s user, not the background one')
  t.match(e.contexts.request?.url, /\/later\/5$/)
  t.equal(e.contexts.tags.route, 'GET /later/:id')
})
