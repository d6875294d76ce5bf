// httpIntegration binds a request's listeners to its scope when they are added (issue 18: no
// wrapper on every emit of req and res). Every way of adding one must run it in the request's
// scope, also when Node emits from the socket's side; and everything EventEmitter promises about
// a listener (removal by the function given, once, listeners(), listenerCount(), newListener)
// must hold as without the SDK.
import t from 'tap'
import http, { ServerResponse } from 'node:http'
import { EventEmitter, once } from 'node:events'
import { finished } from 'node:stream'
import { getIsolationScope, scopeOfRequest } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { findByMessage } from '../utils/events.mjs'

/** POSTs chunks with gapMs between them (so each arrives as its own 'data' from the socket); resolves with the body text. */
function postChunks (url, chunks, gapMs) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve(text))
    })
    req.on('error', reject)
    let i = 0
    const next = () => {
      if (i === chunks.length) { req.end(); return }
      req.write(chunks[i++])
      setTimeout(next, gapMs)
    }
    req.flushHeaders()
    next()
  })
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

t.test('on, addListener, prependListener, once and prependOnceListener on req and res run in the request\'s scope', async (t) => {
  await setup(t)
  const ran = []
  const { base } = await listen(t, async (req, res) => {
    const scope = scopeOfRequest(req)
    await tick() // added from a continuation of the handler, as a framework's body parser does
    const note = (label) => () => ran.push({ label, url: req.url, inScope: scope !== null && getIsolationScope() === scope })
    req.on('data', note('on'))
    req.addListener('data', note('addListener'))
    req.prependListener('data', note('prependListener'))
    req.once('data', note('once'))
    req.prependOnceListener('data', note('prependOnceListener'))
    res.on('finish', note('res finish'))
    res.once('close', note('res close'))
    req.on('end', () => {
      note('end')()
      // Ended from a timer: 'finish' then comes from the socket's write, outside the handler.
      setTimeout(() => res.end('ok'), 5)
    })
  })
  const bodies = await Promise.all(['/a', '/b'].map((p) => postChunks(`${base}${p}`, ['x', 'y', 'z'], 15)))
  t.same(bodies, ['ok', 'ok'])
  await new Promise((resolve) => setTimeout(resolve, 20)) // 'close' follows 'finish'
  for (const url of ['/a', '/b']) {
    const mine = ran.filter((r) => r.url === url)
    const count = (label) => mine.filter((r) => r.label === label).length
    t.same([count('on'), count('addListener'), count('prependListener')], [3, 3, 3], `${url}: a listener added with on/addListener/prependListener ran at each of the three chunks`)
    t.same([count('once'), count('prependOnceListener')], [1, 1], `${url}: a once listener ran once`)
    t.same([count('end'), count('res finish'), count('res close')], [1, 1, 1], `${url}: end, finish and close ran`)
    t.equal(mine.filter((r) => !r.inScope).length, 0, `${url}: every one of them in its own request's scope`)
  }
})

