// The server side of the HTTP-throughput figures: a minimal Express or Fastify app (one router
// mounted at /api, GET /api/users/:id answering JSON) with no SDK, with ours (init() and the
// framework's error handler) or with @sentry/node's default setup; framework 'express-pino-http'
// is the Express app with pino-http in front (figure 8b), ours then with pinoIntegration() too. Prints {"port"} once
// listening; on SIGTERM closes, flushes and prints its result line. The load comes from the
// bench process (bench/lib/http-load.mjs), so the two do not share this process's thread.
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const args = JSON.parse(process.argv[2] ?? '{}')
const { subject, framework } = args

let sdk = null
if (subject === 'ours') {
  sdk = require('xrayradar')
  // With pino-http the pino integration is on too: its per-request line is a breadcrumb.
  sdk.init({ dsn: args.dsn, ...(framework === 'express-pino-http' ? { integrations: [sdk.pinoIntegration()] } : {}) })
} else if (subject === 'sentry') {
  // Its documented setup: init before the framework is loaded, so its instrumentation applies.
  sdk = require('@sentry/node')
  sdk.init({ dsn: args.sentryDsn })
}

let close
if (framework === 'express' || framework === 'express-pino-http') {
  const express = require('express')
  const app = express()
  if (framework === 'express-pino-http') {
    // pino-http as its README sets it up: a child logger per request (req.log) and a line per
    // response, here written to a stream that discards it (the cost is pino's and ours, not I/O's).
    const logger = require('pino')({ name: 'http' }, { write () {} })
    app.use(require('pino-http')({ logger }))
  }
  const api = express.Router()
  api.get('/users/:id', (req, res) => { res.json({ id: req.params.id, name: 'user' }) })
  app.use('/api', api)
  if (subject !== 'none') sdk.setupExpressErrorHandler(app)
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  close = () => new Promise((resolve) => server.close(resolve))
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
} else {
  const fastify = require('fastify')({ logger: false })
  if (subject !== 'none') sdk.setupFastifyErrorHandler(fastify)
  await fastify.register(async (api) => {
    api.get('/users/:id', async (request) => ({ id: request.params.id, name: 'user' }))
  }, { prefix: '/api' })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  close = () => fastify.close()
  process.stdout.write(JSON.stringify({ port: fastify.server.address().port }) + '\n')
}

// CPU of this process (all its threads) over the timed run only: SIGUSR2 marks its start,
// SIGTERM its end. CPU per request holds on a loaded machine where requests/s swings.
let cpuAtStart = null
process.on('SIGUSR2', () => { cpuAtStart = process.cpuUsage() })
process.once('SIGTERM', async () => {
  const cpu = process.cpuUsage(cpuAtStart ?? undefined)
  await close()
  if (sdk !== null) await sdk.flush(5000)
  process.stdout.write(JSON.stringify({ cpuUs: cpu.user + cpu.system, rssMiB: process.memoryUsage().rss / 2 ** 20 }) + '\n')
  process.exit(0)
})
