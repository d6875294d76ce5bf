// httpIntegration, outgoing side: node:http and fetch/undici requests become `http` breadcrumbs
// in the scope of the request that made them, also on a reused keep-alive socket; failures
// are error breadcrumbs; no credentials, no query without sendDefaultPii; the SDK's own
// requests and beforeBreadcrumb's verdict respected.
import t from 'tap'
import http from 'node:http'
import net from 'node:net'
import { Agent, fetch as undiciFetch } from 'undici'
import { setup } from '../helpers.mjs'
import { post, barrier, HOLD_MS, checkDuration } from './http-helpers.mjs'
import { listen, closedPort } from '../utils/servers.mjs'
import { holdFor } from '../utils/time.mjs'
import { findByMessage } from '../utils/events.mjs'

/** An upstream that answers /status/NNN with that status, else 200, after HOLD_MS (so requests overlap, and take a known time); counts its sockets. */
async function upstream (t) {
  const sockets = new Set()
  const { server, base } = await listen(t, async (req, res) => {
    sockets.add(`${req.socket.remotePort}`)
    const m = /^\/status\/(\d+)/.exec(req.url)
    res.statusCode = m === null ? 200 : Number(m[1])
    await holdFor(HOLD_MS)
    res.end(`up ${req.url}`)
  })
  return { server, base, sockets }
}

function httpGet (url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject)
  })
}

const httpCrumbs = (e) => (e?.breadcrumbs ?? []).filter((b) => b.category === 'http')

t.test('keep-alive: one undici connection, requests from different incoming requests land in their own', async (t) => {
  const N = 6
  const { collector, client } = await setup(t)
  const up = await upstream(t)
  const agent = new Agent({ connections: 1 }) // every upstream call shares one socket
  t.teardown(() => agent.close())
  const inFlight = barrier(N)
  const { base } = await listen(t, async (req, res) => {
    const id = req.url.slice(1)
    client.setTag('request', id)
    await inFlight()
    const r = await undiciFetch(`${up.base}/u/${id}?k=${id}`, { dispatcher: agent })
    await r.text()
    client.captureMessage(`event-${id}`)
    res.end(id)
  })
  const sent = Date.now()
  const answers = await Promise.all(Array.from({ length: N }, (_, i) => post(`${base}/${i}`, '')))
  t.same(answers.map((a) => a.body), Array.from({ length: N }, (_, i) => String(i)))
  t.equal(await client.flush(5000), true)
  t.equal(up.sockets.size, 1, 'the upstream calls really shared one socket')
  for (let i = 0; i < N; i++) {
    const crumbs = httpCrumbs(findByMessage(collector.events, `event-${i}`))
    t.equal(crumbs.length, 1, `request ${i} has exactly its own outgoing breadcrumb`)
    t.match(crumbs[0], { type: 'http', level: 'info', message: `GET ${up.base}/u/${i}`, data: { method: 'GET', url: `${up.base}/u/${i}`, status_code: 200 } })
    checkDuration(t, crumbs[0]?.data, HOLD_MS, sent, `request ${i}'s call`)
  }
})

t.test('keep-alive with global fetch: sequential requests on the reused socket', async (t) => {
  const { collector, client } = await setup(t)
  const up = await upstream(t)
  const { base } = await listen(t, async (req, res) => {
    const id = req.url.slice(1)
    const r = await fetch(`${up.base}/g/${id}`)
    await r.text()
    client.captureMessage(`event-${id}`)
    res.end(id)
  })
  for (let i = 0; i < 4; i++) await post(`${base}/${i}`, '')
  t.equal(await client.flush(5000), true)
  t.equal(up.sockets.size, 1, 'global fetch reused its keep-alive socket')
  for (let i = 0; i < 4; i++) {
    t.same(httpCrumbs(findByMessage(collector.events, `event-${i}`)).map((b) => b.data.url), [`${up.base}/g/${i}`])
  }
})

