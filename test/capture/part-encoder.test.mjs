// The event part is encoded by hand on the main thread (src/capture/part-encoder.ts)
// and unpacked by msgpackr in the worker: every part must decode to exactly what
// msgpackr's own encoding of partToTuple() decodes to.
import t from 'tap'
import { Unpackr } from 'msgpackr'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { encodePart, encodeNumbers } = require('../../dist/capture/part-encoder.js')
const { packr } = require('../../dist/capture/packer.js')
const { partToTuple, partFromTuple } = require('../../dist/event/assemble.js')
const { newEventId } = require('../../dist/capture/event-id.js')

// The worker's settings (src/worker/build-event.ts).
const unpackr = new Unpackr({ useRecords: false, moreTypes: false })

const base = () => ({
  id: '5f0c3c1e-8f2a-4d3b-9d55-0f9a3b0e7a41',
  ts: 1764464000123,
  level: null,
  kind: 'exception',
  message: null,
  exc: [{ type: 'Error', value: 'Payment failed for order 12 (card declined)', stack: null, sref: [5, 1024, 800] }],
  tags: null,
  extra: null,
  user: null,
  fingerprint: null,
  contexts: null,
  blobs: [1, 0, 300, 2, 512, 1400, 3, -1, 20, 4, 4194296, 70000]
})

// Lengths around every msgpack string header boundary (fixstr < 32, str8 < 256, str16 < 65,536)
// and around the encoder's own ASCII-loop limit (40), in bytes for ASCII and multi-byte text.
const LENGTHS = [0, 1, 10, 11, 31, 32, 36, 40, 41, 85, 86, 254, 255, 256, 21845, 21846, 65535, 65536, 70000]
const TEXTS = [
  (n) => 'a'.repeat(n),
  (n) => 'é'.repeat(n), // 2 bytes each
  (n) => '€'.repeat(n), // 3 bytes each
  (n) => '😀'.repeat(Math.ceil(n / 2)).slice(0, n - (n % 2)), // surrogate pairs, 4 bytes per pair
  (n) => 'x'.repeat(Math.max(0, n - 1)) + (n > 0 ? 'ü' : '') // ASCII, then one non-ASCII at the end
]
const NUMBERS = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -32, -33, -128, -129, -(2 ** 31), -(2 ** 31) - 1, 1.5, -0.25, Date.now(), Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity, -0]

function parts () {
  const out = []
  for (const n of LENGTHS) {
    for (const text of TEXTS) {
      const s = text(n)
      out.push({ ...base(), message: s }, { ...base(), exc: [{ type: s, value: s, stack: s.length > 0 ? s : null }] })
    }
  }
  for (const v of NUMBERS) out.push({ ...base(), ts: v }, { ...base(), blobs: [v, v, v] }, { ...base(), exc: [{ type: 'E', value: 'v', stack: null, sref: [v, 0, 1] }] })
  const exc16 = Array.from({ length: 17 }, (_, i) => ({ type: `T${i}`, value: `v${i}`, stack: i % 2 ? '    at f (/a.js:1:1)' : null, ...(i % 3 ? { sref: [i, i * 100, 7] } : {}) }))
  out.push(
    { ...base(), exc: exc16, blobs: Array.from({ length: 70000 }, (_, i) => i) }, // array16 headers
    { ...base(), kind: 'message', exc: null, message: 'hello', level: 'warning', blobs: null },
    // The rare parts, from capture options: msgpackr's bytes copied in.
    { ...base(), level: 'fatal', tags: { a: 'b', é: '€' }, extra: { n: 1, nested: { deep: [1, 'x', null, true] } }, user: { id: '7', username: null, email: 'e@x', ip_address: null, data: {} }, fingerprint: ['{{ default }}', 'x'], contexts: { mechanism: { type: 'onunhandledrejection', handled: false } } },
    { ...base(), extra: { big: 'z'.repeat(100000) } }, // larger than the kept buffer
    // The OpenTelemetry span ids read at capture: a root span, a child, every flags byte width.
    { ...base(), trace: ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', 1, null] },
    { ...base(), trace: ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', 0, '53995c3f42cd8ad8'] },
    { ...base(), kind: 'message', exc: null, message: 'm', blobs: null, trace: ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 255, null] },
    { ...base(), tags: { a: 'b' }, contexts: { trace: { trace_id: 'from options' } }, trace: ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 128, 'ffffffffffffffff'] },
    { ...base(), trace: undefined } // a part made before the field existed
  )
  return out
}

t.test('every part decodes to what msgpackr\'s encoding of it decodes to', async (t) => {
  const all = parts()
  let compared = 0
  let mismatches = 0
  for (const part of all) {
    const expected = unpackr.unpack(packr.pack(partToTuple(part)))
    const got = unpackr.unpack(encodePart(part))
    if (!t.strictSame(got, expected, `part ${compared}`, { diagnostic: false })) mismatches++
    compared++
  }
  t.equal(compared, all.length)
  t.ok(compared > 250, `a real corpus was compared (${compared} parts)`)
  t.equal(mismatches, 0)
})

t.test('pre-encoded blobs and a reused buffer give the same bytes as encoding them', async (t) => {
  const part = base()
  const plain = Buffer.from(encodePart(part)).toString('hex')
  const withBlobs = Buffer.from(encodePart(part, encodeNumbers(part.blobs))).toString('hex')
  t.equal(withBlobs, plain)
  // The view of one encode is the encoder's buffer: a later encode of another part must not leave bytes of the first.
  const other = Buffer.from(encodePart({ ...base(), message: 'other', exc: null })).toString('hex')
  t.not(other, plain)
  t.equal(Buffer.from(encodePart(part)).toString('hex'), plain, 'encoding again gives the same bytes')
  t.strictSame(partFromTuple(unpackr.unpack(encodePart(part))).exc, part.exc)
})

t.test('the trace ids travel as the 13th field and come back as the part had them', async (t) => {
  const trace = ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', 1, '53995c3f42cd8ad8']
  const got = unpackr.unpack(encodePart({ ...base(), trace }))
  t.equal(got.length, 13)
  t.strictSame(got[12], trace)
  t.strictSame(partFromTuple(got).trace, trace)
  t.strictSame(got[11], base().blobs, 'the field before it intact')
  const none = unpackr.unpack(encodePart(base()))
  t.equal(none[12], null, 'no span: nil')
  t.equal(partFromTuple(none).trace, null)
})

t.test('a lone surrogate becomes U+FFFD: the bytes stay valid UTF-8 and the part still decodes', async (t) => {
  for (const s of ['a\ud800b', '\udc00', 'x'.repeat(50) + '\ud83d']) {
    const got = unpackr.unpack(encodePart({ ...base(), message: s }))
    t.equal(got[4], s.replace(/[\ud800-\udfff]/g, '\ufffd'))
    t.equal(got[0], base().id, 'the fields after it are intact')
    t.strictSame(got[11], base().blobs)
  }
})

t.test('an event id just issued is copied from its bytes; any other id is encoded from the string', async (t) => {
  let wrong = 0
  let n = 0
  for (let k = 0; k < 2000; k++) {
    const older = newEventId()
    const latest = newEventId()
    for (const id of [latest, older]) {
      const part = { ...base(), id }
      const got = unpackr.unpack(encodePart(part))
      if (got[0] !== id || JSON.stringify(got) !== JSON.stringify(unpackr.unpack(packr.pack(partToTuple(part))))) wrong++
      n++
    }
  }
  t.equal(n, 4000)
  t.equal(wrong, 0, 'every id decoded as issued, the rest of the part unchanged')
})
