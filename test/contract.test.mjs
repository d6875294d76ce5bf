// The event JSON matches the ingest contract field for field. The contract lives in this
// repository: docs/wire-protocol.md for users, test/contract/event.schema.json for this test.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { setup, fixture } from './helpers.mjs'
import { validate } from './contract/schema.mjs'
import { validateEvent } from '../dist/collector/validate.js'

const require = createRequire(import.meta.url)
const { processPayment } = require(fixture('checkout.js'))
const schema = JSON.parse(readFileSync(new URL('./contract/event.schema.json', import.meta.url), 'utf8'))
const docExample = () => JSON.parse(readFileSync(new URL('../docs/wire-protocol.md', import.meta.url), 'utf8').match(/```json\n([\s\S]*?)```/)[1])

const EVENT_KEYS = ['breadcrumbs', 'contexts', 'event_id', 'exception', 'fingerprint', 'level', 'message', 'modules', 'platform', 'sdk', 'timestamp']
const CONTEXT_KEYS = ['environment', 'extra', 'release', 'request', 'server_name', 'tags', 'trace', 'user']
// contexts.trace is there only when an OpenTelemetry span was active at capture.
const UNTRACED_CONTEXT_KEYS = CONTEXT_KEYS.filter((k) => k !== 'trace')
const TRACE_KEYS = ['parent_span_id', 'span_id', 'trace_flags', 'trace_id']
const USER_KEYS = ['data', 'email', 'id', 'ip_address', 'username']
const REQUEST_KEYS = ['data', 'env', 'headers', 'method', 'query_string', 'url']
const VALUE_KEYS = ['module', 'stacktrace', 'type', 'value']
const FRAME_KEYS = ['abs_path', 'colno', 'context_line', 'filename', 'function', 'in_app', 'lineno', 'post_context', 'pre_context']
const CRUMB_KEYS = ['category', 'data', 'level', 'message', 'timestamp', 'type']
const keys = (o) => Object.keys(o).sort()
const propsOf = (s) => Object.keys(s.properties).sort()

/** Asserts that an event the SDK sent conforms to the contract, listing what does not. */
function conforms (t, e) {
  t.same(validate(schema, e), [], `event ${e?.event_id} conforms to test/contract/event.schema.json`)
}

t.test('docs/wire-protocol.md and the schema state the same contract', async (t) => {
  const e = docExample()
  t.same(validate(schema, e), [], 'the documented example conforms to the schema')
  // The example shows every field: its key sets are the schema's, so neither can drift alone.
  t.same(keys(e), EVENT_KEYS)
  t.same(propsOf(schema), EVENT_KEYS)
  t.same(keys(e.contexts), CONTEXT_KEYS)
  t.same(propsOf(schema.properties.contexts), CONTEXT_KEYS)
  t.same(keys(e.contexts.trace), TRACE_KEYS)
  t.same(propsOf(schema.$defs.trace), TRACE_KEYS)
  t.same(keys(e.contexts.user), USER_KEYS)
  t.same(propsOf(schema.$defs.user), USER_KEYS)
  t.same(keys(e.contexts.request), REQUEST_KEYS)
  t.same(propsOf(schema.$defs.request), REQUEST_KEYS)
  t.same(keys(e.exception.values[0]), VALUE_KEYS)
  t.same(propsOf(schema.$defs.value), VALUE_KEYS)
  t.same(keys(e.exception.values[0].stacktrace.frames[0]), FRAME_KEYS)
  t.same(propsOf(schema.$defs.frame), FRAME_KEYS)
  t.same(keys(e.breadcrumbs[0]), CRUMB_KEYS)
  t.same(propsOf(schema.$defs.breadcrumb), CRUMB_KEYS)
})

