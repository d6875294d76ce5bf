// Koa 2 and 3 with httpIntegration (a default): N concurrent interleaved requests, each with
// its own user, tag, breadcrumbs and upstream call: each event carries its request's data
// (found from ctx.req: Koa's 'error' event runs outside the request's async context) and
// nothing of another request's or of the background. One event per error when two paths see it.
import t from 'tap'
import { createRequire } from 'node:module'
import * as xr from 'xrayradar'
import { setup } from '../helpers.mjs'
import { get, settle } from './framework-helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { messageOf } from '../utils/events.mjs'
import { N, barrier, upstream, requestWork, backgroundTicker, checkIsolated } from './request-work.mjs'
import { KOA_MAJORS } from './koa-app.mjs'

const require = createRequire(import.meta.url)
const { Router } = require('@koa/router')

for (const [pkg, major] of KOA_MAJORS) {
  const Koa = require(pkg)

  t.test(`Koa ${major}: ${N} concurrent requests, zero cross-request data`, async (t) => {
    const { client, collector } = await setup(t)
    const up = await upstream(t)
    const arrive = barrier(N)
    const app = new Koa()
    app.silent = true
    xr.setupKoaErrorHandler(app)
    const router = new Router({ prefix: '/api' })
    router.get('/users/:id', async (ctx) => { throw await requestWork(ctx.params.id, up.base, arrive) })
    app.use(router.routes())
    const s = await listen(t, app.callback())
    const stop = backgroundTicker()
    const ids = Array.from({ length: N }, (_, i) => String(i + 1))
    const responses = await Promise.all(ids.map((id) => get(`${s.base}/api/users/${id}?token=secret-${id}`)))
    stop()
    t.ok(responses.every((r) => r.status === 500 && r.body === 'Internal Server Error'), 'every request answered 500 by Koa')
    await settle(client, collector, N, t)
    checkIsolated(t, collector.events, { ids, appBase: s.base, upstreamBase: up.base, framework: 'koa', route: 'GET /api/users/:id' })
    t.notOk(JSON.stringify(collector.events).includes('secret-'), 'no query string anywhere without sendDefaultPii')
  })

  t.test(`Koa ${major}: the app's own listener and a middleware capture the same error: one event`, async (t) => {
    const { client, collector } = await setup(t)
    const app = new Koa()
    app.silent = true
    let ownListenerRuns = 0
    app.on('error', (err) => { ownListenerRuns++; client.captureException(err, { tags: { by: 'own listener' } }) })
    xr.setupKoaErrorHandler(app)
    app.use(async (ctx, next) => {
      try { await next() } catch (err) {
        if (ctx.path.startsWith('/mw')) client.captureException(err, { tags: { by: 'middleware' } })
        throw err
      }
    })
    const router = new Router()
    router.get('/mw/:id', (ctx) => { throw new Error(`mw ${ctx.params.id}`) })
    router.get('/listener/:id', (ctx) => { throw new Error(`listener ${ctx.params.id}`) })
    app.use(router.routes())
    const s = await listen(t, app.callback())
    for (const p of ['/mw/1', '/listener/2']) t.equal((await get(s.base + p)).status, 500)
    await settle(client, collector, 2, t)
    t.equal(ownListenerRuns, 2, 'the app\'s listener saw both')
    t.equal(collector.events.length, 2, 'one event per error, not two or three')
    const by = Object.fromEntries(collector.events.map((e) => [messageOf(e), e.contexts.tags.by]))
    t.same(by, { 'mw 1': 'middleware', 'listener 2': 'own listener' }, 'the first capture is the one kept')
  })
}

t.test('Koa: an error emitted outside the request\'s async context still gets the request\'s scope (from ctx.req)', async (t) => {
  const { client, collector } = await setup(t)
  const Koa = require('koa')
  const app = new Koa()
  app.silent = true
  xr.setupKoaErrorHandler(app)
  let saved = null
  app.use((ctx) => {
    xr.setUser({ id: 'user-outside' })
    saved = ctx
    ctx.body = 'fine'
  })
  const s = await listen(t, app.callback())
  t.equal((await get(`${s.base}/later/1`)).body, 'fine')
  // As a pool or a stream callback would: from the test's own (background) context.
  xr.setUser({ id: 'background-user' })
  app.emit('error', new Error('emitted later'), saved)
  await settle(client, collector, 1, t)
  const e = collector.events[0]
  t.equal(messageOf(e), 'emitted later')
  t.equal(e.contexts.user?.id, 'user-outside', 'the request\'s user, not the background one')
  t.match(e.contexts.request?.url, /\/later\/1$/)
  t.equal(e.contexts.tags.framework, 'koa')
})
