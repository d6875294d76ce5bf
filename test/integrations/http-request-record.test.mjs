// httpIntegration builds a request's data and its incoming breadcrumb only when an event
// needs them (issue 10: per-request cost). What an event shows must not depend on when it
// was built: req.url as it was at the start (Express rewrites it while routing), the
// crumb's status and duration once the response finished, the socket's addresses after
// the connection closed.
import t from 'tap'
import http from 'node:http'
import net from 'node:net'
import dc from 'node:diagnostics_channel'
import * as xr from 'xrayradar'
import { setup, runFixture, TOKEN } from '../helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { holdFor } from '../utils/time.mjs'
import { HOLD_MS, checkDuration } from './http-helpers.mjs'
import { findByMessage } from '../utils/events.mjs'

/** GET with its own connection (closed after the response): resolves with status and body. */
function get (url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode, body: text }))
    }).on('error', reject)
  })
}

const incoming = (e) => (e.breadcrumbs ?? []).filter((b) => b.category === 'http.server')

t.test('request data and the incoming crumb read the same before and after the response', async (t) => {
  const { collector, client } = await setup(t)
  let afterDone
  const after = new Promise((resolve) => { afterDone = resolve })
  let pending = 2
  const { server, base } = await listen(t, async (req, res) => {
    const name = req.url.slice(1)
    // A router rewriting req.url (as Express does for mounted routers): the event keeps the original.
    req.url = '/rewritten'
    if (name === 'during-and-after') client.captureMessage(`during ${name}`)
    res.on('finish', () => setImmediate(() => {
      // After 'finish' (and, for Connection: close, after the socket is gone).
      setTimeout(() => { client.captureMessage(`after ${name}`); if (--pending === 0) afterDone() }, 20)
    }))
    res.statusCode = 201
    await holdFor(HOLD_MS)
    res.end(`ok ${name}`)
  })
  const port = String(server.address().port)
  const sent = Date.now()
  const r1 = await get(`${base}/during-and-after`, { 'x-probe': 'one' })
  const r2 = await get(`${base}/only-after`, { 'x-probe': 'two' })
  t.same([r1, r2], [{ status: 201, body: 'ok during-and-after' }, { status: 201, body: 'ok only-after' }], 'the app answers as written')
  await after
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 3, 'three events, no more')

  const during = findByMessage(collector.events, 'during during-and-after')
  const after1 = findByMessage(collector.events, 'after during-and-after')
  const after2 = findByMessage(collector.events, 'after only-after')
  t.ok(during && after1 && after2, 'each capture arrived')
  t.equal(findByMessage(collector.events, 'during only-after'), undefined, 'no capture that did not happen')

  for (const [e, path, probe] of [[during, 'during-and-after', 'one'], [after1, 'during-and-after', 'one'], [after2, 'only-after', 'two']]) {
    const r = e.contexts.request
    t.equal(r.url, `${base}/${path}`, `${e.message}: the url as the request started`)
    t.equal(r.method, 'GET')
    t.equal(r.headers['x-probe'], probe, `${e.message}: its own request's headers`)
    t.equal(r.env.SERVER_PORT, port, `${e.message}: socket data kept after the connection closed`)
    t.notMatch(JSON.stringify(e), /rewritten/, `${e.message}: nothing from the rewritten url`)
    const crumbs = incoming(e)
    t.equal(crumbs.length, 1, `${e.message}: one incoming crumb, its own`)
    t.equal(crumbs[0].message, `GET ${base}/${path}`)
    t.same([crumbs[0].data.method, crumbs[0].data.url], ['GET', `${base}/${path}`])
  }
  // Captured before the response: no status yet (the event was built then).
  t.equal(incoming(during)[0].data.status_code, undefined, 'no status before the response')
  t.equal(incoming(during)[0].data.duration_ms, undefined, 'no duration before the response')
  // Captured after: filled in, whether the crumb was built before (amended) or only now.
  for (const e of [after1, after2]) {
    t.equal(incoming(e)[0].data.status_code, 201, `${e.message}: status filled in`)
    checkDuration(t, incoming(e)[0].data, HOLD_MS, sent, e.message)
  }
  t.equal(incoming(during)[0].timestamp, incoming(after1)[0].timestamp, 'the same crumb, recorded when the request started')
})

