// httpIntegration on node:http2 servers: each stream (compat 'request' and raw 'stream'
// events) runs in its own isolation scope, also inside req/stream 'data'/'end' callbacks,
// with the request data and one `http.server` breadcrumb; nothing after the last close().
import t from 'tap'
import http2 from 'node:http2'
import https from 'node:https'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { ErrorTracker, getIsolationScope, httpIntegration, scopeOfRequest } from 'xrayradar'
import { setup, TOKEN } from '../helpers.mjs'
import { barrier, crumbMessages, HOLD_MS, checkDuration } from './http-helpers.mjs'
import { findByMessage } from '../utils/events.mjs'
import { holdFor } from '../utils/time.mjs'

const N = 20

/** An http2 server on 127.0.0.1 port 0 and one client session to it (both closed at teardown). */
async function listen2 (t, server, scheme = 'http') {
  const sessions = new Set()
  server.on('session', (s) => sessions.add(s))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `${scheme}://127.0.0.1:${server.address().port}`
  const client = http2.connect(base, { rejectUnauthorized: false })
  client.on('error', () => {})
  t.teardown(() => new Promise((resolve) => {
    client.close()
    for (const s of sessions) s.destroy()
    server.close(() => resolve())
  }))
  return { base, client }
}

/** One POST stream on the session; resolves with status and body. */
function request2 (client, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const s = client.request({ ':method': 'POST', ':path': urlPath, 'content-type': 'text/plain', ...headers })
    let status = 0
    let text = ''
    s.setEncoding('utf8')
    s.on('response', (h) => { status = h[':status'] })
    s.on('data', (d) => { text += d })
    s.on('end', () => resolve({ status, body: text }))
    s.on('error', reject)
    // Written in two parts: the body arrives in more than one 'data' callback.
    s.write(body.slice(0, 1))
    setTimeout(() => s.end(body.slice(1)), Math.random() * 5)
  })
}

function checkEvents (t, collector, base, label) {
  for (let i = 0; i < N; i++) {
    const e = findByMessage(collector.events, `${label}-event-${i}`)
    t.ok(e, `${label} event ${i} arrived`)
    if (e === undefined) continue
    t.equal(e.contexts.user?.id, `user-${i}`, `${label} ${i}: its own user`)
    t.same(e.contexts.tags, { service: 'shop', request: `${i}x` }, `${label} ${i}: own tags plus the inherited one`)
    t.same(crumbMessages(e), [`POST ${base}/r/${i}`, `crumb-${i}-a`, `crumb-${i}-b`], `${label} ${i}: its incoming breadcrumb and its own, nothing else`)
    t.match(e.breadcrumbs[0], { type: 'http', category: 'http.server', data: { method: 'POST', url: `${base}/r/${i}` } })
    t.equal(e.contexts.request?.url, `${base}/r/${i}`, `${label} ${i}: own request url, no query`)
    t.equal(e.contexts.request?.method, 'POST')
    t.equal(e.contexts.request?.headers?.['content-type'], 'text/plain')
    t.notOk(Object.keys(e.contexts.request?.headers ?? {}).some((k) => k.startsWith(':')), 'no pseudo-header (:path carries the query)')
    t.notOk(JSON.stringify(e).includes(`secret${i}`), 'no query token without sendDefaultPii')
  }
  const outside = findByMessage(collector.events, `${label}-outside`)
  t.notOk(outside.contexts.user, 'no request user outside the requests')
  t.notOk(outside.contexts.request, 'no request data outside the requests')
  t.same(outside.contexts.tags, { service: 'shop' })
  t.ok(crumbMessages(outside).includes('background'), 'the background breadcrumbs stay in the background')
  t.notOk(crumbMessages(outside).some((m) => m.startsWith('crumb-') || m.startsWith('POST ')), 'no request breadcrumb leaked out')
}

/** Notes in wrongScope a callback of this stream (req or stream) that ran outside the stream's own scope. */
function checkScope (wrongScope, root, stream, what) {
  if (getIsolationScope() !== scopeOfRequest(stream) || getIsolationScope() === root) wrongScope.push(what)
}

