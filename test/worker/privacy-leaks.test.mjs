// Issue 9: one test per leak found, real events through the collector. Each
// asserts what is removed AND what must still arrive, so a scrubber that
// dropped everything (or nothing) fails.
import t from 'tap'
import { setup, TOKEN } from '../helpers.mjs'

const F = '[Filtered]'

async function one (t, options, collectorOptions, build) {
  const { collector, client } = await setup(t, options, collectorOptions)
  build(client)
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1)
  return collector.events[0]
}

t.test('1: key filtering does not depend on an auth token being set', async (t) => {
  const e = await one(t, { authToken: undefined }, { token: null }, (client) => {
    client.setRequest({
      url: 'https://shop.example.com/a',
      headers: { 'X-Auth-Token': 'at', 'X-CSRF-Token': 'csrf', 'X-Session-Id': 'sid', 'Accept': 'text/html' }
    })
    client.setTags({ api_key: 'k1', password: 'p1', feature: 'checkout' })
    client.captureMessage('no token configured')
  })
  t.same(e.contexts.request.headers, { 'X-Auth-Token': F, 'X-CSRF-Token': F, 'X-Session-Id': F, Accept: 'text/html' })
  t.same(e.contexts.tags, { api_key: F, password: F, feature: 'checkout' })
})

t.test('2: authorization and the other secret-like keys are filtered in every user-data field', async (t) => {
  const secrets = {
    Authorization: 'Basic a', AUTHORIZATION: 'Basic b', 'Proxy-Authorization': 'Basic c', proxyAuthorization: 'Basic d',
    pwd: '1', passwd: '2', jwt: '3', bearer: '4', credentials: '5', private_key: '6', client_secret: '7',
    access_token: '8', refresh_token: '9', 'set-cookie': '10', 'x-csrf-token': '11'
  }
  // Keys that only look close: they must arrive.
  const plain = { author: 'bob', authors: ['a'], region: 'eu', passenger: 'p' }
  const filtered = Object.fromEntries(Object.keys(secrets).map((k) => [k, F]))
  const e = await one(t, {}, {}, (client) => {
    client.setExtra('ctx', { ...secrets, ...plain })
    client.setUser({ id: 1, ...secrets, ...plain })
    client.setRequest({ url: 'https://x.example/', data: { ...secrets, ...plain } })
    client.addBreadcrumb({ message: 'm', data: { ...secrets, ...plain } })
    client.setContext('svc', { ...secrets, ...plain })
    client.captureMessage('secrets')
  })
  const want = { ...filtered, ...plain }
  t.same(e.contexts.extra.ctx, want, 'extra')
  t.same(e.contexts.user.data, want, 'user.data')
  t.same(e.contexts.request.data, want, 'request data')
  t.same(e.breadcrumbs[0].data, want, 'breadcrumb data')
  t.same(e.contexts.svc, want, 'contexts')
})

const ipHeaders = {
  'X-Forwarded-For': '203.0.113.1', 'X-Real-IP': '203.0.113.2', Forwarded: 'for=203.0.113.3',
  'CF-Connecting-IP': '203.0.113.4', 'True-Client-IP': '203.0.113.5', 'content-type': 'text/plain'
}
const ipEnv = { REMOTE_ADDR: '203.0.113.6', HTTP_X_FORWARDED_FOR: '203.0.113.7', HTTP_X_REAL_IP: '203.0.113.8', SERVER_NAME: 'shop' }

t.test('3: no client IP leaves without sendDefaultPii, in any header or env key; all of them with it', async (t) => {
  const build = (client) => {
    client.setUser({ id: 1, ip_address: '203.0.113.9' })
    client.setRequest({ url: 'https://x.example/', headers: ipHeaders, env: ipEnv })
    client.captureMessage('ips')
  }
  const e = await one(t, {}, {}, build)
  t.notMatch(JSON.stringify(e), /203\.0\.113/, 'no client address anywhere')
  t.same(e.contexts.request.headers, { 'content-type': 'text/plain' })
  t.same(e.contexts.request.env, { SERVER_NAME: 'shop' })
  const p = await one(t, { sendDefaultPii: true }, {}, build)
  t.same(p.contexts.request.headers, ipHeaders)
  t.same(p.contexts.request.env, ipEnv)
  t.equal(p.contexts.user.ip_address, '203.0.113.9')
})

