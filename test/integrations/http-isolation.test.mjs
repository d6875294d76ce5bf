// httpIntegration, incoming side: each node:http request runs in its own isolation scope,
// also inside raw req.on('data'/'end') callbacks, with no data from another request or from
// the background; request data and one `http.server` breadcrumb per request.
import t from 'tap'
import http from 'node:http'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { getIsolationScope, scopeOfRequest } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { post, barrier, crumbMessages, HOLD_MS, checkDuration } from './http-helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { holdFor } from '../utils/time.mjs'
import { findByMessage } from '../utils/events.mjs'

const N = 24

t.test('N concurrent interleaved requests: zero cross-request data, no background breadcrumb', async (t) => {
  // Room for every background breadcrumb: none of the root's must be evicted for the counts below.
  const { collector, client } = await setup(t, { maxBreadcrumbs: 1000 })
  client.setTag('service', 'shop') // set before the requests: every request inherits it
  const root = getIsolationScope()
  const allBodiesRead = barrier(N)
  const wrongScope = []
  const { base } = await listen(t, (req, res) => {
    let body = ''
    // Raw body reading: these callbacks run in the socket's context unless the SDK binds them.
    req.on('data', (d) => {
      body += d
      if (getIsolationScope() !== scopeOfRequest(req) || getIsolationScope() === root) wrongScope.push(`data ${req.url}`)
    })
    req.on('end', async () => {
      if (getIsolationScope() !== scopeOfRequest(req) || getIsolationScope() === root) wrongScope.push(`end ${req.url}`)
      const id = body
      client.setUser({ id: `user-${id}` })
      client.setTag('request', id)
      client.addBreadcrumb({ message: `crumb-${id}-a` })
      await allBodiesRead() // every request is in flight with its own data set
      await sleep(Math.random() * 10)
      client.addBreadcrumb({ message: `crumb-${id}-b` })
      client.captureMessage(`event-${id}`)
      res.end(`done ${id}`)
    })
  })
  // Background breadcrumbs while the requests run, from outside any request.
  const ticker = setInterval(() => client.addBreadcrumb({ message: 'background' }), 5)
  const results = await Promise.all(Array.from({ length: N }, (_, i) => post(`${base}/r/${i}?token=secret${i}`, String(i))))
  clearInterval(ticker)
  client.addBreadcrumb({ message: 'background' })
  client.captureMessage('outside')
  t.equal(await client.flush(5000), true)

  t.same(results.map((r) => r.body), Array.from({ length: N }, (_, i) => `done ${i}`), 'every response unchanged')
  t.same(wrongScope, [], 'data and end callbacks ran in their request scope')
  t.equal(collector.events.length, N + 1)
  for (let i = 0; i < N; i++) {
    const e = findByMessage(collector.events, `event-${i}`)
    t.ok(e, `event ${i} arrived`)
    if (e === undefined) continue
    t.equal(e.contexts.user.id, `user-${i}`)
    t.same(e.contexts.tags, { service: 'shop', request: String(i) }, 'own tags plus the inherited one, nobody else\'s')
    t.equal(e.contexts.request.url, `${base}/r/${i}`, 'own request, query not in the url')
    t.equal(e.contexts.request.method, 'POST')
    t.same(crumbMessages(e), [`POST ${base}/r/${i}`, `crumb-${i}-a`, `crumb-${i}-b`], 'its incoming-request breadcrumb and its own, nothing else')
    t.notOk(JSON.stringify(e).includes(`secret${i}`), 'no query token without sendDefaultPii')
  }
  const outside = findByMessage(collector.events, 'outside')
  t.notOk(outside.contexts.user, 'no request user outside the requests')
  t.notOk(outside.contexts.request, 'no request data outside the requests')
  t.same(outside.contexts.tags, { service: 'shop' })
  t.ok(crumbMessages(outside).includes('background'), 'the background breadcrumbs stay in the background')
  t.notOk(crumbMessages(outside).some((m) => m.startsWith('crumb-')), 'no request breadcrumb leaked out')
  t.notOk(outside.breadcrumbs.some((b) => b.category === 'http.server'), 'no incoming-request breadcrumb outside its request')
  // The test's own POSTs were made from the root scope: their outgoing breadcrumbs belong there.
  t.equal(outside.breadcrumbs.filter((b) => b.category === 'http').length, N, 'the outgoing POSTs made outside any request are recorded outside')
  t.equal(getIsolationScope(), root, 'the test itself is still in the root scope')
})