/**
 * A stream's work once its body ("<id>x") is read, in its scope: its own user, tag and
 * breadcrumbs, the N streams all in flight at once, then its event; resolves with its id.
 */
async function streamWork (client, label, body, allBodiesRead) {
  const id = body.slice(0, -1)
  client.setUser({ id: `user-${id}` })
  client.setTag('request', body)
  client.addBreadcrumb({ message: `crumb-${id}-a` })
  await allBodiesRead()
  await sleep(Math.random() * 10) // they finish in a random order
  client.addBreadcrumb({ message: `crumb-${id}-b` })
  client.captureMessage(`${label}-event-${id}`)
  return id
}

/**
 * N concurrent streams against server while the background adds breadcrumbs, then one capture
 * outside them; every response, the scope seen in the stream's callbacks and every event checked.
 */
async function loadAndCheck (t, { collector, client, server, label, wrongScope, callbacks }) {
  const { base, client: h2 } = await listen2(t, server)
  const ticker = setInterval(() => client.addBreadcrumb({ message: 'background' }), 5)
  const results = await Promise.all(Array.from({ length: N }, (_, i) => request2(h2, `/r/${i}?token=secret${i}`, `${i}x`)))
  clearInterval(ticker)
  client.addBreadcrumb({ message: 'background' })
  client.captureMessage(`${label}-outside`)
  t.equal(await client.flush(5000), true)
  t.same(results.map((r) => r.body), Array.from({ length: N }, (_, i) => `done ${i}`), 'every response unchanged')
  t.same(wrongScope, [], `${callbacks} ran in their stream scope`)
  t.equal(collector.events.length, N + 1)
  checkEvents(t, collector, base, label)
}

t.test('compat API: 20 concurrent streams on one session, each in its own scope', async (t) => {
  const { collector, client } = await setup(t, { maxBreadcrumbs: 1000 })
  client.setTag('service', 'shop')
  const root = getIsolationScope()
  const allBodiesRead = barrier(N)
  const wrongScope = []
  const methods = []
  const server = http2.createServer((req, res) => {
    methods.push(`${req.method} ${req.url}`)
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d) => {
      body += d
      checkScope(wrongScope, root, req, `data ${req.url}`)
    })
    req.on('end', async () => {
      checkScope(wrongScope, root, req, `end ${req.url}`)
      const id = await streamWork(client, 'compat', body, allBodiesRead)
      res.end(`done ${id}`)
    })
  })
  await loadAndCheck(t, { collector, client, server, label: 'compat', wrongScope, callbacks: 'req data and end callbacks' })
  t.equal(methods.length, N)
  t.equal(getIsolationScope(), root, 'the test itself is still in the root scope')
})

t.test('raw stream events: 20 concurrent streams, each in its own scope', async (t) => {
  const { collector, client } = await setup(t, { maxBreadcrumbs: 1000 })
  client.setTag('service', 'shop')
  const root = getIsolationScope()
  const allBodiesRead = barrier(N)
  const wrongScope = []
  const server = http2.createServer()
  server.on('stream', (stream, headers) => {
    let body = ''
    stream.setEncoding('utf8')
    stream.on('data', (d) => {
      body += d
      checkScope(wrongScope, root, stream, `data ${headers[':path']}`)
    })
    stream.on('end', async () => {
      checkScope(wrongScope, root, stream, `end ${headers[':path']}`)
      const id = await streamWork(client, 'raw', body, allBodiesRead)
      stream.respond({ ':status': 200 })
      stream.end(`done ${id}`)
    })
  })
  await loadAndCheck(t, { collector, client, server, label: 'raw', wrongScope, callbacks: 'stream data and end callbacks' })
})

