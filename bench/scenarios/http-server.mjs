// The server side of the HTTP figures (8, 8b, 8c): a minimal app (GET /api/users/:id answering
// JSON, behind a router or prefix at /api) for one framework, with one subject:
//   none    no SDK;
//   floor   the isolation floor: http.Server.prototype.emit wrapped so that a 'request' emit runs
//           in als.run({ req }, …) with one AsyncLocalStorage, nothing else;
//   channels the floor plus a subscriber that does nothing on each of the two channels Node's
//           HTTP server publishes per request and the SDK subscribes to (figure 8e: what Node
//           spends publishing them, apart from what the SDK's subscribers do);
//   ours    init({ dsn }) and the framework's error handler;
//   init    init({ dsn }) alone (bench/request-cost: what the framework's handler adds);
//   sentry  @sentry/node's documented setup (init before the framework is loaded, its error
//           handler where it has one for the framework).
// Frameworks: node (node:http), express4, express (5), fastify4, fastify (5), koa (3, with
// @koa/router), nest (11, Express adapter), and express-pino-http (figure 8b: the Express 5 app
// with pino-http in front; ours then with pinoIntegration() too).
// With `slowMs` (figure 8c), the handler answers after that many ms (a timer), so requests
// stay in flight. Prints {"port"} once listening; SIGUSR2 marks the start of the timed run,
// SIGUSR1 prints a heap reading (after a full GC; needs --expose-gc), SIGTERM closes, flushes
// and prints the result line. The load comes from the bench process (bench/lib/http-load.mjs).
import { createRequire } from 'node:module'
import http from 'node:http'
import { AsyncLocalStorage } from 'node:async_hooks'
import v8 from 'node:v8'
const require = createRequire(import.meta.url)
const args = JSON.parse(process.argv[2] ?? '{}')
const { subject, framework } = args
const slowMs = args.slowMs ?? 0

let sdk = null
if (subject === 'ours' || subject === 'init') {
  sdk = require(process.env.BENCH_SDK_PATH ?? 'xrayradar')
  // With pino-http the pino integration is on too: its per-request line is a breadcrumb.
  sdk.init({ dsn: args.dsn, ...(framework === 'express-pino-http' ? { integrations: [sdk.pinoIntegration()] } : {}) })
} else if (subject === 'sentry') {
  sdk = require('@sentry/node')
  sdk.init({ dsn: args.sentryDsn })
} else if (subject === 'floor' || subject === 'channels') {
  if (subject === 'channels') {
    const dc = await import('node:diagnostics_channel')
    for (const name of ['http.server.request.start', 'http.server.response.finish']) dc.subscribe(name, () => {})
  }
  const als = new AsyncLocalStorage()
  const emit = http.Server.prototype.emit
  http.Server.prototype.emit = function (ev, ...rest) {
    if (ev === 'request') return als.run({ req: rest[0] }, () => emit.call(this, ev, ...rest))
    return emit.call(this, ev, ...rest)
  }
}
const handler = subject === 'ours' || subject === 'sentry' ? sdk : null
const answer = (id) => ({ id, name: 'user' })
// Requests inside a slow handler now (figure 8c waits until all are).
let inflight = 0
const later = (fn) => { if (slowMs === 0) return fn(); inflight++; setTimeout(() => { inflight--; fn() }, slowMs) }
const sleep = () => { inflight++; return new Promise((resolve) => setTimeout(() => { inflight--; resolve() }, slowMs)) }

let close
let port
const listen = async (server) => {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections?.() })
  port = server.address().port
}

