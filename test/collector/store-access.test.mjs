// The store endpoint against web pages: a page the user visits may not post events to a local
// collector, neither cross-origin (a "simple" text/plain POST needs no preflight) nor through a
// DNS name rebound to 127.0.0.1 (same-origin to the browser); each refusal is a recorded 403 and
// stores nothing. SDKs (no Origin, no Sec-Fetch-Site) keep delivering, by any Host they dial.
import t from 'tap'
import { ErrorTracker, startCollector } from 'xrayradar'
import { checkStoreAccess } from '../../dist/collector/page-access.js'
import { errorEvent, post } from './events.mjs'
import { rawRequest } from './raw-http.mjs'

async function collector (t, options = {}) {
  const c = await startCollector(options)
  t.teardown(() => c.close())
  return c
}

/** A POST to the store endpoint with exactly these headers, as a browser (or anything) would send it. */
const storePost = (c, headers, project = '1') =>
  rawRequest(`${c.url}/api/${project}/store/`, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: JSON.stringify(errorEvent({ value: 'injected' })) })

/** Nothing stored: no event, no count, the page's data empty. */
async function nothingStored (t, c, what) {
  t.equal(c.events.length, 0, `${what}: no event kept`)
  t.same(c.counts, {}, `${what}: nothing counted`)
  const page = await rawRequest(`${c.url}/ui/api/groups`)
  t.match(JSON.parse(page.body), { kept: 0, received: 0, groups: [] }, `${what}: the page shows nothing`)
}