t.test('a bound listener is removed by the function given; listeners(), listenerCount() and newListener see that function', async (t) => {
  await setup(t)
  const seen = {}
  const { base } = await listen(t, (req, res) => {
    const calls = []
    const onData = () => calls.push('on')
    const onceData = () => calls.push('once')
    const added = []
    req.on('newListener', (event, fn) => { if (event === 'data') added.push(fn) })
    req.on('data', onData)
    req.once('data', onceData)
    seen.added = [added[0] === onData, added[1] === onceData]
    seen.listeners = req.listeners('data').map((fn) => fn === onData ? 'onData' : fn === onceData ? 'onceData' : 'other')
    seen.counts = [req.listenerCount('data', onData), req.listenerCount('data', onceData)]
    // Bound: the raw listener is the SDK's function, carrying the caller's as `.listener`.
    seen.raw = req.rawListeners('data').map((fn) => fn !== onData && fn !== onceData && (fn.listener === onData || fn.listener === onceData))
    // As a second copy of the SDK in the process would: a listener bound already is not bound again.
    const raw = req.rawListeners('data')[0]
    req.on('again', raw)
    seen.again = [req.rawListeners('again')[0] === raw, req.listeners('again')[0] === onData]
    req.removeListener('again', onData)
    seen.again.push(req.listenerCount('again'))
    req.once('again', raw)
    req.removeListener('again', raw) // what was passed to once(), as without the SDK
    seen.again.push(req.listenerCount('again'))
    req.removeListener('data', onData)
    req.off('data', onceData)
    seen.after = req.listenerCount('data')
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => { seen.calls = calls; res.end(body) })
  })
  t.equal(await postChunks(`${base}/remove`, ['one', 'two'], 10), 'onetwo')
  t.same(seen.added, [true, true], 'newListener got the function given')
  t.same(seen.listeners, ['onData', 'onceData'], 'listeners() returns the functions given')
  t.same(seen.counts, [1, 1], 'listenerCount(event, fn) finds them')
  t.same(seen.raw, [true, true], 'the raw listeners are bound wrappers of them')
  t.equal(seen.after, 0, 'removeListener and off by the function given removed both')
  t.same(seen.again, [true, true, 0, 0], 'a bound listener added again (on or once) is not bound twice, and is removed by the function given')
  t.same(seen.calls, [], 'neither ran after its removal')
})

t.test('a once listener removes itself before it runs; one that throws, emitted from outside the request, throws at the emit', async (t) => {
  await setup(t)
  const seen = {}
  let held = null
  let release
  const released = new Promise((resolve) => { release = resolve })
  const { base } = await listen(t, (req, res) => {
    const scope = scopeOfRequest(req)
    let during = null
    req.once('data', () => { during = req.listenerCount('data') })
    req.on('data', () => {})
    req.on('end', () => {
      seen.during = during
      res.once('custom', () => {
        seen.customInScope = scope !== null && getIsolationScope() === scope
        throw new Error('boom from a listener')
      })
      held = res
      released.then(() => res.end('ok'))
    })
  })
  const answered = postChunks(`${base}/once`, ['a'], 5)
  for (let i = 0; i < 200 && held === null; i++) await new Promise((resolve) => setTimeout(resolve, 5))
  const outside = getIsolationScope()
  try {
    held.emit('custom') // from the test, outside any request: the bound listener enters its scope
    seen.thrown = null
  } catch (err) {
    seen.thrown = err.message
  }
  seen.scopeAfter = getIsolationScope() === outside
  seen.customLeft = held.listenerCount('custom')
  release()
  t.equal(await answered, 'ok')
  t.equal(seen.during, 1, 'while the once listener ran, it was already removed')
  t.equal(seen.customInScope, true, 'emitted from outside, the listener ran in its request\'s scope')
  t.equal(seen.thrown, 'boom from a listener', 'the error it threw reached the emit, unchanged')
  t.equal(seen.scopeAfter, true, 'and the caller is back in its own scope')
  t.equal(seen.customLeft, 0, 'the once listener is gone')
})

t.test('once() goes through an override of on() on the object itself, as Node\'s does', async (t) => {
  await setup(t)
  const seen = {}
  const { base } = await listen(t, (req, res) => {
    // As compression does: res.on('drain') is handed to another stream.
    const other = new EventEmitter()
    const ownOn = res.on
    res.on = function (type, listener) { return type === 'drain' ? (other.on(type, listener), this) : ownOn.call(this, type, listener) }
    const fn = () => { seen.ran = (seen.ran ?? 0) + 1 }
    res.once('drain', fn)
    seen.onOther = other.listenerCount('drain')
    seen.onRes = res.listenerCount('drain')
    other.emit('drain')
    other.emit('drain')
    res.end('ok')
  })
  t.equal(await postChunks(`${base}/override`, ['o'], 5), 'ok')
  t.same([seen.onOther, seen.onRes], [1, 0], 'the once listener went where the object\'s own on() sends it')
  t.equal(seen.ran, 1, 'and ran once')
})