t.test('the incoming breadcrumb gets the status when the stream finishes; sendDefaultPii keeps the query', async (t) => {
  const { collector, client } = await setup(t, { sendDefaultPii: true })
  const server = http2.createServer(async (req, res) => {
    client.captureMessage('before-finish')
    res.on('finish', () => client.captureMessage('after-finish'))
    req.resume()
    res.statusCode = 201
    await holdFor(HOLD_MS)
    res.end('made')
  })
  const { base, client: h2 } = await listen2(t, server)
  const sent = Date.now()
  const r = await request2(h2, '/things?who=ann', 'x')
  t.equal(r.status, 201)
  t.equal(await collector.waitForEvents(2, 5000), true)
  const before = findByMessage(collector.events, 'before-finish')
  const after = findByMessage(collector.events, 'after-finish')
  t.equal(before.breadcrumbs.length, 1)
  t.match(before.breadcrumbs[0], { message: `POST ${base}/things?who=ann`, data: { url: `${base}/things?who=ann` } })
  t.notOk('status_code' in before.breadcrumbs[0].data, 'no status before the response was sent')
  t.equal(after.breadcrumbs.length, 1, 'the same breadcrumb, filled in')
  t.equal(after.breadcrumbs[0].data.status_code, 201)
  checkDuration(t, after.breadcrumbs[0].data, HOLD_MS, sent, 'the incoming breadcrumb')
  t.equal(before.contexts.request.query_string, 'who=ann')
  t.equal(before.contexts.request.url, `${base}/things?who=ann`)
})

t.test("a stream's request data built only after it finished: its url, headers and socket addresses as kept", async (t) => {
  const { collector, client } = await setup(t, { sendDefaultPii: true })
  const server = http2.createServer((req, res) => {
    // The only capture comes after the end: nothing built the request data before it.
    res.on('finish', () => setImmediate(() => client.captureMessage('only-after')))
    req.resume()
    res.end('ok')
  })
  const { base, client: h2 } = await listen2(t, server)
  t.equal((await request2(h2, '/late', 'x')).status, 200)
  t.equal(await collector.waitForEvents(1, 5000), true)
  const r = findByMessage(collector.events, 'only-after').contexts.request
  t.equal(r.url, `${base}/late`)
  t.equal(r.headers['content-type'], 'text/plain')
  t.equal(r.env.SERVER_PORT, new URL(base).port, "the socket's addresses, copied when the stream finished")
  t.equal(r.env.REMOTE_ADDR, '127.0.0.1')
})

t.test('createSecureServer (allowHTTP1): streams and HTTP/1.1 requests are isolated too', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xr-h2-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore', timeout: 20000 })
  } catch {
    t.skip('openssl is not available to make a test certificate')
    return
  }
  const { collector, client } = await setup(t)
  const server = http2.createSecureServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')), allowHTTP1: true }, (req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', async () => {
      client.setUser({ id: body })
      await sleep(Math.random() * 10)
      client.captureMessage(`tls-${body}`)
      res.end(body)
    })
  })
  const { base, client: h2 } = await listen2(t, server, 'https')
  const h1 = (id) => new Promise((resolve, reject) => {
    const req = https.request(`${base}/s/${id}`, { method: 'POST', rejectUnauthorized: false, agent: false }, (res) => { res.resume(); res.on('end', resolve) })
    req.on('error', reject)
    req.end(id)
  })
  await Promise.all([...['a', 'b', 'c', 'd'].map((id) => request2(h2, `/s/${id}`, id)), h1('e'), h1('f')])
  t.equal(await collector.waitForEvents(6, 5000), true)
  for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
    const e = findByMessage(collector.events, `tls-${id}`)
    t.equal(e?.contexts.user?.id, id)
    t.equal(e?.contexts.request?.url, `${base}/s/${id}`, 'https scheme from the TLS socket')
    t.same(crumbMessages(e), [`POST ${base}/s/${id}`])
  }
  t.notOk(getIsolationScope().user, 'no user on the root scope')
})