t.test('the incoming breadcrumb gets status and duration when the response finishes', async (t) => {
  const { collector, client } = await setup(t)
  const { base } = await listen(t, async (req, res) => {
    client.captureMessage('before-finish')
    res.on('finish', () => client.captureMessage('after-finish'))
    res.statusCode = 201
    await holdFor(HOLD_MS)
    res.end('made')
  })
  const sent = Date.now()
  const r = await post(`${base}/things?a=1`, 'x')
  t.equal(r.status, 201)
  t.equal(await collector.waitForEvents(2, 5000), true)
  const before = findByMessage(collector.events, 'before-finish').breadcrumbs
  const after = findByMessage(collector.events, 'after-finish').breadcrumbs
  t.equal(before.length, 1)
  t.match(before[0], { type: 'http', category: 'http.server', message: `POST ${base}/things`, data: { method: 'POST', url: `${base}/things` } })
  t.notOk('status_code' in before[0].data, 'no status before the response was sent')
  t.equal(after.length, 1, 'the same breadcrumb, filled in (not a second one)')
  t.equal(after[0].data.status_code, 201)
  checkDuration(t, after[0].data, HOLD_MS, sent, 'the incoming breadcrumb')
})

t.test('the incoming breadcrumb is filled in also when only a fork of the request scope built it', async (t) => {
  // The request's scope holds its crumb without a list until something needs entries; a fork
  // (withScope) captured before the end is the first to list it. The end must still find the
  // crumb in the request's scope, and the fork's event keeps it as it was.
  const { collector, client } = await setup(t)
  const { withScope } = await import('xrayradar')
  const { base } = await listen(t, async (req, res) => {
    withScope(() => client.captureMessage('fork-before-finish'))
    res.on('finish', () => client.captureMessage('after-finish'))
    res.statusCode = 202
    await holdFor(HOLD_MS)
    res.end('ok')
  })
  const r = await post(`${base}/forked`, 'x')
  t.equal(r.status, 202)
  t.equal(await collector.waitForEvents(2, 5000), true)
  const fork = findByMessage(collector.events, 'fork-before-finish').breadcrumbs
  const after = findByMessage(collector.events, 'after-finish').breadcrumbs
  t.equal(fork.length, 1)
  t.notOk('status_code' in fork[0].data, 'the fork sent the crumb before the response')
  t.equal(after.length, 1, 'one crumb, filled in')
  t.equal(after[0].data.status_code, 202, 'the end filled in the crumb the fork had built')
  t.equal(after[0].timestamp, fork[0].timestamp, 'the same crumb')
})

t.test('sendDefaultPii keeps the query in the request data and the breadcrumb', async (t) => {
  const { collector, client } = await setup(t, { sendDefaultPii: true })
  const { base } = await listen(t, (req, res) => { client.captureMessage('pii'); res.end() })
  await post(`${base}/q?who=ann`, '')
  t.equal(await collector.waitForEvents(1, 5000), true)
  const e = collector.events[0]
  t.equal(e.contexts.request.query_string, 'who=ann')
  t.equal(e.breadcrumbs[0].data.url, `${base}/q?who=ann`)
})

t.test('checkContinue listeners run in the request scope', async (t) => {
  const { collector, client } = await setup(t)
  const { server, base } = await listen(t, (req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => { client.captureMessage(`continued-${body}`); res.end('ok') })
  })
  let inScope = null
  server.on('checkContinue', (req, res) => {
    inScope = scopeOfRequest(req) !== null && getIsolationScope() === scopeOfRequest(req)
    client.setTag('phase', 'continue')
    res.writeContinue()
    server.emit('request', req, res)
  })
  const r = await post(`${base}/upload`, 'payload', { expect: '100-continue' })
  t.equal(r.body, 'ok')
  t.equal(inScope, true, 'the checkContinue listener saw the request scope')
  t.equal(await collector.waitForEvents(1, 5000), true)
  const e = collector.events[0]
  t.equal(e.message, 'continued-payload')
  t.same(e.contexts.tags, { phase: 'continue' }, 'the tag set in checkContinue is on the request event')
  t.same(getIsolationScope().tags, {}, 'and not on the root scope')
})

