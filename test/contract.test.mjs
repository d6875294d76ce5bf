// The event JSON matches the ingest contract field for field.
import t from 'tap'
import { readFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { setup, fixture } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { processPayment } = require(fixture('checkout.js'))

const EVENT_KEYS = ['breadcrumbs', 'contexts', 'event_id', 'exception', 'fingerprint', 'level', 'message', 'modules', 'platform', 'sdk', 'timestamp']
const CONTEXT_KEYS = ['environment', 'extra', 'release', 'request', 'server_name', 'tags', 'user']
const USER_KEYS = ['data', 'email', 'id', 'ip_address', 'username']
const REQUEST_KEYS = ['data', 'env', 'headers', 'method', 'query_string', 'url']
const VALUE_KEYS = ['module', 'stacktrace', 'type', 'value']
const FRAME_KEYS = ['abs_path', 'colno', 'context_line', 'filename', 'function', 'in_app', 'lineno', 'post_context', 'pre_context']
const CRUMB_KEYS = ['category', 'data', 'level', 'message', 'timestamp', 'type']
const keys = (o) => Object.keys(o).sort()

t.test('the key sets above are the spec example\'s (when shared/spec is beside the repo)', async (t) => {
  const spec = new URL('../../shared/spec/wire-protocol.md', import.meta.url)
  if (!existsSync(spec)) { t.skip('shared/spec not beside this checkout'); return }
  const json = readFileSync(spec, 'utf8').match(/```json\n([\s\S]*?)```/)[1]
  const e = JSON.parse(json)
  t.same(keys(e), EVENT_KEYS)
  t.same(keys(e.contexts), CONTEXT_KEYS)
  t.same(keys(e.contexts.user), USER_KEYS)
  t.same(keys(e.contexts.request), REQUEST_KEYS)
  t.same(keys(e.exception.values[0]), VALUE_KEYS)
  t.same(keys(e.exception.values[0].stacktrace.frames[0]), FRAME_KEYS)
  t.same(keys(e.breadcrumbs[0]), CRUMB_KEYS)
})

t.test('exception event', async (t) => {
  const { collector, client } = await setup(t, { environment: 'production', release: '1.0.0', serverName: 'web-1' })
  client.setUser({ id: 123, username: 'johndoe', email: 'user@example.com' })
  client.setRequest({ url: 'https://shop.example.com/checkout', method: 'POST', headers: { 'content-type': 'application/json' }, query_string: null, data: null, env: { SERVER_NAME: 'shop.example.com', SERVER_PORT: '443' } })
  client.setTag('feature', 'checkout')
  client.setExtra('cart_value', 99.99)
  client.addBreadcrumb({ message: 'POST /checkout', category: 'http', level: 'info', data: { method: 'POST' }, type: 'http' })
  let err
  try { processPayment({}) } catch (e) { err = e }
  const id = client.captureException(err)
  t.match(id, /^[0-9a-f-]{36}$/)
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1)
  const e = collector.events[0]
  t.same(keys(e), EVENT_KEYS)
  t.equal(e.event_id, id)
  t.ok(Math.abs(Date.parse(e.timestamp) - Date.now()) < 60000, 'timestamp is now, ISO')
  t.equal(e.level, 'error')
  t.equal(e.message, "TypeError: Cannot read properties of undefined (reading 'id')")
  t.equal(e.platform, 'javascript')
  t.same(e.sdk, { name: 'xrayradar-node', version: require('../package.json').version })
  t.same(keys(e.contexts), CONTEXT_KEYS)
  t.same(e.contexts.user, { id: '123', username: 'johndoe', email: 'user@example.com', ip_address: null, data: {} })
  t.same(keys(e.contexts.request), REQUEST_KEYS)
  t.same(e.contexts.tags, { feature: 'checkout' })
  t.same(e.contexts.extra, { cart_value: 99.99 })
  t.equal(e.contexts.server_name, 'web-1')
  t.equal(e.contexts.release, '1.0.0')
  t.equal(e.contexts.environment, 'production')
  t.equal(e.exception.values.length, 1)
  const v = e.exception.values[0]
  t.same(keys(v), VALUE_KEYS)
  t.equal(v.type, 'TypeError')
  t.equal(v.value, "Cannot read properties of undefined (reading 'id')")
  t.equal(v.module, null)
  const top = v.stacktrace.frames.at(-1)
  t.same(keys(top), FRAME_KEYS)
  t.same(keys(e.breadcrumbs[0]), CRUMB_KEYS)
  t.same({ ...e.breadcrumbs[0], timestamp: 'x' }, { timestamp: 'x', message: 'POST /checkout', category: 'http', level: 'info', data: { method: 'POST' }, type: 'http' })
  t.same(e.fingerprint, ['TypeError', 'loadCustomer'])
  t.equal(typeof e.modules, 'object')
  t.equal(e.modules.piscina, JSON.parse(readFileSync(new URL('../node_modules/piscina/package.json', import.meta.url))).version, 'modules lists installed dependencies with versions')
})