t.test('ignoreIncomingRequests gets the :path and a request view; after the last close() streams are left alone', async (t) => {
  const calls = []
  const { collector, client } = await setup(t, {
    integrations: [httpIntegration({ ignoreIncomingRequests: (url, req) => { calls.push([url, req.method, req.headers['content-type']]); return url.startsWith('/health') } })]
  })
  const seen = []
  const server = http2.createServer((req, res) => {
    seen.push({ url: req.url, scoped: scopeOfRequest(req) !== null, inScope: scopeOfRequest(req) !== null && getIsolationScope() === scopeOfRequest(req) })
    req.resume()
    req.on('end', () => { client.captureMessage(`m-${req.url}`); res.end('ok') })
  })
  const { base, client: h2 } = await listen2(t, server)
  await request2(h2, '/health?deep=1', 'h')
  await request2(h2, '/work', 'w')
  t.same(calls, [['/health?deep=1', 'POST', 'text/plain'], ['/work', 'POST', 'text/plain']])
  t.same(seen.map((s) => s.scoped), [false, true], 'ignored: no scope')
  t.equal(seen[1].inScope, true)
  t.equal(await collector.waitForEvents(2, 5000), true)
  t.notOk(findByMessage(collector.events, 'm-/health?deep=1').contexts.request, 'no request data on the ignored stream\'s event')
  t.equal(findByMessage(collector.events, 'm-/work').contexts.request.url, `${base}/work`)
  await client.close(100)
  const r = await request2(h2, '/after', 'z')
  t.equal(r.body, 'ok', 'answer unchanged after the last close()')
  t.same(seen[2], { url: '/after', scoped: false, inScope: false }, 'no scope after the last close()')
  // A later client isolates the same (already seen) server again.
  const again = new ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false })
  await request2(h2, '/again', 'y')
  await again.close(100)
  t.equal(seen[3].inScope, true, 'a new client after the last close() isolates again')
})

t.test('Fastify with http2: true: each failing stream reported with its own request and user', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { setupFastifyErrorHandler } = await import('xrayradar')
  const { collector, client } = await setup(t)
  const app = Fastify({ http2: true, logger: false })
  setupFastifyErrorHandler(app, { client })
  app.get('/users/:id', async (req) => {
    client.setUser({ id: `u${req.params.id}` })
    client.addBreadcrumb({ message: `crumb-${req.params.id}` })
    await sleep(Math.random() * 10)
    throw new Error(`fail ${req.params.id}`)
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${app.server.address().port}`
  const h2 = http2.connect(base)
  t.teardown(() => h2.close())
  const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => new Promise((resolve, reject) => {
    const s = h2.request({ ':path': `/users/${i}` })
    s.on('response', (h) => { s.resume(); s.on('end', () => resolve(h[':status'])) })
    s.on('error', reject)
    s.end()
  })))
  t.same(statuses, Array(10).fill(500))
  t.equal(await collector.waitForEvents(10, 5000), true)
  for (let i = 0; i < 10; i++) {
    const e = collector.events.find((x) => x.exception?.values?.[0]?.value === `fail ${i}`)
    t.equal(e?.contexts.user?.id, `u${i}`, `stream ${i}: its own user`)
    t.equal(e?.contexts.request?.url, `${base}/users/${i}`)
    t.same(crumbMessages(e), [`GET ${base}/users/${i}`, `crumb-${i}`], `stream ${i}: its own breadcrumbs only`)
  }
})

t.test('a session accepted before the first client: found at its next stream on Node 22+, at the next connection on Node 20', async (t) => {
  const seen = []
  const server = http2.createServer((req, res) => {
    seen.push(scopeOfRequest(req) !== null && getIsolationScope() === scopeOfRequest(req))
    req.resume()
    res.end('ok')
  })
  const { base, client: early } = await listen2(t, server)
  await request2(early, '/before', 'a') // no client yet: the SDK is not listening
  await setup(t)
  await request2(early, '/same-session', 'b')
  const late = http2.connect(base)
  t.teardown(() => late.close())
  await request2(late, '/new-session', 'c')
  await request2(early, '/same-session-again', 'd')
  const major = Number(process.versions.node.split('.')[0])
  t.equal(seen[0], false, 'before any client: left alone')
  // Node 20 has no http2 channel: the server is found at its next connection.
  t.same(seen.slice(1), major >= 22 ? [true, true, true] : [false, true, true], 'isolated once the server is found')
})
