// Server side of bench/request-cost: a trivial node:http, Express 5 or Fastify 5 app (GET
// /api/users/:id → small JSON), with no SDK, the SDK without default integrations, or the SDK
// with its defaults (httpIntegration). No framework error handler is set up: this measures
// the per-request cost of the default integrations alone. Prints {"port"}; SIGUSR2 marks the
// start of the timed run, SIGTERM its end (prints the CPU used in between).
import { createRequire } from 'node:module'
import http from 'node:http'
const require = createRequire(import.meta.url)
const { app, mode, dsn } = JSON.parse(process.argv[2] ?? '{}')

let sdk = null
if (mode !== 'none') {
  // BENCH_SDK_PATH: another build of the SDK (e.g. the one before a change), for before/after runs.
  sdk = require(process.env.BENCH_SDK_PATH ?? 'xrayradar')
  sdk.init({ dsn, spool: false, ...(mode === 'nodefaults' ? { defaultIntegrations: false } : {}) })
}

let close, port
if (app === 'node') {
  const server = http.createServer((req, res) => {
    const id = req.url.slice(req.url.lastIndexOf('/') + 1)
    const body = JSON.stringify({ id, name: 'user' })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections() })
  port = server.address().port
} else if (app === 'express') {
  const express = require('express')
  const a = express()
  const api = express.Router()
  api.get('/users/:id', (req, res) => { res.json({ id: req.params.id, name: 'user' }) })
  a.use('/api', api)
  const server = await new Promise((resolve) => { const s = a.listen(0, '127.0.0.1', () => resolve(s)) })
  close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections() })
  port = server.address().port
} else {
  const fastify = require('fastify')({ logger: false })
  await fastify.register(async (api) => {
    api.get('/users/:id', async (request) => ({ id: request.params.id, name: 'user' }))
  }, { prefix: '/api' })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  close = () => fastify.close()
  port = fastify.server.address().port
}
process.stdout.write(JSON.stringify({ port }) + '\n')

let cpuAtStart = null
process.on('SIGUSR2', () => { cpuAtStart = process.cpuUsage() })
process.once('SIGTERM', async () => {
  const cpu = process.cpuUsage(cpuAtStart ?? undefined)
  await close()
  if (sdk !== null) await sdk.close(2000)
  process.stdout.write(JSON.stringify({ cpuUs: cpu.user + cpu.system, userUs: cpu.user }) + '\n')
  process.exit(0)
})
