// The Fastify app the fastify tests share: the same routes with and without the SDK, on
// 127.0.0.1, so the responses can be compared and the reported errors counted.
import { setupFastifyErrorHandler } from 'xrayradar'

/** What each path does and whether its error is reported by default (final status >= 500). */
export const PATHS = {
  '/api/users/7': { reported: true, route: 'GET /api/users/:id', message: 'user 7 broke' },
  '/api/hooked/1': { reported: true, route: 'GET /api/hooked/:n', message: 'hook broke' },
  '/api/explicit-503': { reported: true, route: 'GET /api/explicit-503', message: 'down' },
  '/api/guarded/auth': { reported: false, route: 'GET /api/guarded/auth', message: 'no token' }, // user handler answers 401
  '/api/guarded/worse': { reported: true, route: 'GET /api/guarded/worse', message: 'handler gave up' }, // user handler answers 500
  '/api/http-404': { reported: false, message: 'no such thing' },
  '/api/validated': { reported: false, method: 'POST', body: '{}' }, // validation 400
  '/api/missing': { reported: false }, // 404
  '/api/ok': { reported: false }
}

/** Builds the app; sdk: options for setupFastifyErrorHandler, or null for none. */
export function buildApp (Fastify, sdk) {
  const app = Fastify({ logger: false })
  if (sdk !== null) setupFastifyErrorHandler(app, sdk)
  // An encapsulated plugin with a prefix (no fastify-plugin): the hook must reach it.
  app.register(async (api) => {
    api.get('/users/:id', async (req) => { throw new Error(`user ${req.params.id} broke`) })
    api.get('/hooked/:n', { onRequest: async () => { throw new Error('hook broke') } }, async () => ({ never: true }))
    api.get('/explicit-503', async (req, reply) => { const e = new Error('down'); e.statusCode = 503; throw e })
    api.get('/http-404', async () => { const e = new Error('no such thing'); e.statusCode = 404; throw e })
    api.post('/validated', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, async () => ({ ok: true }))
    api.get('/ok', async () => ({ ok: true }))
    api.register(async (guarded) => {
      guarded.setErrorHandler((err, req, reply) => {
        if (err.message === 'no token') reply.code(401).send({ denied: err.message })
        else reply.code(500).send({ failed: err.message })
      })
      guarded.get('/auth', async () => { throw new Error('no token') })
      guarded.get('/worse', async () => { throw new Error('handler gave up') })
    }, { prefix: '/guarded' })
  }, { prefix: '/api' })
  return app
}

/** Starts the Fastify app on 127.0.0.1:0 (closed at t's teardown); returns the base URL. */
export async function startFastifyApp (t, app) {
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const { port } = app.server.address()
  return `http://127.0.0.1:${port}`
}
