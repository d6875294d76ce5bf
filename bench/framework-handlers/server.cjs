// The measured server: an Express 5 or Koa 3 app with one route in a router under /api,
// answering 200 (the common case: no error). mode "none": no SDK; "http": init() with its
// defaults (httpIntegration); "handler": the same plus setupExpressErrorHandler /
// setupKoaErrorHandler, so "handler" - "http" is what the error handler costs per request.
const path = require('node:path')
const [framework, mode] = process.argv.slice(2)
let xr = null
if (mode !== 'none') {
  xr = require(path.join(__dirname, '..', '..', 'dist', 'index.js'))
  // A DSN nobody answers; no event is captured: only the per-request cost is measured.
  xr.init({ dsn: 'http://127.0.0.1:9/1', spool: false })
}
let server
if (framework === 'express') {
  const express = require('express')
  const app = express()
  const api = express.Router()
  api.get('/items/:id', (req, res) => { res.json({ id: req.params.id }) })
  app.use('/api', api)
  if (mode === 'handler') xr.setupExpressErrorHandler(app)
  server = app.listen(0, '127.0.0.1', ready)
} else {
  const Koa = require('koa')
  const { Router } = require('@koa/router')
  const app = new Koa()
  if (mode === 'handler') xr.setupKoaErrorHandler(app)
  const router = new Router({ prefix: '/api' })
  router.get('/items/:id', (ctx) => { ctx.body = { id: ctx.params.id } })
  app.use(router.routes())
  server = app.listen(0, '127.0.0.1', ready)
}
function ready () { process.send(server.address().port) }
let since = null
process.on('message', (m) => {
  if (m === 'start') since = process.cpuUsage()
  if (m === 'stop') { const u = process.cpuUsage(since); process.send({ cpu: u.user + u.system }) }
})