t.test("the SDK never makes Node build req.headers for a request that raises nothing; an event gets them as the request has them, during and after the response", async (t) => {
  const { collector, client } = await setup(t)
  // IncomingMessage's headers getter builds the object on its first read: count the reads made
  // by the SDK's own files (the getter's caller, the stack's second frame: the app's handler runs
  // under the SDK's emit wrapper, so deeper frames are the SDK's for every read).
  let sdkReads = 0
  class CountingMessage extends http.IncomingMessage {
    get headers () {
      // dist/ as run, src/ where tap maps the stack through the source maps.
      if (/[\\/](dist|src)[\\/](integrations|capture)[\\/]/.test(new Error().stack.split('\n')[2] ?? '')) sdkReads++
      return super.headers
    }
  }
  const afterEnd = []
  let nodeMade = null
  const handler = (req, res) => {
    const name = req.url.slice(1)
    if (name === 'compare') nodeMade = JSON.parse(JSON.stringify(req.headers)) // Node's own object, for comparison
    if (name === 'during' || name === 'after') {
      // The app changes one header and removes another (as an app hiding a value would).
      req.headers['x-changed'] = 'by the app'
      delete req.headers['x-hidden']
    }
    if (name === 'during') client.captureMessage('during')
    if (name === 'after' || name === 'raw' || name === 'joined') {
      afterEnd.push(new Promise((resolve) => res.on('finish', () => setTimeout(() => { client.captureMessage(name); resolve() }, 20))))
    }
    res.end('ok')
  }
  const { base } = await listen(t, http.createServer({ IncomingMessage: CountingMessage }, handler))
  const joining = await listen(t, http.createServer({ IncomingMessage: CountingMessage, joinDuplicateHeaders: true }, handler))
  // Repeated lines: Node joins some (x-dup), keeps the first of others (user-agent).
  const sent = { 'x-dup': ['a', 'b'], 'user-agent': ['first', 'second'], 'x-probe': 'p', 'x-changed': 'as sent', 'x-hidden': 'hide-me' }
  await get(`${base}/quiet`, sent)
  t.equal(sdkReads, 0, 'a request that raises nothing: the SDK did not read req.headers')
  await get(`${base}/during`, sent)
  const during = sdkReads
  t.ok(during >= 1, 'an event during the request reads them from req')
  await get(`${base}/compare`, sent)
  await get(`${base}/after`, sent)
  await get(`${base}/raw`, sent)
  await get(`${joining.base}/joined`, sent)
  await Promise.all(afterEnd)
  t.equal(sdkReads, during, 'the end of a request and events after it do not read req.headers')
  t.equal(await client.flush(5000), true)
  const ev = (m) => findByMessage(collector.events, m)?.contexts.request.headers
  const [early, after, raw, joined] = ['during', 'after', 'raw', 'joined'].map(ev)
  t.ok(early && after && raw && joined, 'every event arrived')
  t.equal(nodeMade['x-dup'], 'a, b', "Node's own merge of the repeated lines, for comparison")
  for (const [h, label] of [[early, 'during'], [after, 'after the response'], [raw, 'after the response, never read']]) {
    t.equal(h['x-probe'], 'p', `${label}: the request's headers`)
    t.equal(h['x-dup'], nodeMade['x-dup'], `${label}: repeated lines joined as Node joins them`)
    t.equal(h['user-agent'], nodeMade['user-agent'], `${label}: a field Node keeps once, kept once`)
    t.equal(h.host, nodeMade.host, `${label}: host`)
  }
  for (const [h, label] of [[early, 'during'], [after, 'after the response']]) {
    t.equal(h['x-changed'], 'by the app', `${label}: the app's change shows`)
    t.notOk('x-hidden' in h, `${label}: a header the app removed stays removed`)
  }
  t.equal(raw['x-changed'], 'as sent', 'never read by anyone: the lines as sent')
  t.equal(raw['x-hidden'], 'hide-me')
  t.equal(joined['user-agent'], 'first, second', "the server's joinDuplicateHeaders is followed for lines nobody read")
  t.equal(collector.events.length, 4, 'no other event')
})

