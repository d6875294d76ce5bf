// The measured server: Fastify 5, one route in a prefixed plugin. mode "none": no SDK;
// "http": init() with its defaults (httpIntegration); "handler": the same plus
// setupFastifyErrorHandler (its onError hook and the per-route onRequest hook that tags the
// request's scope). No error is thrown: the per-request cost of a successful request.
const path = require('node:path')
const mode = process.argv[2]
const fastify = require('fastify')
let xr = null
if (mode !== 'none') {
  xr = require(path.join(__dirname, '..', '..', 'dist', 'index.js'))
  xr.init({ dsn: 'http://127.0.0.1:9/1', spool: false }) // a DSN nobody answers; nothing is captured
}
const app = fastify({ logger: false })
if (mode === 'handler') xr.setupFastifyErrorHandler(app)
app.register(async (api) => { api.get('/users/:id', async (req) => ({ id: req.params.id })) }, { prefix: '/api' })
let since = null
process.on('message', (m) => {
  if (m === 'start') since = process.cpuUsage()
  if (m === 'stop') { const u = process.cpuUsage(since); process.send({ cpu: u.user + u.system }) }
})
app.listen({ host: '127.0.0.1', port: 0 }).then(() => process.send(app.server.address().port))