t.test('a request emit reaches its listeners with its own this and arguments, in the scope, however many there are', async (t) => {
  await setup(t)
  const seen = []
  let hold
  const first = new Promise((resolve) => { hold = resolve })
  const { server, base } = await listen(t, function (req, res) {
    seen.push({ self: this, n: arguments.length, extra: arguments[2], inScope: scopeOfRequest(req) !== null && getIsolationScope() === scopeOfRequest(req) })
    if (seen.length === 1) hold([req, res]) // kept open: the test emits again from outside
  })
  const answer = post(`${base}/held`, '')
  const [req, res] = await first
  t.not(getIsolationScope(), scopeOfRequest(req), 'the test itself runs outside the request\'s scope')
  t.equal(server.emit('request', req, res, 'extra'), true, 'an emit with another count of arguments returns what the original returns')
  t.equal(server.emit('request', req, res), true, 'and one with (req, res)')
  t.equal(server.emit('checkExpectation', req, res), false, 'an event without listeners: false, as without the SDK')
  res.end('ok')
  t.equal((await answer).body, 'ok')
  t.same(seen.map((s) => [s.n, s.extra, s.inScope, s.self === server]), [
    [2, undefined, true, true],
    [3, 'extra', true, true],
    [2, undefined, true, true]
  ], 'each emit: its arguments as emitted, this the server, in the request\'s scope')
})

t.test('keep-alive and pipelined requests on one socket never inherit an earlier request\'s data', async (t) => {
  const { collector, client } = await setup(t)
  const { base, server } = await listen(t, (req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      const inherited = getIsolationScope().user?.id ?? 'none'
      client.setUser({ id: `user-${body}` })
      client.setTag('seq', body)
      client.captureMessage(`event-${body} inherited ${inherited}`)
      setTimeout(() => res.end(body), 2)
    })
  })
  // Sequential requests on one kept-alive socket.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const sockets = new Set()
  for (const id of ['k1', 'k2', 'k3']) {
    await new Promise((resolve, reject) => {
      const req = http.request(`${base}/k`, { method: 'POST', agent }, (res) => { sockets.add(res.socket); res.resume(); res.on('end', resolve) })
      req.on('error', reject)
      req.end(id)
    })
  }
  t.equal(sockets.size, 1, 'the three requests shared one socket')
  // Pipelined: two requests in one write, parsed back to back.
  const port = server.address().port
  const raw = await new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1')
    let got = ''
    s.on('data', (d) => { got += d; if ((got.match(/HTTP\/1\.1 200/g) ?? []).length === 2) { s.end(); resolve(got) } })
    s.on('error', reject)
    const one = (id) => `POST /p HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${id.length}\r\n\r\n${id}`
    s.write(one('p1') + one('p2'))
  })
  t.match(raw, /HTTP\/1\.1 200/)
  t.equal(await collector.waitForEvents(5, 5000), true)
  for (const id of ['k1', 'k2', 'k3', 'p1', 'p2']) {
    const e = collector.events.find((x) => x.message.startsWith(`event-${id} `))
    t.equal(e?.message, `event-${id} inherited none`, `${id} started with no earlier request's user`)
    t.equal(e?.contexts.user.id, `user-${id}`)
    t.same(e?.contexts.tags, { seq: id })
  }
})

t.test('checkExpectation listeners run in the request scope', async (t) => {
  const { collector, client } = await setup(t)
  const { server, base } = await listen(t, (req, res) => res.end('not here'))
  server.on('checkExpectation', (req, res) => {
    client.setTag('expect', String(req.headers.expect))
    client.captureMessage(`expectation-${scopeOfRequest(req) !== null && getIsolationScope() === scopeOfRequest(req)}`)
    res.statusCode = 417
    res.end('no')
  })
  const r = await post(`${base}/x`, '', { expect: 'something-else' })
  t.equal(r.status, 417, 'the app\'s answer unchanged')
  t.equal(await collector.waitForEvents(1, 5000), true)
  t.equal(collector.events[0].message, 'expectation-true')
  t.same(collector.events[0].contexts.tags, { expect: 'something-else' })
  t.same(getIsolationScope().tags, {}, 'not on the root scope')
})
