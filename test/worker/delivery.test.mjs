// 429 / 5xx / 401 / 404 / 413 against the collector's fault injection.
import t from 'tap'
import { setup } from '../helpers.mjs'
import { ErrorTracker, startCollector } from 'xrayradar'
import { parseRetryAfter, undiciSlim } from '../../dist/worker/http-transport.js'

const statuses = (collector) => collector.requests.map((r) => r.status)

t.test('workers load only undici\'s Pool (the full index costs ~7 MiB per worker)', async (t) => {
  t.equal(undiciSlim, true, 'if an undici release moved lib/dispatcher/pool, update http-transport.ts')
})

t.test('5xx is retried with back-off until it succeeds', async (t) => {
  const { collector, client } = await setup(t, {}, { fault: { status: 503, count: 2 } })
  client.captureMessage('eventually')
  t.equal(await client.flush(10000), true)
  t.same(statuses(collector), [503, 503, 200])
  t.equal(collector.events.length, 1)
  t.equal(client.stats().delivered, 1)
  const gaps = collector.requests.slice(1).map((r, i) => r.at - collector.requests[i].at)
  t.ok(gaps.every((g) => g >= 80), `attempts are spaced by back-off (${gaps.join(', ')} ms)`)
})

t.test('5xx past maxAttempts is dropped as network_error, never an endless loop', async (t) => {
  const { collector, client } = await setup(t, { maxAttempts: 3 }, { fault: { status: 500 } })
  client.captureMessage('never')
  t.equal(await client.flush(10000), true, 'flush settles: the event is dropped and counted')
  t.same(statuses(collector), [500, 500, 500])
  t.equal(client.stats().dropped.network_error, 1)
})

t.test('connection refused is retried, then counted', async (t) => {
  const c = await startCollector()
  const dsn = c.dsn('1')
  await c.close()
  const client = new ErrorTracker({ dsn, maxAttempts: 2, spool: false })
  t.teardown(() => client.close(100))
  client.captureMessage('nobody home')
  t.equal(await client.flush(10000), true)
  t.equal(client.stats().dropped.network_error, 1)
})

t.test('429 with Retry-After: no request until the window ends; events meanwhile counted as rate_limited', async (t) => {
  const { collector, client } = await setup(t, {}, { fault: { status: 429, retryAfter: 1, count: 1 } })
  client.captureMessage('first')
  t.equal(await client.flush(5000), true)
  const limitedAt = Date.now()
  for (let i = 0; i < 5; i++) client.captureMessage(`during ${i}`)
  t.equal(await client.flush(5000), true)
  t.equal(collector.requests.length, 1, 'no request to the store during the window')
  t.equal(client.stats().dropped.rate_limited, 6)
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1100 - (Date.now() - limitedAt))))
  client.captureMessage('after')
  t.equal(await client.flush(5000), true)
  t.same(statuses(collector), [429, 200])
  t.equal(collector.events[0].message, 'after')
})

t.test('Retry-After as seconds, HTTP date, or absent (60 s)', async (t) => {
  const now = Date.parse('2026-11-24T00:00:00Z')
  t.equal(parseRetryAfter('2', now), 2000)
  t.equal(parseRetryAfter('Tue, 24 Nov 2026 00:00:30 GMT', now), 30000)
  t.equal(parseRetryAfter(undefined, now), 60000)
  t.equal(parseRetryAfter('soon', now), 60000)
})

for (const [status, reason, hint] of [[401, 'rejected', /Verify XRAYRADAR_AUTH_TOKEN/], [403, 'rejected', /Verify XRAYRADAR_AUTH_TOKEN/], [404, 'rejected', /Verify your DSN \/ project id/], [413, 'too_large', null], [400, 'rejected', null]]) {
  t.test(`${status} is final: no retry, counted as ${reason}`, async (t) => {
    const { collector, client } = await setup(t, {}, { fault: { status } })
    client.captureMessage('a')
    client.captureMessage('b')
    t.equal(await client.flush(5000), true)
    t.same(statuses(collector), [status, status], 'one request per event, no retries')
    t.equal(client.stats().dropped[reason], 2)
  })
}

t.test('a wrong token and an unknown project are told once on stderr, without the token', async (t) => {
  const { runFixture } = await import('../helpers.mjs')
  const collector = await startCollector({ token: 'right-token', projects: ['42'] })
  t.teardown(() => collector.close())
  const wrongToken = await runFixture('send-messages.mjs', { env: { XRAYRADAR_DSN: collector.dsn('42'), XRAYRADAR_AUTH_TOKEN: 'wrong-token-value', COUNT: '3' } })
  t.equal(wrongToken.code, 0)
  t.equal(wrongToken.stderr.match(/Verify XRAYRADAR_AUTH_TOKEN/g)?.length, 1, 'one diagnostic for three rejected events')
  t.notMatch(wrongToken.stderr, /wrong-token-value/)
  t.match(wrongToken.stdout, /"rejected":3/)
  const unknown = await runFixture('send-messages.mjs', { env: { XRAYRADAR_DSN: collector.dsn('7'), XRAYRADAR_AUTH_TOKEN: 'right-token', COUNT: '2' } })
  t.equal(unknown.stderr.match(/Verify your DSN \/ project id/g)?.length, 1)
  t.equal(collector.events.length, 0)
})

t.test('an oversized event is truncated to fit maxPayloadSize, or dropped as too_large', async (t) => {
  const { collector, client } = await setup(t, { maxPayloadSize: 8192 })
  client.captureMessage('m'.repeat(3000), { extra: { blob: 'z'.repeat(6000) } })
  for (let i = 0; i < 150; i++) client.addBreadcrumb({ message: `crumb ${i} ${'c'.repeat(50)}` })
  client.captureException(new Error('e'.repeat(5000)))
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 2)
  for (const e of collector.events) t.ok(Buffer.byteLength(JSON.stringify(e)) <= 8192)
  t.equal(collector.events[0].message.length, 1000)
  t.equal(collector.events[1].exception.values[0].value.length, 1000)
  t.ok(collector.events[1].breadcrumbs.length <= 100)
  t.ok(collector.events[1].exception.values[0].stacktrace.frames.length > 0, 'frames survive truncation')

  // Tags cannot be cut: an event whose tags alone exceed the limit is dropped and counted.
  const tags = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`tag${i}`, 'v'.repeat(190)]))
  client.captureMessage('too many tags', { tags })
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 2)
  t.equal(client.stats().dropped.too_large, 1)
})