t.test('an event that breaks the contract fails validation, naming the field', async (t) => {
  const breaks = [
    ['event_id renamed', (e) => { e.eventId = e.event_id; delete e.event_id }, /event\.event_id is missing/],
    ['a top-level field the server does not know', (e) => { e.runtime = { name: 'node' } }, /event\.runtime is not in the contract/],
    ['level not in the list', (e) => { e.level = 'warn' }, /event\.level must be one of/],
    ['timestamp as epoch ms', (e) => { e.timestamp = Date.now() }, /event\.timestamp must be string/],
    ['a tag value that is not a string', (e) => { e.contexts.tags.n = 1 }, /event\.contexts\.tags\.n must be string/],
    ['contexts.environment missing', (e) => { delete e.contexts.environment }, /event\.contexts\.environment is missing/],
    ['user.id as a number', (e) => { e.contexts.user.id = 123 }, /event\.contexts\.user\.id must be string or null/],
    ['frame lineno as a string', (e) => { e.exception.values[0].stacktrace.frames[0].lineno = '42' }, /frames\[0\]\.lineno must be integer or null/],
    ['frame in camelCase', (e) => { const f = e.exception.values[0].stacktrace.frames[0]; f.inApp = f.in_app; delete f.in_app }, /frames\[0\]\.in_app is missing/],
    ['exception values not a list', (e) => { e.exception.values = e.exception.values[0] }, /event\.exception\.values must be array/],
    ['a breadcrumb without a timestamp', (e) => { delete e.breadcrumbs[0].timestamp }, /event\.breadcrumbs\[0\]\.timestamp is missing/],
    ['fingerprint with a number', (e) => { e.fingerprint = ['TypeError', 7] }, /event\.fingerprint\[1\] must be string/],
    ['modules with a number version', (e) => { e.modules.express = 5 }, /event\.modules\.express must be string/],
    ['sdk of another name', (e) => { e.sdk.name = 'sentry.javascript.node' }, /event\.sdk\.name must be "xrayradar-node"/],
    ['a trace id in upper case', (e) => { e.contexts.trace.trace_id = e.contexts.trace.trace_id.toUpperCase() }, /event\.contexts\.trace\.trace_id does not match/],
    ['trace flags as a hex string', (e) => { e.contexts.trace.trace_flags = '01' }, /event\.contexts\.trace\.trace_flags must be integer/],
    ['trace flags beyond a byte', (e) => { e.contexts.trace.trace_flags = 256 }, /event\.contexts\.trace\.trace_flags is above 255/],
    ['a trace without its span id', (e) => { delete e.contexts.trace.span_id }, /event\.contexts\.trace\.span_id is missing/],
    ['traceId in camelCase', (e) => { e.contexts.trace.traceId = e.contexts.trace.trace_id; delete e.contexts.trace.trace_id }, /event\.contexts\.trace\.trace_id is missing/]
  ]
  for (const [what, breakIt, problem] of breaks) {
    const e = docExample()
    breakIt(e)
    const problems = validate(schema, e)
    t.match(problems.join('\n'), problem, `${what}: refused`)
  }
  t.same(validate(schema, docExample()), [], 'and the unbroken example passes')
  // The local collector (what users test against) refuses what the contract refuses.
  const e = docExample()
  e.level = 'warn'
  t.match(validateEvent(e), [/level must be one of/])
  t.same(validateEvent(docExample()), [])
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
  conforms(t, e)
  t.same(keys(e), EVENT_KEYS)
  t.equal(e.event_id, id)
  t.ok(Math.abs(Date.parse(e.timestamp) - Date.now()) < 60000, 'timestamp is now, ISO')
  t.equal(e.level, 'error')
  t.equal(e.message, "TypeError: Cannot read properties of undefined (reading 'id')")
  t.equal(e.platform, 'javascript')
  t.same(e.sdk, { name: 'xrayradar-node', version: require('../package.json').version })
  t.same(keys(e.contexts), UNTRACED_CONTEXT_KEYS, 'no contexts.trace: no OpenTelemetry span in this process')
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
  // The in-app frames, nearest the throw first: named functions by file and name, this test's anonymous function by the text of its line.
  t.same(e.fingerprint, ['TypeError', 'test/fixtures/checkout.js loadCustomer', 'test/fixtures/checkout.js processPayment', 'test/contract.test.mjs | try { processPayment({}) } catch (e) { err = e }'])
  t.equal(typeof e.modules, 'object')
  t.equal(e.modules.piscina, JSON.parse(readFileSync(new URL('../node_modules/piscina/package.json', import.meta.url))).version, 'modules lists installed dependencies with versions')
})

t.test('message event', async (t) => {
  const { collector, client } = await setup(t, { environment: 'staging' })
  const id = client.captureMessage('Disk almost full', { level: 'warning', tags: { disk: 'sda1' }, extra: { free_mb: 12 } })
  t.equal(await client.flush(5000), true)
  const e = collector.events[0]
  conforms(t, e)
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
  conforms(t, collector.events[0])
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
  conforms(t, chain)
  conforms(t, agg)
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
  conforms(t, e)
  t.same(e.fingerprint, ['custom', 'group'])
  t.equal(e.level, 'fatal')
  t.equal(e.message, 'custom message')
  t.same(e.contexts.tags, { a: '2' })
  t.equal(e.contexts.user.id, 'u9')
  t.same(e.contexts.extra, { payment_stage: 'processing' }, 'unknown option keys are extra context, like **extra_context')
})

t.test('request headers carry the SDK user agent and the token', async (t) => {
  const { listen } = await import('./utils/servers.mjs')
  const seen = []
  const { base } = await listen(t, (req, res) => { seen.push(req.headers); req.resume(); req.on('end', () => res.end('{}')) })
  const { ErrorTracker } = await import('xrayradar')
  const client = new ErrorTracker({ dsn: `${base}/7`, authToken: 'tok-abc-123' })
  client.captureMessage('hi')
  t.equal(await client.flush(5000), true)
  await client.close()
  t.equal(seen[0]['content-type'], 'application/json')
  t.equal(seen[0]['user-agent'], `xrayradar-node/${require('../package.json').version}`)
  t.equal(seen[0]['x-xrayradar-token'], 'tok-abc-123')
})
