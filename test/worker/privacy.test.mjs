// Privacy-first defaults of the contract, secrets by key, and the opt-in.
import t from 'tap'
import { setup, TOKEN } from '../helpers.mjs'

const request = {
  url: 'https://shop.example.com/checkout?coupon=X&email=a@b.c#frag',
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer s3cr3t', cookie: 'sid=1', 'set-cookie': 'a=b', 'x-api-key': 'k', 'x-forwarded-authorization': 'f', 'user-agent': 'curl' },
  query_string: 'coupon=X&email=a@b.c',
  data: { card: '4242', password: 'hunter2', nested: { api_key: 'abc', apiKey: 'def', client_secret: 'x', ok: 1 } },
  env: { SERVER_NAME: 'shop', REMOTE_ADDR: '10.0.0.1' }
}

async function capture (t, options) {
  const { collector, client } = await setup(t, options)
  client.setUser({ id: 1, ip_address: '203.0.113.9', session_token: 'zzz' })
  client.setRequest(request)
  client.setExtra('db_password', 'p')
  client.setExtra('config', { token: 't', region: 'eu' })
  client.addBreadcrumb({ message: 'login', data: { secret: 's', user: 'bob' } })
  client.captureException(new Error(`failed with token ${TOKEN}`))
  t.equal(await client.flush(5000), true)
  return collector.events[0]
}

t.test('defaults: no ip, no query string, no auth/cookie headers, no REMOTE_ADDR, secrets filtered', async (t) => {
  const e = await capture(t, {})
  const r = e.contexts.request
  t.equal(e.contexts.user.ip_address, null)
  t.equal(r.url, 'https://shop.example.com/checkout')
  t.equal(r.query_string, null)
  t.same(Object.keys(r.headers).sort(), ['content-type', 'user-agent'])
  t.same(r.env, { SERVER_NAME: 'shop' })
  t.same(r.data, { card: '4242', password: '[Filtered]', nested: { api_key: '[Filtered]', apiKey: '[Filtered]', client_secret: '[Filtered]', ok: 1 } })
  t.same(e.contexts.extra, { db_password: '[Filtered]', config: { token: '[Filtered]', region: 'eu' } })
  t.same(e.breadcrumbs[0].data, { secret: '[Filtered]', user: 'bob' })
  t.equal(e.contexts.user.data.session_token, '[Filtered]')
  t.notOk(JSON.stringify(e).includes(TOKEN), 'the auth token never appears in an event')
  t.equal(e.exception.values[0].value, 'failed with token [Filtered]')
})

t.test('sendDefaultPii: true sends ip, query string and headers; secrets by key stay filtered', async (t) => {
  const e = await capture(t, { sendDefaultPii: true })
  const r = e.contexts.request
  t.equal(e.contexts.user.ip_address, '203.0.113.9')
  t.equal(r.url, request.url)
  t.equal(r.query_string, request.query_string)
  t.equal(r.headers.authorization, 'Bearer s3cr3t')
  t.equal(r.env.REMOTE_ADDR, '10.0.0.1')
  t.equal(r.data.password, '[Filtered]')
})

t.test('beforeSend cannot smuggle a secret past scrubbing', async (t) => {
  const e = await capture(t, { beforeSend: (ev) => { ev.contexts.extra.api_key = 'leak'; return ev } })
  t.equal(e.contexts.extra.api_key, '[Filtered]')
})

t.test('request-shaped data: an HTTP/2 :path header, a requestUrl and a hostname follow the request rules', async (t) => {
  for (const sendDefaultPii of [false, true]) {
    const { collector, client } = await setup(t, { sendDefaultPii })
    client.setExtra('req', {
      method: 'GET',
      url: '/cart',
      hostname: 'user:pw@shop.example',
      headers: { ':path': '/cart?coupon=S3CR3T', ':authority': 'user:pw@shop.example' }
    })
    client.setExtra('httpRequest', { requestMethod: 'GET', requestUrl: '/x?token=abc123' })
    client.captureMessage('request-shaped')
    t.equal(await client.flush(5000), true)
    const extra = collector.events[0].contexts.extra
    t.equal(extra.req.headers[':path'], sendDefaultPii ? '/cart?coupon=S3CR3T' : '/cart', `:path query only with sendDefaultPii (${sendDefaultPii})`)
    t.equal(extra.httpRequest.requestUrl, sendDefaultPii ? '/x?token=abc123' : '/x', `requestUrl query only with sendDefaultPii (${sendDefaultPii})`)
    t.equal(extra.req.hostname, '[Filtered]@shop.example', 'a hostname never keeps user info')
    t.equal(extra.req.headers[':authority'], '[Filtered]@shop.example')
    if (!sendDefaultPii) t.notMatch(JSON.stringify(collector.events[0]), /S3CR3T|abc123|user:pw/, 'nothing of them anywhere')
  }
})
