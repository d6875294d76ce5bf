// httpIntegration's life: on by default (also when init() runs after the server exists),
// shared by clients and off after the last close() with the servers still answering the
// same; ignoreIncomingRequests, breadcrumbs: false, defaultIntegrations: false, bad options.
import t from 'tap'
import { IncomingMessage, ServerResponse } from 'node:http'
import { EventEmitter } from 'node:events'
import { Readable } from 'node:stream'
import { init, close, captureMessage, ErrorTracker, httpIntegration, getDefaultIntegrations, getIsolationScope, scopeOfRequest, ConfigurationError } from 'xrayradar'
import { setup, TOKEN } from '../helpers.mjs'
import { post, crumbMessages } from './http-helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { findByMessage } from '../utils/events.mjs'

const ROOT = getIsolationScope()

/** A server that notes, per request, whether it had a scope and whether its handler ran in it. */
async function probeServer (t, onRequest = () => {}) {
  const seen = []
  const { server, base } = await listen(t, (req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      const scope = scopeOfRequest(req)
      seen.push({ url: req.url, scoped: scope !== null, inScope: scope !== null && getIsolationScope() === scope, ownEmit: Object.hasOwn(req, 'emit'), atRoot: getIsolationScope() === ROOT })
      onRequest(req, body)
      res.setHeader('x-app', 'yes')
      res.statusCode = 202
      res.end(`echo ${body}`)
    })
  })
  return { server, base, seen }
}

t.test('init() after the server exists: its requests are isolated from then on', async (t) => {
  const { base, seen } = await probeServer(t, (req, body) => captureMessage(`m-${body}`))
  const before = await post(`${base}/a`, '1')
  const { collector } = await setup(t) // only for the collector; its client is closed below
  const client = init({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false })
  t.teardown(() => close(100))
  const after = await post(`${base}/b`, '2')
  t.same([before.status, before.body], [202, 'echo 1'])
  t.same([after.status, after.body], [202, 'echo 2'], 'same response with the SDK')
  t.same(seen.map((s) => s.scoped), [false, true], 'no scope before init(), one after')
  t.equal(seen[1].inScope, true, 'the end callback ran in the request scope')
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1, 'the capture before init() was not sent')
  t.equal(collector.events[0].message, 'm-2')
  t.equal(collector.events[0].contexts.request.url, `${base}/b`)
})

t.test('ref-counted: isolation holds until the last client closes, then wrappers pass through', async (t) => {
  const { collector, client } = await setup(t)
  const other = new ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false })
  const { server, base, seen } = await probeServer(t)
  let continueScoped = null
  server.on('checkContinue', (req, res) => {
    continueScoped = scopeOfRequest(req) !== null
    res.writeContinue()
    server.emit('request', req, res)
  })
  await post(`${base}/a`, 'a')
  await other.close(100)
  await post(`${base}/b`, 'b')
  const wrapped = IncomingMessage.prototype.on
  const wrappedOnce = ServerResponse.prototype.once
  const responseEmit = ServerResponse.prototype.emit
  t.equal(IncomingMessage.prototype.emit, EventEmitter.prototype.emit, 'while a client is open, a request\'s emit is EventEmitter\'s: listeners are bound when added')
  t.equal(responseEmit, EventEmitter.prototype.emit, 'and a response\'s: its end comes from Node\'s channel')
  await client.close(100)
  t.not(wrapped, Readable.prototype.on, 'while a client was open, IncomingMessage\'s on() was the SDK\'s')
  t.not(wrappedOnce, EventEmitter.prototype.once, 'and ServerResponse\'s once()')
  for (const m of ['on', 'addListener', 'prependListener', 'once', 'prependOnceListener']) {
    t.equal(Object.hasOwn(IncomingMessage.prototype, m), false, `after the last close(), IncomingMessage inherits ${m}() again`)
    t.equal(ServerResponse.prototype[m], EventEmitter.prototype[m], `and ServerResponse's ${m}() is EventEmitter's`)
  }
  t.equal(ServerResponse.prototype.emit, EventEmitter.prototype.emit, 'and its emit')
  const c = await post(`${base}/c`, 'c', { expect: '100-continue' })
  const d = await post(`${base}/d`, 'd')
  t.same([c.status, c.body, d.status, d.body], [202, 'echo c', 202, 'echo d'], 'answers unchanged after the last close()')
  t.same(seen.map((s) => s.scoped), [true, true, false, false], 'isolated while a client was open, not after the last close()')
  t.same(seen.map((s) => s.ownEmit), [false, false, false, false], 'no per-request wrapping, before or after close() (one wrapper on the prototype)')
  t.same(seen.map((s) => s.atRoot), [false, false, true, true], 'after close() handlers run where Node runs them (the root scope here)')
  t.equal(continueScoped, false, 'checkContinue after close(): no scope')
  // A later client turns it back on for the already-wrapped server.
  const again = new ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false })
  t.not(IncomingMessage.prototype.on, Readable.prototype.on, 'a new client installs the prototype wrappers again')
  await post(`${base}/e`, 'e')
  await again.close(100)
  t.equal(IncomingMessage.prototype.on, Readable.prototype.on, 'and takes them off at its close()')
  t.equal(seen[4].scoped, true, 'a new client after the last close() isolates again')
  t.equal(seen[4].inScope, true)
})

