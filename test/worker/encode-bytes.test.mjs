// A request body is put together as bytes from cached parts: it must be exactly the
// UTF-8 of JSON.stringify(event), whatever the strings hold (multi-byte characters,
// lone surrogates, text that looks like a placeholder), and cached parts must not
// leak from one event into another.
import t from 'tap'
import { encodeEventBytes } from '../../dist/worker/encode.js'
import { fitPayload } from '../../dist/worker/truncate.js'

const frames = [{ filename: 'é.js', function: 'f\u{1F600}', lineno: 1, colno: 2, abs_path: '/é.js', in_app: true, context_line: 'x \ud800 y', pre_context: ['"quoted"'], post_context: [] }]
const crumb = (m) => ({ timestamp: '2026-01-01T00:00:00.000Z', message: m, category: null, level: 'info', data: { k: [1, 2], s: 'ü' }, type: 'default' })
const shared = [crumb('c \u0001 "q"'), crumb('日本語')]
const event = (msg, crumbs = shared, fr = frames) => ({
  event_id: 'id', timestamp: 't', level: 'error', message: msg, platform: 'javascript', sdk: { name: 'n', version: 'v' },
  contexts: { user: { id: 'ü\udc00' }, request: null, tags: { t: '€' }, extra: { e: 1 }, server_name: null, release: null, environment: 'e' },
  breadcrumbs: crumbs,
  fingerprint: ['x'],
  modules: {},
  exception: { values: [{ type: 'E', value: 'v', module: null, stacktrace: { frames: fr } }, { type: 'F', value: 'w', module: null, stacktrace: null }, { type: 'G', value: 'z', module: null, stacktrace: { frames: fr } }] }
})

t.test('the bytes are the UTF-8 of JSON.stringify, for every kind of text', async (t) => {
  for (const msg of ['plain', 'ünïcödé \u{1F600}', 'lone \ud83d surrogate', '\u0001-breadcrumbs\u0001', '"\u0001x-frames-0\u0001"', '']) {
    const e = event(msg)
    const b = encodeEventBytes(e)
    t.ok(Buffer.isBuffer(b), 'a Buffer')
    t.ok(b.equals(Buffer.from(JSON.stringify(e), 'utf8')), JSON.stringify(msg))
    // Twice: the second time from the caches.
    t.ok(encodeEventBytes(e).equals(b), `${JSON.stringify(msg)} again, cached parts`)
  }
  const noException = event('m')
  delete noException.exception
  t.ok(encodeEventBytes(noException).equals(Buffer.from(JSON.stringify(noException))), 'no exception')
  const noCrumbs = event('m', [])
  t.ok(encodeEventBytes(noCrumbs).equals(Buffer.from(JSON.stringify(noCrumbs))), 'no breadcrumbs')
})

t.test('parts cached for one event never appear in another', async (t) => {
  const a = event('a', [crumb('only in a')], [{ ...frames[0], function: 'onlyInA' }])
  const b = event('b', [crumb('only in b')], [{ ...frames[0], function: 'onlyInB' }])
  encodeEventBytes(a)
  const text = encodeEventBytes(b).toString()
  t.equal(text, JSON.stringify(b))
  t.notMatch(text, /only in a|onlyInA/, 'nothing of the other event')
})

t.test('fitPayload measures bytes, not characters', async (t) => {
  const e = event('€'.repeat(3000)) // 3,000 characters, 9,000 bytes of message
  const full = Buffer.byteLength(JSON.stringify(e))
  t.ok(fitPayload(event('€'.repeat(3000)), full).equals(Buffer.from(JSON.stringify(e))), 'fits exactly at its byte size: unchanged')
  const cut = fitPayload(event('€'.repeat(3000)), full - 1)
  t.ok(cut !== null && cut.length <= full - 1, 'one byte less: cut to fit')
  t.ok(JSON.parse(cut.toString()).message.length < 3000, 'the message was what got cut')
})