t.test('node:http client: status, duration, no credentials, no query without sendDefaultPii', async (t) => {
  // Read as recorded (beforeBreadcrumb), before the worker's own scrubbing could hide a leak.
  const recorded = []
  const { collector, client } = await setup(t, { beforeBreadcrumb: (b) => { recorded.push(JSON.stringify(b)); return b } })
  const up = await upstream(t)
  const authed = up.base.replace('http://', 'http://ann:hunter2@')
  const { base } = await listen(t, async (req, res) => {
    await httpGet(`${up.base}/a?token=s3cret#frag`)
    await httpGet(`${up.base}/status/503`)
    await httpGet(`${up.base}/mail/ann@example.com`) // an '@' in the path is not a credential
    // Through a forward proxy the path is the whole URL, credentials and query included.
    await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: up.server.address().port, path: `${authed}/via-proxy?token=s3cret`, agent: false }, (r) => { r.resume(); r.on('end', resolve) }).on('error', reject)
    })
    client.captureMessage('made-calls')
    res.end()
  })
  const sent = Date.now()
  await post(`${base}/`, '')
  t.equal(await collector.waitForEvents(1, 5000), true)
  const crumbs = httpCrumbs(collector.events[0])
  t.equal(crumbs.length, 4)
  for (const c of crumbs) checkDuration(t, c.data, HOLD_MS, sent, c.data.url)
  t.match(crumbs[0], { type: 'http', message: `GET ${up.base}/a`, data: { method: 'GET', url: `${up.base}/a`, status_code: 200 } })
  t.match(crumbs[1], { level: 'info', data: { url: `${up.base}/status/503`, status_code: 503 } })
  t.equal(crumbs[2]?.data.url, `${up.base}/mail/ann@example.com`)
  t.match(crumbs[3], { data: { url: `${up.base}/via-proxy`, status_code: 200 } })
  // The upstream calls (the test's own POST to the front server is recorded too, outside).
  const outgoing = recorded.filter((b) => b.includes('"category":"http"') && b.includes(`:${up.server.address().port}`))
  t.equal(outgoing.length, 4)
  t.notOk(outgoing.some((b) => b.includes('hunter2') || b.includes('ann:')), 'no credentials, as recorded')
  t.notOk(outgoing.some((b) => b.includes('s3cret') || b.includes('frag')), 'no query or fragment, as recorded')
})

t.test('sendDefaultPii keeps the query (credentials still removed)', async (t) => {
  const recorded = []
  const { collector, client } = await setup(t, { sendDefaultPii: true, beforeBreadcrumb: (b) => { recorded.push(JSON.stringify(b)); return b } })
  const up = await upstream(t)
  const authed = up.base.replace('http://', 'http://ann:hunter2@')
  const { base } = await listen(t, async (req, res) => {
    await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: up.server.address().port, path: `${authed}/a?token=s3cret`, agent: false }, (r) => { r.resume(); r.on('end', resolve) }).on('error', reject)
    })
    await (await fetch(`${up.base}/f?page=2`)).text()
    client.captureMessage('pii')
    res.end()
  })
  await post(`${base}/`, '')
  t.equal(await collector.waitForEvents(1, 5000), true)
  t.same(httpCrumbs(collector.events[0]).map((b) => b.data.url), [`${up.base}/a?token=s3cret`, `${up.base}/f?page=2`])
  t.notOk(recorded.some((b) => b.includes('hunter2')), 'credentials removed even with sendDefaultPii')
})

t.test('a failed outgoing request is an error breadcrumb (node:http and fetch)', async (t) => {
  const { collector, client } = await setup(t)
  let port = 0
  const { base } = await listen(t, async (req, res) => {
    await httpGet(`http://127.0.0.1:${port}/down`).catch(() => {})
    await fetch(`http://127.0.0.1:${port}/down2`).catch(() => {})
    client.captureMessage('after-failures')
    res.end()
  })
  port = await closedPort() // after the listen: the system may give a closed port to the next listen(0)
  await post(`${base}/`, '')
  t.equal(await collector.waitForEvents(1, 5000), true)
  const crumbs = httpCrumbs(collector.events[0])
  t.equal(crumbs.length, 2, 'one breadcrumb per failed request')
  for (const [i, path] of [[0, '/down'], [1, '/down2']]) {
    t.match(crumbs[i], { level: 'error', message: `GET http://127.0.0.1:${port}${path}`, data: { method: 'GET', error: /ECONNREFUSED/ } })
    t.notOk('status_code' in (crumbs[i]?.data ?? {}), 'no status for a request that got no response')
  }
})

t.test('the SDK\'s own origin is not recorded; beforeBreadcrumb applies', async (t) => {
  const { collector, client } = await setup(t, {
    beforeBreadcrumb: (b) => b.data?.url?.includes('/drop') ? null : { ...b, data: { ...b.data, seen: true } }
  })
  const up = await upstream(t)
  const { base } = await listen(t, async (req, res) => {
    await (await fetch(`${collector.url}/api/42/nothing`)).text() // the DSN's origin
    await (await fetch(`${up.base}/drop`)).text()
    await (await fetch(`${up.base}/keep`)).text()
    client.captureMessage('filtered')
    res.end()
  })
  await post(`${base}/`, '')
  t.equal(await collector.waitForEvents(1, 5000), true)
  const e = findByMessage(collector.events, 'filtered')
  t.same(httpCrumbs(e).map((b) => [b.data.url, b.data.seen]), [[`${up.base}/keep`, true]], 'only the kept one, changed by beforeBreadcrumb')
  t.notOk(JSON.stringify(e.breadcrumbs).includes(collector.url), 'no breadcrumb for the collector')
  t.equal(e.breadcrumbs.find((b) => b.category === 'http.server')?.data.seen, true, 'the incoming one went through beforeBreadcrumb too')
})