t.test('ignoreIncomingRequests: ignored requests get no scope, no request data, no breadcrumb', async (t) => {
  const calls = []
  const { collector, client } = await setup(t, {
    integrations: [httpIntegration({ ignoreIncomingRequests: (url, req) => { calls.push([url, req.method]); if (url === '/boom') throw new Error('filter bug'); return url.startsWith('/health') } })]
  })
  const { base, seen } = await probeServer(t, (req, body) => client.captureMessage(`m-${body}`))
  await post(`${base}/health?deep=1`, 'h')
  await post(`${base}/work`, 'w')
  await post(`${base}/boom`, 'b')
  t.same(calls, [['/health?deep=1', 'POST'], ['/work', 'POST'], ['/boom', 'POST']], 'called with req.url (path and query) and the request')
  t.same(seen.map((s) => s.scoped), [false, true, true], 'ignored: no scope; a throwing filter keeps the request isolated')
  t.equal(await collector.waitForEvents(3, 5000), true)
  const health = findByMessage(collector.events, 'm-h')
  t.notOk(health.contexts.request, 'no request data on the ignored request\'s event')
  t.notOk(health.breadcrumbs.some((b) => b.category === 'http.server'), 'no incoming breadcrumb for it')
  t.equal(findByMessage(collector.events, 'm-w').contexts.request.url, `${base}/work`)
})

t.test('breadcrumbs: false keeps isolation and request data, records no http breadcrumb', async (t) => {
  const { collector, client } = await setup(t, { integrations: [httpIntegration({ breadcrumbs: false })] })
  const { base, seen } = await probeServer(t, async (req, body) => {
    client.addBreadcrumb({ message: 'mine' })
    client.captureMessage(`m-${body}`)
  })
  await post(`${base}/x`, 'x')
  t.equal(await collector.waitForEvents(1, 5000), true)
  t.equal(seen[0].inScope, true)
  const e = collector.events[0]
  t.equal(e.contexts.request.url, `${base}/x`)
  t.same(crumbMessages(e), ['mine'], 'only the user\'s breadcrumb')
  client.captureMessage('outside')
  await client.flush(5000)
  t.notOk(findByMessage(collector.events, 'outside').breadcrumbs?.some((b) => b.type === 'http'), 'the outgoing POST made no breadcrumb either')
})

t.test('on by default; defaultIntegrations: false leaves requests alone', async (t) => {
  t.ok(getDefaultIntegrations().some((i) => i.name === 'Http'), 'Http is a default integration')
  await setup(t, { defaultIntegrations: false })
  const { base, seen } = await probeServer(t)
  const r = await post(`${base}/x`, 'x')
  t.equal(r.body, 'echo x')
  t.same(seen.map((s) => s.scoped), [false])
})

t.test('bad options are refused with the fix', async (t) => {
  t.throws(() => httpIntegration('yes'), ConfigurationError)
  t.throws(() => httpIntegration({ ignoreIncomingRequests: '/health' }), { code: 'XRAYRADAR_CONFIG', message: /must be a function \(url, request\) => boolean/ })
  t.throws(() => httpIntegration({ breadcrumbs: 'no' }), { message: /breadcrumbs }\) must be true or false/ })
  t.equal(httpIntegration().name, 'Http')
})