t.test('4: URL credentials always go; query strings go unless sendDefaultPii (request and breadcrumbs)', async (t) => {
  const build = (client) => {
    client.setRequest({ url: 'https://alice:s3cret@shop.example.com/checkout?coupon=X#f', method: 'GET' })
    client.addBreadcrumb({ category: 'http', message: 'GET https://bob:hunter2@api.example.com/v1/items?email=a@b.c failed', data: { url: 'https://bob:hunter2@api.example.com/v1/items?email=a@b.c', method: 'GET' } })
    client.addBreadcrumb({ category: 'navigation', data: { from: '/cart?step=2', to: '/pay?card=4242' } })
    client.captureMessage('urls')
  }
  const e = await one(t, {}, {}, build)
  t.equal(e.contexts.request.url, 'https://[Filtered]@shop.example.com/checkout')
  t.equal(e.breadcrumbs[0].message, 'GET https://[Filtered]@api.example.com/v1/items failed')
  t.same(e.breadcrumbs[0].data, { url: 'https://[Filtered]@api.example.com/v1/items', method: 'GET' })
  t.same(e.breadcrumbs[1].data, { from: '/cart', to: '/pay' })
  t.notMatch(JSON.stringify(e), /s3cret|hunter2|coupon|email=|card=/)

  const p = await one(t, { sendDefaultPii: true }, {}, build)
  t.equal(p.contexts.request.url, 'https://[Filtered]@shop.example.com/checkout?coupon=X#f', 'query kept, credentials not')
  t.equal(p.breadcrumbs[0].data.url, 'https://[Filtered]@api.example.com/v1/items?email=a@b.c')
  t.same(p.breadcrumbs[1].data, { from: '/cart?step=2', to: '/pay?card=4242' })
  t.notMatch(JSON.stringify(p), /s3cret|hunter2/)
})

t.test('5: request env gets the key rules; request cookies are sent only with sendDefaultPii', async (t) => {
  const build = (client) => {
    client.setRequest({
      url: 'https://x.example/',
      env: { DB_PASSWORD: 'pw', HTTP_AUTHORIZATION: 'Basic x', HTTP_COOKIE: 'sid=1', SECRET_KEY_BASE: 'skb', SERVER_PORT: '443' },
      cookies: { sid: 'abc', theme: 'dark' }
    })
    client.captureMessage('env')
  }
  const e = await one(t, {}, {}, build)
  t.same(e.contexts.request.env, { DB_PASSWORD: F, SECRET_KEY_BASE: F, SERVER_PORT: '443' })
  t.equal(e.contexts.request.cookies, null)
  const p = await one(t, { sendDefaultPii: true }, {}, build)
  t.same(p.contexts.request.env, { DB_PASSWORD: F, HTTP_AUTHORIZATION: 'Basic x', HTTP_COOKIE: 'sid=1', SECRET_KEY_BASE: F, SERVER_PORT: '443' })
  t.same(p.contexts.request.cookies, { sid: 'abc', theme: 'dark' })
})

t.test('6: sendDefaultPii sends the request credentials the Python SDK sends; other secret-like keys stay filtered', async (t) => {
  const headers = {
    authorization: 'Bearer app', cookie: 'sid=1', 'set-cookie': 'a=b', 'x-api-key': 'k', 'x-forwarded-authorization': 'f',
    'x-auth-token': 'at', 'proxy-authorization': 'Basic p', 'user-agent': 'curl'
  }
  const build = (client) => {
    client.setRequest({ url: 'https://x.example/', headers, data: { authorization: 'in-body', password: 'p' } })
    client.setExtra('cookie', 'c')
    client.captureMessage('opt-in')
  }
  const p = await one(t, { sendDefaultPii: true }, {}, build)
  t.same(p.contexts.request.headers, { ...headers, 'x-auth-token': F, 'proxy-authorization': F })
  t.same(p.contexts.request.data, { authorization: F, password: F }, 'the opt-in covers request headers, not other fields')
  t.equal(p.contexts.extra.cookie, F)
  const e = await one(t, {}, {}, build)
  t.same(e.contexts.request.headers, { 'x-auth-token': F, 'proxy-authorization': F, 'user-agent': 'curl' })
})

function throwNearTheToken () {
  // The token literal in source within 5 lines of the throw: context lines carry it.
  const opts = { authToken: 'test-token-123456' }
  throw new Error(`near the token: ${Object.keys(opts).length}`)
}