t.test('pipe, events.once, stream.finished and a client gone: listeners run in the request\'s scope', async (t) => {
  await setup(t)
  const seen = {}
  let closed
  const closedOnce = new Promise((resolve) => { closed = resolve })
  const { base } = await listen(t, async (req, res) => {
    const scope = scopeOfRequest(req)
    const mine = () => scope !== null && getIsolationScope() === scope
    if (req.url === '/gone') {
      res.on('close', () => { seen.goneClose = mine(); closed() })
      return // never answers: the client goes away
    }
    if (req.url === '/pipe') {
      finished(res, () => { seen.finished = mine() })
      req.pipe(res)
      return
    }
    req.resume()
    await once(req, 'end', { signal: AbortSignal.timeout(2000) })
    seen.eventsOnce = mine()
    res.end('ended')
  })
  t.equal(await postChunks(`${base}/pipe`, ['p1', 'p2'], 10), 'p1p2', 'req.pipe(res) echoes the body')
  const r = http.request(`${base}/gone`, { method: 'POST', agent: false })
  r.on('error', () => {})
  r.write('x')
  setTimeout(() => r.destroy(), 30)
  await Promise.race([closedOnce, new Promise((resolve) => setTimeout(resolve, 3000))])
  t.equal(seen.finished, true, 'stream.finished(res) called back in the scope')
  t.equal(seen.goneClose, true, 'res \'close\' of a client gone ran in the scope')
  t.equal(await postChunks(`${base}/end`, ['e1', 'e2'], 10), 'ended')
  t.equal(seen.eventsOnce, true, 'events.once(req, \'end\') resumed in the scope')
})

t.test('a server whose emit cannot be wrapped: its requests\' listeners still run in their scopes', async (t) => {
  await setup(t)
  const ran = []
  const server = http.createServer((req, res) => {
    const scope = scopeOfRequest(req)
    ran.push({ handlerInScope: getIsolationScope() === scope, scoped: scope !== null })
    req.on('data', () => {})
    req.on('end', () => {
      ran.at(-1).endInScope = scope !== null && getIsolationScope() === scope
      res.end('ok')
    })
  })
  const { base } = await listen(t, server)
  // An emit that cannot be replaced (preventExtensions would also stop Node 26, which adds a
  // property to the server at its first request).
  Object.defineProperty(server, 'emit', { value: server.emit, writable: false, configurable: false })
  t.equal(await postChunks(`${base}/frozen`, ['f1', 'f2'], 10), 'ok')
  t.equal(Object.getOwnPropertyDescriptor(server, 'emit').value, http.Server.prototype.emit, 'the server\'s emit could not be wrapped')
  t.same(ran, [{ handlerInScope: false, scoped: true, endInScope: true }], 'the handler ran outside the scope, its body\'s end listener inside')
})

t.test('only the request\'s own code binds: Node\'s listeners and one added from outside the request are left as they are', async (t) => {
  await setup(t)
  let held = null
  let release
  const released = new Promise((resolve) => { release = resolve })
  const seen = {}
  const { base } = await listen(t, (req, res) => {
    // Node's own 'finish' listener on res, added after the request-start channel.
    seen.nodeFinish = res.rawListeners('finish').map((fn) => fn.listener === undefined)
    held = req
    released.then(() => res.end('ok'))
  })
  const answered = postChunks(`${base}/held`, ['h'], 5)
  for (let i = 0; i < 200 && held === null; i++) await new Promise((resolve) => setTimeout(resolve, 5))
  const fromOutside = () => {}
  held.on('x', fromOutside)
  seen.outside = held.rawListeners('x')[0] === fromOutside
  release()
  t.equal(await answered, 'ok')
  t.ok(seen.nodeFinish.length >= 1, 'Node added its finish listener')
  t.same(seen.nodeFinish, seen.nodeFinish.map(() => true), 'and it is not bound: it runs where it ran without the SDK')
  t.equal(seen.outside, true, 'a listener added from outside the request is the function given')
})

