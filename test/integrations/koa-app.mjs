// One Koa app for the Koa tests, built the same way for Koa 2 and 3, with or without the
// SDK: @koa/router routes under the prefix /api, a nested router at /api/v1, a middleware.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Router } = require('@koa/router')

export const KOA_MAJORS = [['koa2', 2], ['koa', 3]]

export function buildKoaApp (Koa, { sdk = null } = {}) {
  const app = new Koa()
  if (sdk !== null) sdk(app)
  app.use(async (ctx, next) => {
    if (ctx.path === '/mw') throw new Error('middleware')
    await next()
  })
  const router = new Router({ prefix: '/api' })
  router.get('/users/:id', (ctx) => { throw new Error(`user ${ctx.params.id}`) })
  router.get('/ok', (ctx) => { ctx.body = { ok: true } })
  router.get('/missing', (ctx) => ctx.throw(404))
  router.get('/bad', (ctx) => ctx.throw(400, 'bad input'))
  router.get('/server', (ctx) => ctx.throw(500, 'server'))
  router.get('/exposed', (ctx) => ctx.throw(503, 'exposed', { expose: true }))
  router.get('/unavailable', () => { throw Object.assign(new Error('unavailable'), { status: 503 }) })
  router.get('/enoent', () => { throw Object.assign(new Error('enoent'), { code: 'ENOENT' }) })
  router.get('/async/:id', async (ctx) => { await new Promise((r) => setImmediate(r)); throw new Error(`async ${ctx.params.id}`) })
  router.get('/string', () => { throw 'a string' }) // eslint-disable-line no-throw-literal
  const v1 = new Router()
  v1.get('/items/:itemId', (ctx) => { throw new Error(`item ${ctx.params.itemId}`) })
  router.use('/v1', v1.routes())
  app.use(router.routes()).use(router.allowedMethods())
  return app
}
