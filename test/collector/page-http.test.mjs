// The collector's page over plain HTTP: its files and their headers, the JSON API, the
// live stream, and who may read them (loopback without a token, the token with one).
import t from 'tap'
import { request } from 'node:http'
import { startCollector } from 'xrayradar'
import { checkAccess, isLoopbackAddress, isLoopbackHost } from '../../dist/collector/page-access.js'
import { errorEvent, post, wireEvent } from './events.mjs'
import { rawRequest } from './raw-http.mjs'

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"

/** GET with any headers. */
const get = (url, headers = {}) => rawRequest(url, { headers })

async function collector (t, options = {}) {
  const c = await startCollector(options)
  t.teardown(() => c.close())
  return c
}

t.test('GET / is the page; its script, style and icon come from the collector, all under a strict CSP', async (t) => {
  const c = await collector(t)
  t.equal(c.pageUrl, `${c.url}/`)
  const html = await get(c.pageUrl)
  t.equal(html.status, 200)
  t.match(html.headers['content-type'], /^text\/html/)
  t.equal(html.headers['content-security-policy'], CSP)
  t.equal(html.headers['x-content-type-options'], 'nosniff')
  t.equal(html.headers['referrer-policy'], 'no-referrer')
  t.match(html.body, /<script src="ui\/app\.js" defer><\/script>/)
  t.notMatch(html.body, /<script>|<script [^>]*>[^<]|\son[a-z]+=|style=|https?:\/\//i, 'no inline script, handler, style or absolute URL in the HTML')
  for (const [path, type] of [['/ui/app.js', /^text\/javascript/], ['/ui/app.css', /^text\/css/], ['/ui/icon.svg', /^image\/svg\+xml/]]) {
    const r = await get(c.url + path)
    t.equal(r.status, 200, path)
    t.match(r.headers['content-type'], type, path)
    t.equal(r.headers['content-security-policy'], CSP, path)
    t.ok(r.body.length > 100, `${path} has content`)
  }
  const js = (await get(c.url + '/ui/app.js')).body
  t.notMatch(js, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/, 'the script has no HTML or code sink')
  t.notMatch(js, /https?:\/\/(?!www\.w3\.org)/, 'the script names no other origin')
  t.equal((await get(c.url + '/ui/nothing.js')).status, 404)
  const posted = await new Promise((resolve) => {
    const req = request(c.pageUrl, { method: 'POST' }, (res) => { res.resume(); resolve(res.statusCode) })
    req.end('x')
  })
  t.equal(posted, 405, 'the page answers GET only')
})

t.test('the JSON API: groups (paged, filtered), one event, its raw JSON', async (t) => {
  const c = await collector(t)
  for (let i = 0; i < 3; i++) t.equal(await post(c, '7', errorEvent({ type: 'TypeError', value: `attempt ${i}` })), 200)
  t.equal(await post(c, '7', wireEvent({ message: 'cache warm', level: 'info', fingerprint: ['cache warm'] })), 200)
  t.equal(await post(c, '8', errorEvent({ type: 'TypeError', value: 'attempt 9' })), 200)

  const all = JSON.parse((await get(`${c.url}/ui/api/groups`)).body)
  t.same(all.groups.map((g) => [g.project, g.title, g.count, g.latestSeq]), [
    ['8', 'TypeError: attempt 9', 1, 5],
    ['7', 'cache warm', 1, 4],
    ['7', 'TypeError: attempt 2', 3, 3]
  ])
  t.match(all, { total: 3, kept: 5, received: 5, keep: 100_000, lastSeq: 5, offset: 0, limit: 50 })
  const r = await get(`${c.url}/ui/api/groups?project=7&level=error&q=ATTEMPT&limit=1`)
  t.equal(r.headers['cache-control'], 'no-store')
  t.same(JSON.parse(r.body).groups.map((g) => g.title), ['TypeError: attempt 2'])
  t.equal((await get(`${c.url}/ui/api/groups?level=loud`)).status, 400)
  t.equal((await get(`${c.url}/ui/api/groups?limit=100000`)).status, 400)
  t.equal((await get(`${c.url}/ui/api/groups?offset=-1`)).status, 400)

  const one = JSON.parse((await get(`${c.url}/ui/api/events/2`)).body)
  t.match(one, { seq: 2, project: '7', group: { count: 3, position: 2, olderSeq: 1, newerSeq: 3 }, event: { message: 'TypeError: attempt 1' } })
  t.same(one.event, c.events[1], 'the event as stored')
  const raw = await get(`${c.url}/ui/api/events/2/raw`)
  t.match(raw.headers['content-type'], /^application\/json/)
  t.same(JSON.parse(raw.body), c.events[1])
  t.match(raw.body, /^\{\n {2}"event_id"/, 'indented')
  t.equal((await get(`${c.url}/ui/api/events/99`)).status, 404)
  t.equal((await get(`${c.url}/ui/api/events/x`)).status, 404)
})

t.test('the live stream says when events arrive, once per burst', async (t) => {
  const c = await collector(t)
  const ctl = new AbortController()
  t.teardown(() => ctl.abort())
  const res = await fetch(`${c.url}/ui/api/stream`, { signal: ctl.signal })
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/event-stream/)
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  const messages = []
  let buffer = ''
  // Reads until `want` messages arrived; bounded so a silent stream fails instead of hanging.
  async function until (want) {
    const deadline = Date.now() + 10_000
    while (messages.length < want) {
      let timer
      const late = new Promise((resolve) => { timer = setTimeout(resolve, Math.max(0, deadline - Date.now()), 'timeout') })
      const next = await Promise.race([reader.read(), late])
      clearTimeout(timer)
      if (next === 'timeout' || next.done) break
      buffer += next.value
      let i
      while ((i = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, i)
        buffer = buffer.slice(i + 2)
        const data = block.split('\n').find((l) => l.startsWith('data: '))
        if (data !== undefined) messages.push(JSON.parse(data.slice(6)))
      }
    }
  }
  await until(1)
  t.same(messages, [{ lastSeq: 0, kept: 0, received: 0 }], 'the state at once on connect')
  await Promise.all(Array.from({ length: 20 }, (_, i) => post(c, '1', errorEvent({ value: `burst ${i}` }))))
  await until(2)
  t.equal(messages[1]?.lastSeq > 0, true, 'a message after the events')
  // Whatever the burst was split into, the last message says all 20 arrived, in far fewer than 20 messages.
  const deadline = Date.now() + 5000
  while (messages.at(-1).lastSeq < 20 && Date.now() < deadline) await until(messages.length + 1)
  t.same(messages.at(-1), { lastSeq: 20, kept: 20, received: 20 })
  t.ok(messages.length - 1 < 20, `${messages.length - 1} message(s) for 20 events`)
})

t.test('with a token: the page is served to anyone, its data and the control endpoints only with the token', async (t) => {
  const c = await collector(t, { token: 's3cret' })
  t.equal(await post(c, '1', errorEvent(), { 'x-xrayradar-token': 's3cret' }), 200)
  t.equal(await post(c, '1', errorEvent()), 401, 'the store endpoint wants it as before')
  t.equal((await get(c.pageUrl)).status, 200, 'the page itself holds no data: it loads, then asks')
  t.equal((await get(`${c.url}/ui/app.js`)).status, 200)
  for (const path of ['/ui/api/groups', '/ui/api/events/1', '/ui/api/events/1/raw', '/ui/api/stream', '/__xrayradar/events', '/__xrayradar/counts']) {
    const none = await get(c.url + path)
    t.equal(none.status, 401, `${path} without the token`)
    t.match(JSON.parse(none.body).error, /X-Xrayradar-Token/)
    t.notMatch(none.body, /s3cret/, 'the refusal does not echo the token')
    t.equal((await get(c.url + path, { 'x-xrayradar-token': 'wrong' })).status, 401, `${path} with a wrong token`)
  }
  const ok = await get(`${c.url}/ui/api/groups`, { 'x-xrayradar-token': 's3cret' })
  t.equal(ok.status, 200)
  t.equal(JSON.parse(ok.body).groups.length, 1)
  t.equal((await get(`${c.url}/ui/api/events/1`, { 'x-xrayradar-token': 's3cret' })).status, 200)
  t.equal((await get(`${c.url}/__xrayradar/counts`, { 'x-xrayradar-token': 's3cret' })).status, 200)
})

t.test('without a token: loopback only, by address and by Host name; another origin is refused', async (t) => {
  const c = await collector(t)
  t.equal(await post(c, '1', errorEvent()), 200)
  const api = `${c.url}/ui/api/groups`
  t.equal((await get(api)).status, 200)
  t.equal((await get(api, { host: `localhost:${c.port}` })).status, 200)
  t.equal((await get(api, { host: `[::1]:${c.port}` })).status, 200)
  const rebound = await get(api, { host: `attacker.example:${c.port}` })
  t.equal(rebound.status, 403, 'a DNS name that points at 127.0.0.1 does not make a page elsewhere local')
  t.match(JSON.parse(rebound.body).error, /Host header/)
  t.equal((await get(c.pageUrl, { host: 'attacker.example' })).status, 403, 'the page itself neither')
  t.equal((await get(`${c.url}/__xrayradar/events`, { host: 'attacker.example' })).status, 403, 'nor the control endpoints')
  t.equal((await get(api, { origin: 'http://attacker.example' })).status, 403, 'a script of another origin')
  t.equal((await get(api, { origin: 'null' })).status, 403, 'a sandboxed frame or a file')
  t.equal((await get(api, { origin: c.url })).status, 200, 'the page\'s own origin')
  const fault = await new Promise((resolve) => {
    const req = request(`${c.url}/__xrayradar/fault`, { method: 'POST', headers: { origin: 'http://attacker.example', 'content-type': 'text/plain' } }, (res) => { res.resume(); resolve(res.statusCode) })
    req.end('{"status":500}')
  })
  t.equal(fault, 403, 'another site cannot set a fault through a browser')
  t.equal(await post(c, '1', errorEvent()), 200, 'and none was set')
})

t.test('with a token, listening on loopback: a rebound Host name is refused even with the token; loopback names read', async (t) => {
  const c = await collector(t, { token: 's3cret' })
  t.equal(await post(c, '1', errorEvent({ value: 'private' }), { 'x-xrayradar-token': 's3cret' }), 200)
  const auth = { 'x-xrayradar-token': 's3cret' }
  for (const path of ['/ui/api/groups', '/ui/api/events/1', '/__xrayradar/events', '/']) {
    // A page on attacker.example that rebinds its name to 127.0.0.1 and knows (or guessed) the token: same-origin to the browser.
    const rebound = await get(c.url + path, { ...auth, host: `attacker.example:${c.port}`, origin: `http://attacker.example:${c.port}` })
    t.equal(rebound.status, 403, `${path} on a rebound name`)
    t.match(rebound.body, /Host header/)
    t.notMatch(rebound.body, /private|s3cret/, 'no event data, no token in the refusal')
  }
  for (const host of [`127.0.0.1:${c.port}`, `localhost:${c.port}`, `[::1]:${c.port}`]) {
    const ok = await get(`${c.url}/ui/api/groups`, { ...auth, host })
    t.equal(ok.status, 200, host)
    t.equal(JSON.parse(ok.body).groups[0]?.title, 'TypeError: private', `${host} reads the event`)
  }
})

t.test('the page\'s data refuses a request another site made (Sec-Fetch-Site), and still answers its own and typed addresses', async (t) => {
  const c = await collector(t)
  t.equal(await post(c, '1', errorEvent({ value: 'private' })), 200)
  const api = `${c.url}/ui/api/groups`
  for (const site of ['cross-site', 'same-site']) {
    const r = await get(api, { 'sec-fetch-site': site })
    t.equal(r.status, 403, site)
    t.notMatch(r.body, /private/, `${site}: no event data`)
  }
  t.equal((await get(api, { 'sec-fetch-site': 'same-origin' })).status, 200, 'the page\'s own fetch')
  t.equal((await get(api, { 'sec-fetch-site': 'none' })).status, 200, 'an address typed in the browser')
  t.equal((await get(c.pageUrl, { 'sec-fetch-site': 'cross-site' })).status, 200, 'a link from elsewhere opens the page itself (it holds no data)')
})

t.test('the access rule itself, for addresses a test on loopback cannot connect from', async (t) => {
  for (const a of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) t.equal(isLoopbackAddress(a), true, a)
  for (const a of ['10.0.0.7', '192.168.1.20', '::ffff:10.0.0.7', 'fe80::1', '', undefined, 'localhost', '128.0.0.1']) t.equal(isLoopbackAddress(a), false, String(a))
  for (const h of ['localhost:9000', 'LOCALHOST', 'app.localhost:1', '127.0.0.1:9000', '[::1]:9000', undefined]) t.equal(isLoopbackHost(h, '127.0.0.1'), true, String(h))
  for (const h of ['example.com:9000', '10.0.0.7:9000', 'localhost.example.com', '[fe80::1]:9000']) t.equal(isLoopbackHost(h, '127.0.0.1'), false, h)
  t.equal(isLoopbackHost('10.0.0.7:9000', '10.0.0.7'), true, 'the address it was told to listen on')

  const lan = { remoteAddress: '192.168.1.20', host: '192.168.1.5:9000', origin: undefined, token: undefined }
  const open = { token: null, listenHost: '0.0.0.0' }
  t.match(checkAccess(lan, open, true), { ok: false, status: 403, error: /start it with --token/ })
  t.match(checkAccess(lan, open, false), { ok: false, status: 403 }, 'not even the page without a token')
  const locked = { token: 'tok', listenHost: '0.0.0.0' }
  t.same(checkAccess(lan, locked, false), { ok: true }, 'with a token the page loads from anywhere')
  t.match(checkAccess(lan, locked, true), { ok: false, status: 401 })
  t.same(checkAccess({ ...lan, token: 'tok' }, locked, true), { ok: true })
  t.match(checkAccess({ ...lan, token: 'tok', origin: 'http://evil.example' }, locked, true), { ok: false, status: 403 })
  t.match(checkAccess({ remoteAddress: '127.0.0.1', host: 'localhost:9', origin: undefined, token: undefined }, locked, true), { ok: false, status: 401 }, 'with a token, loopback needs it too')
  const rebound = { remoteAddress: '127.0.0.1', host: 'attacker.example:9000', origin: undefined, token: 'tok' }
  t.same(checkAccess(rebound, locked, true), { ok: true }, 'with a token, listening on every interface: any Host (the names are the network\'s)')
  t.same(checkAccess(rebound, { token: 'tok', listenHost: '::' }, true), { ok: true })
  for (const listenHost of ['127.0.0.1', '::1', 'localhost']) {
    t.match(checkAccess(rebound, { token: 'tok', listenHost }, true), { ok: false, status: 403, error: /Host header/ }, `with a token, listening on ${listenHost}: a loopback Host only`)
  }
})