t.test('once the response finished, listeners added to req and res are left as they are (Node\'s clearIncoming on every request)', async (t) => {
  await setup(t)
  let done
  const checked = new Promise((resolve) => { done = resolve })
  const seen = {}
  const { base } = await listen(t, (req, res) => {
    const before = () => {}
    req.on('x', before)
    seen.beforeBound = req.rawListeners('x')[0] !== before
    res.on('finish', () => {
      // Node's resOnFinish ran first (its listener was added before the handler's): it added
      // clearIncoming to req's 'end' once the response finished.
      const end = req.rawListeners('end')
      seen.clearIncoming = end.filter((fn) => fn.name === 'clearIncoming').length
      seen.wrapped = end.filter((fn) => fn.listener !== undefined).map((fn) => fn.listener.name)
      const after = () => {}
      req.on('y', after)
      res.on('y', after)
      seen.afterRaw = req.rawListeners('y')[0] === after && res.rawListeners('y')[0] === after
      done()
    })
    res.end('ok')
  })
  t.equal(await postChunks(`${base}/fin`, ['f'], 5), 'ok')
  await checked
  t.equal(seen.beforeBound, true, 'a listener added while the request runs is bound (the check can see a binding)')
  t.equal(seen.clearIncoming, 1, 'Node\'s clearIncoming is on req\'s end as the function itself')
  t.same(seen.wrapped, [], 'and no bound wrapper stands for it')
  t.equal(seen.afterRaw, true, 'a listener the request\'s code adds after the response finished is the function given')
})

t.test('a listener on an outgoing request\'s response is not bound to the incoming request', async (t) => {
  const { client, collector } = await setup(t)
  const { base: upstream } = await listen(t, (req, res) => res.end('up'))
  const seen = {}
  const { base } = await listen(t, (req, res) => {
    http.get(upstream, { agent: false }, (up) => {
      const onData = () => {}
      up.on('data', onData)
      seen.raw = up.rawListeners('data')[0] === onData
      seen.inScope = getIsolationScope() === scopeOfRequest(req)
      up.on('end', () => {
        client.captureMessage('after upstream')
        res.end('done')
      })
    })
  })
  t.equal(await postChunks(`${base}/proxy`, ['p'], 5), 'done')
  t.equal(seen.raw, true, 'the client response\'s listener is the function given')
  t.equal(seen.inScope, true, 'its callbacks still run in the request\'s scope (Node\'s own async context)')
  t.equal(await client.flush(5000), true)
  const e = findByMessage(collector.events, 'after upstream')
  t.equal(e?.contexts.request.url, `${base}/proxy`, 'an event from its end belongs to the incoming request')
})

t.test('a response whose emit other code replaced first still gets its status on the incoming crumb', async (t) => {
  // An APM that wrapped ServerResponse's emit before the SDK started: the SDK leaves it alone
  // and notes each response's end from Node's 'http.server.response.finish' channel.
  const original = ServerResponse.prototype.emit
  const ownBefore = Object.getOwnPropertyDescriptor(ServerResponse.prototype, 'emit')
  let through = 0
  ServerResponse.prototype.emit = function apmEmit (...args) { through++; return original.apply(this, args) }
  t.teardown(() => {
    if (ownBefore === undefined) delete ServerResponse.prototype.emit
    else Object.defineProperty(ServerResponse.prototype, 'emit', ownBefore)
  })
  const { client, collector } = await setup(t)
  const { base } = await listen(t, (req, res) => {
    setTimeout(() => {
      res.statusCode = 201
      res.end('made')
      setTimeout(() => client.captureMessage('after the response'), 5)
    }, 5)
  })
  t.equal(await postChunks(`${base}/made`, ['m'], 5), 'made')
  t.equal(await collector.waitForEvents(1, 5000), true, 'the event captured after the response arrived')
  const e = findByMessage(collector.events, 'after the response')
  const crumb = (e?.breadcrumbs ?? []).find((b) => b.category === 'http.server')
  t.ok(through > 0, 'the other wrapper stayed in place')
  t.equal(crumb?.data.status_code, 201, 'the status was noted at finish')
  t.ok(crumb?.data.duration_ms >= 4, 'and the duration')
})
