// One Express app for the Express tests, built the same way for Express 4 and 5, with or
// without the SDK: routes at the app, in a router mounted at /api and in one at /api/v1.

/** Express errors of each kind the handler decides on. */
const withStatus = (message, fields) => Object.assign(new Error(message), fields)

export function buildExpressApp (express, { major, sdk = null, ownErrorMiddleware = false } = {}) {
  const app = express()
  // 'test' keeps Express's own stderr logging of errors quiet; the response is the same.
  app.set('env', 'test')
  app.get('/plain/:n', (req) => { throw new Error(`plain ${req.params.n}`) })
  const api = express.Router()
  api.get('/users/:id', (req) => { throw new Error(`user ${req.params.id}`) })
  api.get('/ok', (req, res) => { res.json({ ok: true }) })
  api.get('/forbidden', (req, res, next) => next(withStatus('forbidden', { status: 403 })))
  api.get('/unavailable', (req, res, next) => next(withStatus('unavailable', { statusCode: 503 })))
  api.get('/boom/:code', (req, res, next) => next(withStatus(`boom ${req.params.code}`, { output: { statusCode: Number(req.params.code) } })))
  // Outside 400-599: Express answers 500, so it is a server error.
  api.get('/odd-status', (req, res, next) => next(withStatus('odd status', { status: 302 })))
  // Express 5 routes a rejection to error middleware; Express 4 never does (see express4-rejection).
  if (major === 5) api.get('/async/:id', async (req) => { await new Promise((r) => setImmediate(r)); throw new Error(`async ${req.params.id}`) })
  const v1 = express.Router()
  v1.get('/items/:itemId', (req) => { throw new Error(`item ${req.params.itemId}`) })
  api.use('/v1', v1)
  app.use('/api', api)
  app.use('/mw', (req, res, next) => next(new Error('middleware')))
  if (sdk !== null) sdk(app)
  if (ownErrorMiddleware) {
    app.use((err, req, res, next) => { res.status(err.status ?? err.statusCode ?? 500).json({ error: err.message }) })
  }
  return app
}