t.test('beforeBreadcrumb still sees the incoming crumb when the request starts, and its change is kept', async (t) => {
  const seen = []
  const { collector, client } = await setup(t, {
    beforeBreadcrumb: (crumb) => {
      if (crumb.category !== 'http.server') return crumb
      seen.push(crumb.data.url)
      return crumb.data.url.endsWith('/drop') ? null : { ...crumb, message: `seen ${crumb.message}` }
    }
  })
  let done
  const captured = new Promise((resolve) => { done = resolve })
  let pending = 2
  const { base } = await listen(t, (req, res) => {
    t.equal(seen.at(-1), `${base}${req.url}`, 'called before the handler ran')
    const name = req.url.slice(1)
    res.on('finish', () => setImmediate(() => { client.captureMessage(`after ${name}`); if (--pending === 0) done() }))
    res.end('ok')
  })
  await get(`${base}/keep`)
  await get(`${base}/drop`)
  await captured
  t.equal(await client.flush(5000), true)
  t.same(seen, [`${base}/keep`, `${base}/drop`], 'called once per request')
  const keep = incoming(findByMessage(collector.events, 'after keep'))
  t.equal(keep.length, 1)
  t.equal(keep[0].message, `seen GET ${base}/keep`, 'its change kept')
  t.equal(keep[0].data.status_code, 200, 'and the status filled in')
  t.same(incoming(findByMessage(collector.events, 'after drop')), [], 'a dropped crumb stays dropped')
})

t.test('a scope that outlives its request keeps its data, not the request object', async (t) => {
  const { collector } = await setup(t)
  const r = await runFixture('http-scope-outlives-request.mjs', { nodeArgs: ['--expose-gc'], env: { DSN: collector.dsn('42'), TOKEN } })
  t.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1))
  t.equal(out.body, 'ok', 'the app answered')
  t.equal(out.flushed, true)
  t.equal(out.collected, true, 'req was garbage-collected while its scope is still held')
  t.equal(collector.events.length, 1, 'one event, no more')
  const e = collector.events[0]
  t.equal(e.message, 'late')
  t.equal(e.contexts.request.url, `http://127.0.0.1:${out.port}/held`, 'the held scope still gives its request data')
  t.equal(e.contexts.request.headers['x-probe'], 'held')
  t.equal(incoming(e).length, 1, 'and its incoming crumb')
  t.equal(incoming(e)[0].data.status_code, 200)
})

t.test('a scope that outlives a request whose client went away before any response: no request object held', async (t) => {
  const { collector } = await setup(t)
  const r = await runFixture('http-scope-outlives-request.mjs', { nodeArgs: ['--expose-gc'], env: { DSN: collector.dsn('42'), TOKEN, GONE: '1' } })
  t.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1))
  t.equal(out.body, null, 'no answer was sent')
  t.equal(out.collected, true, "req was garbage-collected once the connection closed, while its scope is still held")
  t.equal(out.flushed, true)
  t.equal(collector.events.length, 1, 'one event, no more')
  const e = collector.events[0]
  t.equal(e.contexts.request.url, `http://127.0.0.1:${out.port}/held`, 'the held scope still gives its request data')
  t.equal(e.contexts.request.headers['x-probe'], 'held')
  t.equal(incoming(e).length, 1, 'and its incoming crumb')
  t.equal(incoming(e)[0].data.status_code, undefined, 'with no status: none was sent')
})