/** Resolves a made-up name to ::1 then 127.0.0.1, as a dual-stack "localhost" does (Docker's /etc/hosts). */
function dualStackLookup (host, opts, cb) {
  const all = [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]
  if (opts.all) return process.nextTick(cb, null, all)
  process.nextTick(cb, null, all[0].address, all[0].family)
}

t.test('refused, reset and aborted: every outcome is one error breadcrumb in the request that made it (fetch and node:http)', async (t) => {
  const { collector, client } = await setup(t)
  // Accepts, then resets the connection before any answer.
  const resetter = net.createServer((s) => s.resetAndDestroy?.() ?? s.destroy())
  await new Promise((resolve) => resetter.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => resetter.close(resolve)))
  const resetPort = resetter.address().port
  // Never answers: the caller aborts.
  const { base: silentBase } = await listen(t, () => {})
  const dual = new Agent({ connect: { lookup: dualStackLookup, autoSelectFamily: true } })
  t.teardown(() => dual.close())
  // Taken after this test's own listeners: taken before, the system can give the closed port to
  // the next listen(0). A CI run on Node 22 saw 'refused' calls fail with ECONNRESET, the
  // resetter's answer; another test file's server taking it stays possible, and much rarer.
  const refused = await closedPort()
  const calls = {
    'fetch-refused': (id) => fetch(`http://127.0.0.1:${refused}/refused/${id}`),
    'fetch-refused-dual-stack': (id) => fetch(`http://dual.test:${refused}/refused/${id}`, { dispatcher: dual }),
    'fetch-reset': (id) => fetch(`http://127.0.0.1:${resetPort}/reset/${id}`),
    'fetch-aborted': (id) => fetch(`${silentBase}/aborted/${id}`, { signal: AbortSignal.timeout(100) }),
    'http-refused': (id) => httpGet(`http://127.0.0.1:${refused}/refused/${id}`),
    'http-refused-dual-stack': (id) => new Promise((resolve, reject) => {
      http.get(`http://dual.test:${refused}/refused/${id}`, { agent: false, lookup: dualStackLookup, autoSelectFamily: true }, resolve).on('error', reject)
    })
  }
  const { base } = await listen(t, async (req, res) => {
    const [, kind, id] = req.url.split('/')
    client.setTag('request', id)
    await calls[kind](id).then(() => t.fail(`${kind} succeeded`), () => {})
    client.captureMessage(`after ${kind} ${id}`)
    res.end()
  })
  // Four requests of each kind at a time, interleaved: each failure must land in its own request.
  const paths = []
  for (const kind of Object.keys(calls)) for (let i = 0; i < 4; i++) paths.push(`/${kind}/${kind}-${i}`)
  await Promise.all(paths.map((p) => post(`${base}${p}`, '')))
  t.equal(await client.flush(10000), true)
  t.equal(collector.events.length, paths.length)
  const target = { 'fetch-refused': `127.0.0.1:${refused}/refused`, 'fetch-refused-dual-stack': `dual.test:${refused}/refused`, 'fetch-reset': `127.0.0.1:${resetPort}/reset`, 'fetch-aborted': `${silentBase.slice(7)}/aborted`, 'http-refused': `127.0.0.1:${refused}/refused`, 'http-refused-dual-stack': `dual.test:${refused}/refused` }
  const why = { 'fetch-refused': /ECONNREFUSED/, 'fetch-refused-dual-stack': /ECONNREFUSED/, 'fetch-reset': /SocketError|ECONNRESET|other side closed/, 'fetch-aborted': /TimeoutError|AbortError|aborted/, 'http-refused': /ECONNREFUSED/, 'http-refused-dual-stack': /ECONNREFUSED/ }
  for (const p of paths) {
    const [, kind, id] = p.split('/')
    const e = findByMessage(collector.events, `after ${kind} ${id}`)
    const crumbs = httpCrumbs(e)
    t.equal(crumbs.length, 1, `${id}: exactly one outgoing breadcrumb`)
    const url = `http://${target[kind]}/${id}`
    t.match(crumbs[0], { type: 'http', category: 'http', level: 'error', message: `GET ${url}`, data: { method: 'GET', url } }, `${id}: its own request's call`)
    t.match(crumbs[0]?.data.error, why[kind], `${id}: the error says what happened: ${crumbs[0]?.data.error}`)
    t.notOk('status_code' in (crumbs[0]?.data ?? {}), `${id}: no status for a request that got no response`)
    t.type(crumbs[0]?.data.duration_ms, 'number')
  }
})
