// Request data in log records and logger bindings gets the request rules (docs/privacy.md 4-6):
// pino with what pino-http binds to req.log (a child logger bound with pino-std-serializers'
// req serializer, as pino-http does), winston with the same data in a record, and request-shaped
// objects anywhere in user data (keys req, request, headers, remoteAddress, ip, ...). Without
// sendDefaultPii: no query, no client address, no cookie or authorization; with it, all of them.
import t from 'tap'
import { createRequire } from 'node:module'
import express from 'express'
import winston from 'winston'
import { pinoIntegration, winstonTransport } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { listen } from '../utils/servers.mjs'

const require = createRequire(import.meta.url)
const pino = require('pino')
const { req: reqSerializer } = require('pino-std-serializers')

const XFF = '203.0.113.77'
const QUERY_SECRET = 'qs4Vb8Nc1Xz'
const COOKIE = 'sid=ck7Hy2Lp0Qw'
const AUTH = 'Bearer az5Rt9Ke3Mn'
const REFERER = `https://shop.example/cart?coupon=${QUERY_SECRET}`
const PATH = `/checkout/7?ref=${QUERY_SECRET}&email=a@b.c`
const headers = { 'x-forwarded-for': XFF, cookie: COOKIE, authorization: AUTH, referer: REFERER, 'user-agent': 'curl/8' }
const REMOTE = '198.51.100.23'
// What pino-std-serializers' req serializer produces (pino-http's req binding), as JSON gives it back.
const SERIALIZED = { id: 1, method: 'GET', url: PATH, query: { ref: QUERY_SECRET, email: 'a@b.c' }, params: { id: '7' }, headers, remoteAddress: REMOTE, remotePort: 50123 }

/** No client address, query value, cookie or authorization anywhere in the event. */
function noRequestPii (t, e, where) {
  const json = JSON.stringify(e)
  for (const [what, s] of [['X-Forwarded-For', XFF], ['the query', QUERY_SECRET], ['the e-mail in the query', 'a@b.c'], ['the cookie', 'ck7Hy2Lp0Qw'], ['the authorization', 'az5Rt9Ke3Mn'], ['remoteAddress', REMOTE]]) {
    t.notOk(json.includes(s), `${where}: no ${what}`)
  }
}

/** The request object as the default rules leave it: everything else kept. */
function checkDefault (t, req, where, url = '/checkout/7') {
  t.equal(req.url, url, `${where}: url without its query`)
  t.equal(req.method, 'GET', `${where}: method kept`)
  t.notOk('query' in req, `${where}: no query object`)
  t.notOk('remoteAddress' in req, `${where}: no remoteAddress`)
  t.same(req.headers, { referer: 'https://shop.example/cart', 'user-agent': 'curl/8' }, `${where}: headers without client IP, cookie, authorization; the referer without its query`)
}

function checkPii (t, req, where) {
  t.equal(req.url, PATH, `${where}: url with its query`)
  t.same(req.query, { ref: QUERY_SECRET, email: 'a@b.c' }, `${where}: query`)
  t.equal(req.remoteAddress, REMOTE, `${where}: remoteAddress`)
  t.same(req.headers, headers, `${where}: every header as sent`)
}

t.test('pino: what pino-http binds to req.log (real express request, pino-std-serializers)', async (t) => {
  for (const pii of [false, true]) {
    t.test(`sendDefaultPii: ${pii}`, async (t) => {
      const { collector, client } = await setup(t, { sendDefaultPii: pii, integrations: [pinoIntegration()] })
      // pino-http's setup: a logger with the std req serializer, and per request a child bound to { req }.
      const logger = pino({ serializers: { req: reqSerializer } }, { write () {} })
      const app = express()
      app.use((req, res, next) => { req.id = 1; req.log = logger.child({ req }); next() })
      app.get('/checkout/:id', (req, res) => {
        req.log.info('loading cart')
        req.log.warn('cart slow')
        res.end('ok')
      })
      const { base } = await listen(t, app)
      const res = await fetch(`${base}${PATH}`, { headers })
      t.equal(await res.text(), 'ok')
      t.equal(await client.flush(5000), true)
      t.equal(collector.events.length, 1, 'the warning is an event')
      const e = collector.events[0]
      t.equal(e.message, 'cart slow')
      const req = e.contexts.extra.req
      t.ok(req !== null && typeof req === 'object', 'the bound request is in extra')
      t.ok('params' in req, 'route params kept')
      t.equal(req.id, 1)
      if (pii) {
        t.equal(req.url, PATH)
        t.same(req.query, { ref: QUERY_SECRET, email: 'a@b.c' })
        t.equal(req.remoteAddress, '127.0.0.1', 'remoteAddress (this test connects over loopback)')
        t.equal(req.headers['x-forwarded-for'], XFF)
        t.equal(req.headers.cookie, COOKIE)
        t.equal(req.headers.authorization, AUTH)
      } else {
        t.equal(req.url, '/checkout/7', 'url without its query')
        t.notOk('query' in req, 'no query object')
        t.notOk('remoteAddress' in req, 'no remoteAddress')
        t.equal(req.remotePort !== undefined, true, 'remotePort kept')
        const h = req.headers
        t.notOk('x-forwarded-for' in h || 'cookie' in h || 'authorization' in h, 'no client IP, cookie or authorization header')
        t.equal(h.referer, 'https://shop.example/cart', 'referer without its query')
        t.equal(h['user-agent'], 'curl/8')
        noRequestPii(t, e, 'pino event')
      }
    })
  }
})