t.test('pipelined requests on one connection: each response ends its own request', async (t) => {
  const { collector, client } = await setup(t)
  let firstHeld
  const secondStarted = new Promise((resolve) => { firstHeld = resolve })
  let captured
  const bothCaptured = new Promise((resolve) => { captured = resolve })
  let pending = 2
  const { base } = await listen(t, (req, res) => {
    const name = req.url.slice(1)
    res.on('finish', () => setTimeout(() => { client.captureMessage(`after ${name}`); if (--pending === 0) captured() }, 5))
    if (name === 'first') {
      // Answered only once the second request has started: its scope is then the newest on the connection.
      secondStarted.then(() => { res.statusCode = 201; res.end('one') })
    } else {
      firstHeld()
      res.statusCode = 202
      res.end('two')
    }
  })
  const { port } = new URL(base)
  const socket = net.connect(Number(port), '127.0.0.1')
  t.teardown(() => socket.destroy())
  let raw = ''
  socket.setEncoding('utf8')
  socket.on('data', (d) => { raw += d })
  socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n')
  await bothCaptured
  t.match(raw, /HTTP\/1\.1 201[\s\S]*one[\s\S]*HTTP\/1\.1 202[\s\S]*two/, 'both answered, in order')
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 2, 'two events, no more')
  const status = (name) => incoming(findByMessage(collector.events, `after ${name}`))[0]?.data.status_code
  t.same([status('first'), status('second')], [201, 202], "each request's crumb has its own response's status")
})

t.test('one close listener per connection, whatever its requests, and none added after the last close()', async (t) => {
  const { client, collector } = await setup(t)
  const sockets = []
  const { server, base } = await listen(t, (req, res) => res.end('ok'))
  server.on('connection', (s) => sockets.push(s))
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const get1 = () => new Promise((resolve, reject) => http.get(`${base}/k`, { agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject))
  const ours = (s) => s.listeners('close').filter((fn) => fn.name === 'socketClosed').length
  t.equal(await get1(), 200)
  t.equal(await get1(), 200)
  t.equal(sockets.length, 1, 'one keep-alive connection')
  t.equal(ours(sockets[0]), 1, 'one listener for the connection, not one per request')
  await client.close(100)
  t.equal(await get1(), 200, 'after the last close() the connection still serves')
  t.equal(ours(sockets[0]), 1, 'no listener added for it')
  // A new client: the connection's listener is the one already there.
  const again = new xr.ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false })
  t.teardown(() => again.close(100))
  t.equal(await get1(), 200)
  t.equal(ours(sockets[0]), 1, 'and none when a new client starts')
})

t.test("each request's data keeps its own connection's addresses after the response, keep-alive connections from two addresses interleaved", async (t) => {
  const { collector, client } = await setup(t, { sendDefaultPii: true })
  const clientPort = new Map()
  let captured = 0
  let allCaptured
  const done = new Promise((resolve) => { allCaptured = resolve })
  const { base, port } = await listen(t, (req, res) => {
    const name = req.url.slice(1)
    // The client end of the connection: two sockets from two local addresses may share a port.
    clientPort.set(name, `${req.socket.remoteAddress}:${req.socket.remotePort}`)
    // Captured once the response finished: the request data then comes from what was kept.
    res.on('finish', () => setImmediate(() => { client.captureMessage(`after ${name}`); if (++captured === 4) allCaptured() }))
    res.end('ok')
  })
  // Two keep-alive connections, one from 127.0.0.1 and one from 127.0.0.2 (both loopback).
  const agents = { a: new http.Agent({ keepAlive: true, maxSockets: 1 }), b: new http.Agent({ keepAlive: true, maxSockets: 1 }) }
  t.teardown(() => { agents.a.destroy(); agents.b.destroy() })
  const from = { a: '127.0.0.1', b: '127.0.0.2' }
  const get1 = (who, name) => new Promise((resolve, reject) => http.get(`${base}/${name}`, { agent: agents[who], localAddress: from[who] }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject))
  for (const [who, name] of [['a', 'a1'], ['b', 'b1'], ['a', 'a2'], ['b', 'b2']]) t.equal(await get1(who, name), 200)
  let timer
  const late = new Promise((resolve) => { timer = setTimeout(resolve, 5000, 'late') })
  t.not(await Promise.race([done, late]), 'late', 'every request captured once its response finished')
  clearTimeout(timer)
  t.equal(clientPort.get('a1'), clientPort.get('a2'), "a's two requests came on one connection")
  t.equal(clientPort.get('b1'), clientPort.get('b2'), "b's two requests came on one connection")
  t.not(clientPort.get('a1'), clientPort.get('b1'), 'two connections')
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 4, 'one event per request')
  for (const name of ['a1', 'b1', 'a2', 'b2']) {
    const e = findByMessage(collector.events, `after ${name}`)
    t.ok(e, `${name}: captured`)
    const env = e.contexts.request.env
    t.equal(env.REMOTE_ADDR, from[name[0]], `${name}: the address of its own connection, also for the connection's second request`)
    t.equal(env.SERVER_PORT, String(port), `${name}: the server's port`)
    t.equal(e.contexts.request.url, `${base}/${name}`, `${name}: its own url`)
  }
})