if (framework === 'node') {
  await listen(http.createServer((req, res) => {
    later(() => {
      const body = JSON.stringify(answer(req.url.slice(req.url.lastIndexOf('/') + 1)))
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  }))
} else if (framework === 'express' || framework === 'express4' || framework === 'express-pino-http') {
  const express = require(framework === 'express4' ? 'express4' : 'express')
  const app = express()
  if (framework === 'express-pino-http') {
    // pino-http as its README sets it up: a child logger per request (req.log) and a line per
    // response, here written to a stream that discards it (the cost is pino's and ours, not I/O's).
    const logger = require('pino')({ name: 'http' }, { write () {} })
    app.use(require('pino-http')({ logger }))
  }
  const api = express.Router()
  api.get('/users/:id', (req, res) => { later(() => res.json(answer(req.params.id))) })
  app.use('/api', api)
  if (handler !== null) handler.setupExpressErrorHandler(app)
  await listen(http.createServer(app))
} else if (framework === 'fastify' || framework === 'fastify4') {
  const fastify = require(framework)({ logger: false })
  if (handler !== null) handler.setupFastifyErrorHandler(fastify)
  await fastify.register(async (api) => {
    api.get('/users/:id', async (request) => { if (slowMs > 0) await sleep(); return answer(request.params.id) })
  }, { prefix: '/api' })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  close = () => fastify.close()
  port = fastify.server.address().port
} else if (framework === 'koa') {
  const Koa = require('koa')
  const Router = require('@koa/router')
  const app = new Koa()
  if (handler !== null) handler.setupKoaErrorHandler(app)
  const router = new Router({ prefix: '/api' })
  router.get('/users/:id', async (ctx) => { if (slowMs > 0) await sleep(); ctx.body = answer(ctx.params.id) })
  app.use(router.routes())
  await listen(http.createServer(app.callback()))
} else if (framework === 'nest') {
  require('reflect-metadata')
  const { NestFactory } = require('@nestjs/core')
  const { Controller, Get, Param, Module } = require('@nestjs/common')
  const { ExpressAdapter } = require('@nestjs/platform-express')
  // Decorators applied as functions: this file is plain JavaScript.
  class UsersController { async get (id) { if (slowMs > 0) await sleep(); return answer(id) } }
  Controller('api/users')(UsersController)
  Get(':id')(UsersController.prototype, 'get', Object.getOwnPropertyDescriptor(UsersController.prototype, 'get'))
  Param('id')(UsersController.prototype, 'get', 0)
  class AppModule {}
  Module({ controllers: [UsersController] })(AppModule)
  const app = await NestFactory.create(AppModule, new ExpressAdapter(), { logger: false })
  // @sentry/node has no Nest handler (that is @sentry/nestjs): its init alone.
  if (subject === 'ours') sdk.setupNestErrorHandler(app)
  await app.listen(0, '127.0.0.1')
  close = () => app.close()
  port = app.getHttpServer().address().port
} else {
  throw new Error(`unknown framework ${framework}`)
}
// With `profile` (figure 8d), the main thread's CPU profile over the timed run, split by part:
// ready before the port is announced, so the timed run's mark cannot come first.
const profiler = args.profile === true ? await startProfiler() : null
process.stdout.write(JSON.stringify({ port }) + '\n')

// CPU of this process (all its threads) over the timed run only: SIGUSR2 marks its start,
// SIGTERM its end. CPU per request holds on a loaded machine where requests/s swings.
// Also the bytes the main thread's JavaScript heap allocated over the same run, where Node's heap
// statistics count them (total_allocated_bytes: Node 26 of the versions measured here, not 20, 22
// or 24; undefined there).
const allocated = () => v8.getHeapStatistics().total_allocated_bytes
let cpuAtStart = null
let allocatedAtStart
process.on('SIGUSR2', () => { cpuAtStart = process.cpuUsage(); allocatedAtStart = allocated(); profiler?.start() })
process.on('SIGUSR1', () => {
  globalThis.gc?.()
  globalThis.gc?.()
  process.stdout.write(JSON.stringify({ heapUsed: process.memoryUsage().heapUsed, inflight }) + '\n')
})
process.once('SIGTERM', async () => {
  const cpu = process.cpuUsage(cpuAtStart ?? undefined)
  const allocatedNow = allocated()
  const allocatedBytes = typeof allocatedNow === 'number' && typeof allocatedAtStart === 'number' ? allocatedNow - allocatedAtStart : undefined
  const profile = profiler === null ? undefined : await profiler.stop()
  await close()
  if (sdk !== null) await sdk.flush(5000)
  process.stdout.write(JSON.stringify({ cpuUs: cpu.user + cpu.system, userUs: cpu.user, systemUs: cpu.system, allocatedBytes, rssMiB: process.memoryUsage().rss / 2 ** 20, profile }) + '\n')
  process.exit(0)
})

/**
 * V8's sampling profiler on this thread (100 µs between samples: at 10–40 µs of CPU per request,
 * a run of ~100,000 requests gets ~20,000 samples), started at the timed run's mark; stop()
 * gives the profile split by part (bench/lib/profile-split.mjs), the SDK's part being the
 * samples in its dist/ directory.
 */
async function startProfiler () {
  const { Session } = await import('node:inspector/promises')
  const { splitProfile } = await import('../lib/profile-split.mjs')
  const { pathToFileURL } = await import('node:url')
  const { dirname } = await import('node:path')
  const sdkUrl = sdk === null || subject === 'sentry' ? null : pathToFileURL(dirname(require.resolve(process.env.BENCH_SDK_PATH ?? 'xrayradar'))).href + '/'
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  return {
    start: () => { session.post('Profiler.start').catch(() => {}) },
    stop: async () => {
      const { profile } = await session.post('Profiler.stop')
      session.disconnect()
      return splitProfile(profile, sdkUrl)
    }
  }
}