t.test('without a token: another origin\'s page cannot post an event; nothing is stored, each refusal recorded', async (t) => {
  const c = await collector(t)
  const attacks = [
    ['another site', { origin: 'http://attacker.example', 'sec-fetch-site': 'cross-site' }],
    ['another local origin (another port)', { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' }],
    ['localhost on another port', { origin: 'http://localhost:1' }],
    ['a sandboxed frame or a file', { origin: 'null' }],
    ['Sec-Fetch-Site alone says another site', { 'sec-fetch-site': 'cross-site' }],
    ['a typed address ("none") is no page of the collector\'s', { 'sec-fetch-site': 'none' }],
    // A page on attacker.example whose name was rebound to 127.0.0.1: same-origin to the browser.
    ['a rebound DNS name', { host: `attacker.example:${c.port}`, origin: `http://attacker.example:${c.port}`, 'sec-fetch-site': 'same-origin' }],
    ['a rebound DNS name, no Sec-Fetch-Site (not a secure context)', { host: `attacker.example:${c.port}`, origin: `http://attacker.example:${c.port}` }]
  ]
  for (const [what, headers] of attacks) {
    const r = await storePost(c, headers)
    t.equal(r.status, 403, what)
    t.match(JSON.parse(r.body).error, /refused/, what)
  }
  await nothingStored(t, c, 'after every attack')
  t.same(c.requests.map((r) => [r.project, r.status]), attacks.map(() => ['1', 403]), 'each refusal is recorded like the contract\'s')
})

t.test('the legitimate senders still store: the SDK, fetch and http without Origin, the collector\'s own origin', async (t) => {
  const c = await collector(t)
  t.equal(await post(c, '1', errorEvent()), 200, 'Node\'s fetch (no Origin, no Sec-Fetch-Site)')
  t.equal((await storePost(c, {})).status, 200, 'node:http, text/plain')
  t.equal((await storePost(c, { host: `collector.lan:${c.port}` })).status, 200, 'an SDK that dials another name (a collector on 0.0.0.0 reached from another machine): no Origin, so no Host rule')
  const own = { host: `127.0.0.1:${c.port}`, origin: `http://127.0.0.1:${c.port}`, 'sec-fetch-site': 'same-origin' }
  t.equal((await storePost(c, own)).status, 200, 'the collector\'s own origin on 127.0.0.1')
  t.equal((await storePost(c, { host: `localhost:${c.port}`, origin: `http://localhost:${c.port}` })).status, 200, 'and on localhost')
  const client = new ErrorTracker({ dsn: c.dsn('2'), spool: false })
  t.teardown(() => client.close(100))
  client.captureMessage('from the SDK')
  t.equal(await client.flush(5000), true)
  t.equal(c.counts['2'], 1, 'the SDK\'s real delivery is stored')
  t.equal(c.events.length, 6, 'every one of them stored')
  t.ok(c.requests.every((r) => r.status === 200))
})

t.test('a refused request uses up no fault, and the envelope endpoint follows the same rule', async (t) => {
  const c = await collector(t, { acceptSentryEnvelopes: true })
  c.setFault({ status: 503, count: 1 })
  t.equal((await storePost(c, { origin: 'http://attacker.example' })).status, 403)
  t.equal(await post(c, '1', errorEvent()), 503, 'the fault is still there for the next real request')
  const envelope = '{"event_id":"a"}\n{"type":"event"}\n{}\n'
  const refused = await rawRequest(`${c.url}/api/9/envelope/`, { method: 'POST', headers: { origin: 'http://attacker.example', 'content-type': 'text/plain' }, body: envelope })
  t.equal(refused.status, 403)
  t.equal(c.counts['sentry:9'], undefined, 'a refused envelope is not counted')
  t.equal((await rawRequest(`${c.url}/api/9/envelope/`, { method: 'POST', body: envelope })).status, 200)
  t.equal(c.counts['sentry:9'], 1, 'an SDK\'s envelope is')
})

t.test('with a token, on loopback: a rebound name is refused even with the token; the token is checked as before', async (t) => {
  const c = await collector(t, { token: 'tok-123' })
  const rebound = { host: `attacker.example:${c.port}`, origin: `http://attacker.example:${c.port}`, 'x-xrayradar-token': 'tok-123' }
  t.equal((await storePost(c, rebound)).status, 403, 'a page that knows the token, through a rebound name')
  t.equal((await storePost(c, { origin: 'http://attacker.example', 'x-xrayradar-token': 'tok-123' })).status, 403, 'another origin, with the token')
  t.equal(c.events.length, 0, 'nothing stored')
  for (const wrong of ['tok-12', 'tok-1234', 'TOK-123', '']) t.equal((await storePost(c, { 'x-xrayradar-token': wrong })).status, 401, `token ${JSON.stringify(wrong)}`)
  t.equal((await storePost(c, {})).status, 401, 'no token')
  t.equal(c.events.length, 0)
  t.equal((await storePost(c, { 'x-xrayradar-token': 'tok-123' })).status, 200, 'the right token')
  t.equal((await storePost(c, { host: `localhost:${c.port}`, origin: `http://localhost:${c.port}`, 'x-xrayradar-token': 'tok-123' })).status, 200, 'its own origin on localhost')
  t.same(c.requests.map((r) => r.status), [403, 403, 401, 401, 401, 401, 401, 200, 200])
})

t.test('the store rule itself, for listen addresses a test on loopback does not use', async (t) => {
  const browser = (host, origin) => ({ remoteAddress: '192.168.1.20', host, origin, fetchSite: undefined, token: undefined })
  const sdk = { remoteAddress: '192.168.1.20', host: '192.168.1.5:9000', origin: undefined, fetchSite: undefined, token: undefined }
  for (const token of [null, 'tok']) {
    t.same(checkStoreAccess(sdk, { token, listenHost: '0.0.0.0' }), { ok: true }, `an SDK on another machine, 0.0.0.0, token ${token}`)
    t.match(checkStoreAccess(browser('192.168.1.5:9000', 'http://evil.example'), { token, listenHost: '0.0.0.0' }), { ok: false, status: 403 }, `another origin, token ${token}`)
  }
  const lanPage = browser('192.168.1.5:9000', 'http://192.168.1.5:9000')
  t.match(checkStoreAccess(lanPage, { token: null, listenHost: '0.0.0.0' }), { ok: false, status: 403 }, 'without a token a browser\'s request needs a loopback Host')
  t.same(checkStoreAccess(lanPage, { token: 'tok', listenHost: '0.0.0.0' }), { ok: true }, 'with a token on every interface: any Host (the token decides next)')
  t.same(checkStoreAccess(browser('0.0.0.0:9000', 'http://0.0.0.0:9000'), { token: null, listenHost: '0.0.0.0' }), { ok: true }, 'the listen address itself')
})