t.test('message event', async (t) => {
  const { collector, client } = await setup(t, { environment: 'staging' })
  const id = client.captureMessage('Disk almost full', { level: 'warning', tags: { disk: 'sda1' }, extra: { free_mb: 12 } })
  t.equal(await client.flush(5000), true)
  const e = collector.events[0]
  t.equal(e.event_id, id)
  t.same(keys(e), EVENT_KEYS.filter((k) => k !== 'exception'), 'no exception key on message events')
  t.equal(e.level, 'warning')
  t.equal(e.message, 'Disk almost full')
  t.same(e.fingerprint, ['Disk almost full'])
  t.same(e.contexts.tags, { disk: 'sda1' })
  t.same(e.contexts.extra, { free_mb: 12 })
  t.equal(e.contexts.user, null)
  t.equal(e.contexts.request, null)
  t.equal(e.contexts.environment, 'staging')
})

t.test('captureMessage defaults to level error, like the Python SDK', async (t) => {
  const { collector, client } = await setup(t)
  client.captureMessage('plain')
  await client.flush(5000)
  t.equal(collector.events[0].level, 'error')
})

t.test('cause chains and AggregateError members become values, oldest first', async (t) => {
  const { collector, client } = await setup(t)
  const root = new RangeError('socket closed')
  const mid = new Error('query failed', { cause: root })
  const top = new Error('checkout failed', { cause: mid })
  client.captureException(top)
  client.captureException(new AggregateError([new TypeError('a'), new SyntaxError('b')], 'two failed'))
  await client.flush(5000)
  const [chain, agg] = collector.events
  t.same(chain.exception.values.map((v) => v.value), ['socket closed', 'query failed', 'checkout failed'])
  t.same(agg.exception.values.map((v) => v.type), ['TypeError', 'SyntaxError', 'AggregateError'])
  t.equal(agg.message, 'AggregateError: two failed')
})

t.test('a user fingerprint and capture options win', async (t) => {
  const { collector, client } = await setup(t)
  client.setTag('a', '1')
  client.captureException(new Error('x'), { fingerprint: ['custom', 'group'], level: 'fatal', message: 'custom message', tags: { a: '2' }, user: { id: 'u9' }, payment_stage: 'processing' })
  await client.flush(5000)
  const e = collector.events[0]
  t.same(e.fingerprint, ['custom', 'group'])
  t.equal(e.level, 'fatal')
  t.equal(e.message, 'custom message')
  t.same(e.contexts.tags, { a: '2' })
  t.equal(e.contexts.user.id, 'u9')
  t.same(e.contexts.extra, { payment_stage: 'processing' }, 'unknown option keys are extra context, like **extra_context')
})

t.test('request headers carry the SDK user agent and the token', async (t) => {
  const { createServer } = await import('node:http')
  const seen = []
  const server = createServer((req, res) => { seen.push(req.headers); req.resume(); req.on('end', () => res.end('{}')) })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { ErrorTracker } = await import('xrayradar')
  const client = new ErrorTracker({ dsn: `http://127.0.0.1:${server.address().port}/7`, authToken: 'tok-abc-123' })
  client.captureMessage('hi')
  t.equal(await client.flush(5000), true)
  await client.close()
  server.close()
  t.equal(seen[0]['content-type'], 'application/json')
  t.equal(seen[0]['user-agent'], `xrayradar-node/${require('../package.json').version}`)
  t.equal(seen[0]['x-xrayradar-token'], 'tok-abc-123')
})