t.test('a keep-alive connection between requests holds no finished request\'s scope (servers whose emit cannot be wrapped too)', async (t) => {
  const { collector } = await setup(t)
  for (const unwrappable of ['0', '1']) {
    const r = await runFixture('http-scope-after-response.mjs', { env: { DSN: collector.dsn('42'), TOKEN, UNWRAPPABLE: unwrappable } })
    t.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1))
    t.same({ status: out.status, open: out.open, scoped: out.scoped, unwrapped: out.unwrapped, hasSlot: out.hasSlot }, { status: 200, open: 1, scoped: true, unwrapped: unwrappable === '1', hasSlot: true }, `the request was isolated and noted on its connection, which is still open (unwrappable: ${unwrappable})`)
    t.equal(out.slotValue, 'null', `the connection's slot is empty between requests (unwrappable: ${unwrappable})`)
  }
})

t.test("a request's own enumerable keys are what they are without the SDK", async (t) => {
  const seen = []
  const server = http.createServer((req, res) => {
    seen.push({ req: Object.keys(req).includes('emit'), res: Object.keys(res).includes('emit'), wrapped: Object.prototype.hasOwnProperty.call(req, 'emit') })
    res.end('ok')
  })
  await setup(t)
  const { base } = await listen(t, server)
  const r = await fetch(`${base}/keys`)
  t.equal(await r.text(), 'ok')
  t.same(seen, [{ req: false, res: false, wrapped: false }], 'no own emit on a request or its response, none enumerable')
})

t.test("a request that starts inside another request's forked scope does not inherit its data", async (t) => {
  const { client } = await setup(t)
  let inner = null
  const server = http.createServer((req, res) => {
    xr.setUser({ id: 'user-of-A' })
    xr.setTag('tenant', 'A')
    // As if a socket were resumed by code running in a withScope() fork of request A: the
    // channel fires there for request B.
    xr.withScope(() => {
      xr.setTag('fork', 'yes')
      const fakeReq = new http.IncomingMessage(new net.Socket())
      fakeReq.url = '/b'
      fakeReq.method = 'GET'
      fakeReq.headers = { host: 'example.test' }
      const fakeRes = new http.ServerResponse(fakeReq)
      dc.channel('http.server.request.start').publish({ request: fakeReq, response: fakeRes, socket: fakeReq.socket, server })
      inner = xr.scopeOfRequest(fakeReq)
    })
    res.end('ok')
  })
  const { base } = await listen(t, server)
  t.equal(await (await fetch(`${base}/a`)).text(), 'ok')
  t.ok(inner !== null, 'request B got a scope')
  t.equal(inner.user, null, "not A's user")
  t.same(inner.tags, {}, "not A's tags, not the fork's")
  t.ok(client, 'client set up')
})