t.test('7: the auth token literal never reaches the ingest, from any field', async (t) => {
  const build = (client) => {
    client.setUser({ id: TOKEN, username: `u-${TOKEN}`, email: `${TOKEN}@example.com` })
    client.setTag(`tag-${TOKEN}`, 'v')
    client.setTag('t', `v-${TOKEN}`)
    client.setExtra(`extra-${TOKEN}`, 1)
    client.setContext(`ctx-${TOKEN}`, { a: TOKEN })
    client.addBreadcrumb({ category: `cat-${TOKEN}`, type: `type-${TOKEN}`, message: `msg-${TOKEN}`, data: { [`k-${TOKEN}`]: TOKEN } })
    client.setRequest({ url: `https://x.example/${TOKEN}`, headers: { 'x-note': TOKEN }, env: { NOTE: TOKEN } })
  }
  const { collector, client } = await setup(t, {})
  build(client)
  client.captureMessage(`message with ${TOKEN}`)
  const err = new Error(`value ${TOKEN}`)
  err.name = `Type${TOKEN}`
  client.captureException(err)
  try { throwNearTheToken() } catch (e) { client.captureException(e) }
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 3)
  for (const e of collector.events) t.notOk(JSON.stringify(e).includes(TOKEN), `event "${e.message}" holds no token`)
  const [msg, typed, near] = collector.events
  t.same(msg.fingerprint, [`message with ${F}`], 'the default fingerprint of a message is scrubbed')
  t.equal(typed.exception.values[0].type, `Type${F}`)
  t.equal(typed.exception.values[0].value, `value ${F}`)
  t.same(msg.contexts.user, { id: F, username: `u-${F}`, email: `${F}@example.com`, ip_address: null, data: {} })
  // (The test token holds the word "token", so keys made with it are secret-like too.)
  t.same(Object.keys(msg.contexts.tags).sort(), ['t', `tag-${F}`])
  t.equal(msg.contexts.tags.t, `v-${F}`)
  t.ok(`extra-${F}` in msg.contexts.extra)
  t.ok(`ctx-${F}` in msg.contexts)
  t.same(msg.breadcrumbs[0], { ...msg.breadcrumbs[0], category: `cat-${F}`, type: `type-${F}`, message: `msg-${F}`, data: { [`k-${F}`]: F } })
  const frames = near.exception.values[0].stacktrace.frames
  const top = frames[frames.length - 1]
  t.equal(top.function, 'throwNearTheToken')
  t.ok(top.pre_context.some((l) => l.includes(`authToken: '${F}'`)), 'the source line is there, with the token replaced')
})

t.test('7: the default fingerprint names an anonymous function by its line: a token on that line is scrubbed there too', async (t) => {
  const { collector, client } = await setup(t, {})
  try { (() => { throw new Error(`${{ authToken: 'test-token-123456' }.authToken.length}`) })() } catch (e) { client.captureException(e) }
  t.equal(await client.flush(5000), true)
  const e = collector.events[0]
  t.equal(e.exception.values[0].stacktrace.frames.at(-1).function, null, 'an anonymous frame')
  t.match(e.fingerprint[1], `{ authToken: '${F}' }`, 'its line is in the fingerprint, the token replaced')
  t.notOk(JSON.stringify(e).includes(TOKEN), 'the event holds no token')
})

t.test('7: beforeSend sees the event already scrubbed', async (t) => {
  let seen = null
  const { collector, client } = await setup(t, { beforeSend: (ev) => { seen = structuredClone(ev); return ev } })
  client.setExtra('password', 'hunter2')
  client.setRequest({ url: 'https://x.example/p?q=1', headers: { cookie: 'sid=1', accept: '*/*' } })
  client.captureMessage(`msg ${TOKEN}`)
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1)
  t.equal(seen.contexts.extra.password, F)
  t.equal(seen.message, `msg ${F}`)
  t.same(seen.contexts.request, { url: 'https://x.example/p', headers: { accept: '*/*' } })
  t.notOk(JSON.stringify(seen).includes(TOKEN))
  t.equal(collector.events[0].contexts.extra.password, F)
})

t.test('denyKeys adds keys to the secret-like list (case and separators ignored)', async (t) => {
  const build = (client) => {
    client.setExtra('SSN', '123-45-6789')
    client.setExtra('cardNumber', '4242')
    client.setExtra('region', 'eu')
    client.captureMessage('deny')
  }
  const e = await one(t, { denyKeys: ['ssn', 'card_number'] }, {}, build)
  t.same(e.contexts.extra, { SSN: F, cardNumber: F, region: 'eu' })
  const d = await one(t, {}, {}, build)
  t.same(d.contexts.extra, { SSN: '123-45-6789', cardNumber: '4242', region: 'eu' }, 'not filtered without denyKeys')
})