t.test('keys named like Object.prototype members, values that stringify to nothing: as JSON.stringify', async (t) => {
  const odd = { ...event('m'), constructor: { a: 1 }, toString: { b: 2 }, valueOf: [1], hasOwnProperty: 'x', gone: { toJSON () { return undefined } }, fn () {} }
  odd.exception = { ...odd.exception, constructor: { c: 3 }, values: [{ ...odd.exception.values[0], toString: { d: 4 } }] }
  const b = encodeEventBytes(odd)
  t.equal(b.toString(), JSON.stringify(odd))
  t.doesNotThrow(() => JSON.parse(b.toString()), 'valid JSON')
  const notShaped = { ...event('m'), breadcrumbs: { not: 'a list' }, exception: [1, 2] }
  t.equal(encodeEventBytes(notShaped).toString(), JSON.stringify(notShaped), 'a special key holding another shape is stringified as it is')
  const oddCrumbs = event('m', [crumb('a'), null, 'text', [1]])
  t.equal(encodeEventBytes(oddCrumbs).toString(), JSON.stringify(oddCrumbs), 'breadcrumbs that are not plain objects')
})

t.test('two breadcrumb lists that end with the same breadcrumb: each its own bytes', async (t) => {
  const last = crumb('the same last one')
  const a = event('a', [crumb('only in a'), last])
  const b = event('b', [crumb('only in b'), crumb('and this'), last])
  const c = event('c', [last])
  for (const e of [a, b, c, a, b, c]) t.equal(encodeEventBytes(e).toString(), JSON.stringify(e), e.message)
  const d = event('d', [crumb('x'), last])
  t.equal(encodeEventBytes(d).toString(), JSON.stringify(d))
  d.breadcrumbs[0] = crumb('replaced in place')
  t.equal(encodeEventBytes(d).toString(), JSON.stringify(d), 'a list changed in place after it was encoded once')
})

t.test('bodies larger than the scratch buffer, then small ones again: each exactly its own bytes', async (t) => {
  // 40 KiB and 1 MiB messages: past the writer's first size and past what it keeps afterwards.
  for (const size of [40 * 1024, 1024 * 1024, 10]) {
    const e = event('ü'.repeat(size / 2) + 'x'.repeat(size / 2))
    const b = encodeEventBytes(e)
    t.equal(b.length, Buffer.byteLength(JSON.stringify(e)), `${size}: its byte length`)
    t.ok(b.equals(Buffer.from(JSON.stringify(e))), `${size}: its bytes`)
  }
  const bodies = [event('first'), event('second')].map((e) => encodeEventBytes(e))
  t.equal(bodies[0].toString(), JSON.stringify(event('first')), 'a body is a copy: the next one does not overwrite it')
})

t.test('the modules table: each object its own bytes; other shapes as JSON.stringify has them', async (t) => {
  const a = { ...event('a'), modules: { express: '5.1.0' } }
  const b = { ...event('b'), modules: { koa: '3.0.0', 'ü-pkg': '1.0.0' } }
  for (const e of [a, b, a, b]) t.equal(encodeEventBytes(e).toString(), JSON.stringify(e), e.message)
  t.notMatch(encodeEventBytes(b).toString(), /express/, 'nothing of the other table')
  const odd = { ...event('c'), modules: ['not', 'a', 'table'] }
  t.equal(encodeEventBytes(odd).toString(), JSON.stringify(odd), 'a list where the table goes')
})

t.test('more distinct keys than the head table keeps, and keys put on Object.prototype: as JSON.stringify', async (t) => {
  const many = event('m')
  for (let i = 0; i < 600; i++) many[`key_${i}_é`] = i
  t.equal(encodeEventBytes(many).toString(), JSON.stringify(many), '600 more keys')
  t.equal(encodeEventBytes(many).toString(), JSON.stringify(many), 'again')
  Object.defineProperty(Object.prototype, 'polluted', { value: 'x', enumerable: true, configurable: true })
  try {
    const e = event('p')
    t.equal(encodeEventBytes(e).toString(), JSON.stringify(e))
    t.notMatch(encodeEventBytes(e).toString(), /polluted/, 'an inherited key is not written')
  } finally {
    delete Object.prototype.polluted
  }
})
