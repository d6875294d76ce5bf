// Anything passed to capture is absorbed: no throw, and an event still arrives.
import t from 'tap'
import { setup } from '../helpers.mjs'
import { findByMessage } from '../utils/events.mjs'

function hostile () {
  const circular = { name: 'loop' }
  circular.self = circular
  circular.list = [circular, { deeper: circular }]
  const getter = {}
  Object.defineProperty(getter, 'boom', { enumerable: true, get () { throw new Error('getter exploded') } })
  const proxy = new Proxy({}, { ownKeys () { throw new Error('no keys') }, get () { throw new Error('no get') }, getPrototypeOf () { throw new Error('no proto') } })
  const errorProxy = new Proxy(new Error('inside'), { get (target, key) { if (key === 'stack') throw new Error('no stack'); return Reflect.get(target, key) } })
  const badError = new Error('bad fields')
  Object.defineProperty(badError, 'message', { get () { throw new Error('message getter') } })
  Object.defineProperty(badError, 'cause', { get () { throw new Error('cause getter') } })
  // Shaped like a Node request (so setRequest converts it), but its headers getter throws.
  const fakeRequest = { rawHeaders: [], socket: {}, on () {}, pipe () {}, url: '/x', get headers () { throw new Error('headers getter') } }
  const selfCause = new Error('self cause')
  selfCause.cause = selfCause
  return {
    string: 'just a string',
    null: null,
    undefined,
    number: 42,
    bigint: 10n ** 30n,
    symbol: Symbol('s'),
    fn: function named () {},
    circular,
    getter,
    proxy,
    errorProxy,
    badError,
    selfCause,
    fakeRequest,
    huge: 'x'.repeat(10 * 1024 * 1024),
    hugeError: new Error('y'.repeat(10 * 1024 * 1024)),
    date: new Date(NaN),
    map: new Map([[{ k: 1 }, 1n]]),
    typed: new Uint8Array(1024)
  }
}

t.test('captureException absorbs every hostile value', async (t) => {
  const { collector, client } = await setup(t)
  const inputs = hostile()
  for (const [name, value] of Object.entries(inputs)) {
    t.doesNotThrow(() => client.captureException(value), `captureException(${name})`)
    t.doesNotThrow(() => client.captureException(new Error(name), { extra: { value }, tags: { value }, user: value, fingerprint: value, level: value }), `options with ${name}`)
    t.doesNotThrow(() => client.captureException(new Error(name), value), `${name} as the options object`)
    t.doesNotThrow(() => client.captureMessage(value), `captureMessage(${name})`)
    t.doesNotThrow(() => client.addBreadcrumb(value), `addBreadcrumb(${name})`)
    t.doesNotThrow(() => client.addBreadcrumb({ message: value, data: value }), `breadcrumb fields ${name}`)
    t.doesNotThrow(() => client.setUser(value), `setUser(${name})`)
    t.doesNotThrow(() => client.setTag(name, value), `setTag(${name})`)
    t.doesNotThrow(() => client.setExtra(name, value), `setExtra(${name})`)
    t.doesNotThrow(() => client.setContext(name, value), `setContext(${name})`)
    t.doesNotThrow(() => client.setRequest(value), `setRequest(${name})`)
    t.doesNotThrow(() => client.setContext('request', value), `setContext('request', ${name})`)
  }
  t.equal(await client.flush(10000), true)
  const s = client.stats()
  t.equal(s.captured, Object.keys(inputs).length * 4)
  t.equal(s.pending, 0)
  t.equal(s.delivered + Object.values(s.dropped).reduce((a, b) => a + b, 0), s.captured, 'every capture is delivered or dropped with a reason')
  t.equal(s.delivered, s.captured, `every capture delivered (dropped: ${JSON.stringify(s.dropped)})`)
  t.ok(findByMessage(collector.events, 'just a string')?.exception, 'a string becomes an Error event')
  t.ok(findByMessage(collector.events, 'captureException() was called without an error')?.exception, 'null/undefined are reported as such')
  const huge = collector.events.find((e) => e.exception?.values.at(-1).type === 'Error' && e.exception.values.at(-1).value.startsWith('yyyy'))
  t.ok(huge, 'the 10 MB message arrived, truncated')
  t.ok(huge.exception.values.at(-1).value.length <= 8300)
  for (const e of collector.events) t.ok(Buffer.byteLength(JSON.stringify(e)) <= 100 * 1024, 'each event within maxPayloadSize')
})

t.test('a synthetic stack for a non-Error starts at the caller', async (t) => {
  const { collector, client } = await setup(t)
  function callerOfCapture () { client.captureException('no error object') }
  callerOfCapture()
  await client.flush(5000)
  const frames = collector.events[0].exception.values[0].stacktrace.frames
  t.equal(frames.at(-1).function, 'callerOfCapture')
})

t.test('a throwing beforeBreadcrumb skips the breadcrumb', async (t) => {
  const { collector, client } = await setup(t, { beforeBreadcrumb: (c) => { if (c.message === 'bad') throw new Error('nope'); return c.message === 'drop' ? null : c } })
  client.addBreadcrumb({ message: 'bad' })
  client.addBreadcrumb({ message: 'drop' })
  client.addBreadcrumb({ message: 'kept' })
  client.captureMessage('m')
  await client.flush(5000)
  t.same(collector.events[0].breadcrumbs.map((b) => b.message), ['kept'])
})
