// CommonJS users: require('xrayradar') with init(), an Express 4 app and a Koa 2 app with
// @koa/router: the server error reported with its tags, the client error not, responses as
// without the SDK.
const t = require('tap')
const xr = require('xrayradar')
const express = require('express4')
const Koa = require('koa2')
const { Router } = require('@koa/router')

const get = async (url) => { const r = await fetch(url, { signal: AbortSignal.timeout(10000) }); return { status: r.status, body: await r.text() } }

function expressApp (sdk) {
  const app = express()
  app.set('env', 'test')
  const api = express.Router()
  api.get('/users/:id', (req) => { throw new Error(`express user ${req.params.id}`) })
  api.get('/forbidden', (req, res, next) => next(Object.assign(new Error('express forbidden'), { status: 403 })))
  app.use('/api', api)
  if (sdk) xr.setupExpressErrorHandler(app)
  return app
}

function koaApp (sdk) {
  const app = new Koa()
  app.silent = true
  if (sdk) xr.setupKoaErrorHandler(app)
  const router = new Router({ prefix: '/api' })
  router.get('/users/:id', (ctx) => { throw new Error(`koa user ${ctx.params.id}`) })
  router.get('/missing', (ctx) => ctx.throw(404))
  app.use(router.routes())
  return app
}

t.test('CommonJS: Express 4 and Koa 2 through require()', async (t) => {
  const collector = await xr.startCollector()
  t.teardown(() => collector.close())
  xr.init({ dsn: collector.dsn('9') })
  t.teardown(() => xr.close(100))
  const { listen } = await import('../utils/servers.mjs')
  const servers = [
    ['express', await listen(t, expressApp(false)), await listen(t, expressApp(true)), ['/api/forbidden', '/api/users/1']],
    ['koa', await listen(t, koaApp(false).callback()), await listen(t, koaApp(true).callback()), ['/api/missing', '/api/users/2']]
  ]
  for (const [name, plain, withSdk, paths] of servers) {
    for (const p of paths) t.same(await get(withSdk.base + p), await get(plain.base + p), `${name} ${p}: same response`)
  }
  // Both frameworks capture before the answer leaves the server (Express in its error middleware,
  // Koa in a microtask of its 'error' event), so once every answer is in, flush() settles every capture.
  t.ok(await xr.flush(5000))
  t.equal(xr.stats().captured, 2, 'two captures')
  const events = collector.events.map((e) => [e.exception.values.at(-1).value, e.contexts.tags.framework, e.contexts.tags.route]).sort()
  t.same(events, [['express user 1', 'express', 'GET /api/users/:id'], ['koa user 2', 'koa', 'GET /api/users/:id']], 'the two server errors only')
})