t.test('pino: the serialized request in a record field and in bindings, breadcrumb and event', async (t) => {
  for (const pii of [false, true]) {
    const { collector, client } = await setup(t, { sendDefaultPii: pii, integrations: [pinoIntegration()] })
    const log = pino({ name: 'api' }, { write () {} }).child({ req: SERIALIZED })
    log.info({ req: SERIALIZED }, 'a record with the request')
    log.warn({ request: SERIALIZED }, 'bound and logged')
    t.equal(await client.flush(5000), true)
    const e = collector.events[0]
    const crumb = e.breadcrumbs.at(-1)
    t.equal(crumb.message, 'a record with the request')
    if (pii) {
      checkPii(t, e.contexts.extra.req, `pii, binding`)
      checkPii(t, e.contexts.extra.request, `pii, record under "request"`)
      checkPii(t, crumb.data.req, `pii, breadcrumb`)
    } else {
      checkDefault(t, e.contexts.extra.req, 'binding')
      checkDefault(t, e.contexts.extra.request, 'record under "request"')
      checkDefault(t, crumb.data.req, 'breadcrumb')
      noRequestPii(t, e, 'pino')
    }
    await client.close(100)
  }
})

t.test('winston: the same request data in records (pino shape and express-winston shape)', async (t) => {
  // express-winston's default request fields.
  const ew = { url: PATH, headers, method: 'GET', httpVersion: '1.1', originalUrl: PATH, query: { ref: QUERY_SECRET, email: 'a@b.c' } }
  for (const pii of [false, true]) {
    const { collector, client } = await setup(t, { sendDefaultPii: pii })
    const log = winston.createLogger({ level: 'info', transports: [winstonTransport()] })
    log.info('request in', { req: SERIALIZED })
    log.warn('request slow', { req: ew, remoteAddress: REMOTE })
    t.equal(await client.flush(5000), true)
    const e = collector.events[0]
    const crumb = e.breadcrumbs.at(-1)
    if (pii) {
      checkPii(t, crumb.data.req, 'winston breadcrumb, pii')
      t.equal(e.contexts.extra.req.originalUrl, PATH)
      t.equal(e.contexts.extra.remoteAddress, REMOTE)
    } else {
      checkDefault(t, crumb.data.req, 'winston breadcrumb')
      const req = e.contexts.extra.req
      t.equal(req.originalUrl, '/checkout/7', 'originalUrl without its query')
      t.equal(req.url, '/checkout/7')
      t.equal(req.httpVersion, '1.1')
      t.notOk('query' in req, 'no query')
      t.notOk('remoteAddress' in e.contexts.extra, 'no remoteAddress next to it')
      noRequestPii(t, e, 'winston')
    }
    await client.close(100)
  }
})

t.test('request-shaped data anywhere in user data: extra, contexts, tags, user data, request data', async (t) => {
  const addresses = { remoteAddress: REMOTE, remote_address: REMOTE, ip: REMOTE, clientIp: REMOTE, 'x-real-ip': REMOTE, region: 'eu' }
  const build = (client) => {
    client.setExtra('peer', addresses)
    client.setExtra('headers', headers)
    client.setContext('job', { request: { url: `https://api.example/v1?key=${QUERY_SECRET}`, headers } })
    client.setTag('ip', REMOTE)
    client.setUser({ id: 1, remote_address: REMOTE })
    client.setRequest({ url: 'https://x.example/', data: { req: SERIALIZED }, headers: { referer: REFERER } })
    client.captureMessage('m')
  }
  const { collector, client } = await setup(t)
  build(client)
  t.equal(await client.flush(5000), true)
  const e = collector.events[0]
  t.same(e.contexts.extra.peer, { region: 'eu' }, 'client-address keys go, the rest stays')
  t.same(e.contexts.extra.headers, { referer: 'https://shop.example/cart', 'user-agent': 'curl/8' }, 'an object under "headers" is request headers')
  t.same(e.contexts.job.request, { url: 'https://api.example/v1', headers: { referer: 'https://shop.example/cart', 'user-agent': 'curl/8' } })
  t.notOk('ip' in e.contexts.tags, 'an ip tag goes')
  t.same(e.contexts.user.data, {}, "the user's address goes")
  checkDefault(t, e.contexts.request.data.req, 'request data')
  t.equal(e.contexts.request.headers.referer, 'https://shop.example/cart', "the request's own referer loses its query")
  noRequestPii(t, e, 'user data')
  await client.close(100)

  const p = await setup(t, { sendDefaultPii: true })
  build(p.client)
  t.equal(await p.client.flush(5000), true)
  const q = p.collector.events[0]
  t.same(q.contexts.extra.peer, addresses, 'sendDefaultPii: every address')
  t.same(q.contexts.extra.headers, headers)
  t.equal(q.contexts.job.request.url, `https://api.example/v1?key=${QUERY_SECRET}`)
  t.equal(q.contexts.tags.ip, REMOTE)
  t.same(q.contexts.user.data, { remote_address: REMOTE })
  checkPii(t, q.contexts.request.data.req, 'request data, pii')
  t.equal(q.contexts.request.headers.referer, REFERER)
})
