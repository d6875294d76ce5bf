// One error reached by several paths is one event. The mark that says so lives on the error (an
// own, non-enumerable property under the client's own symbol), not in a table per client: a
// table with an entry per capture stayed alive in the host's young generation and made V8 grow it
// (docs/benchmarks-notes.md). The mark never shows in the user's view of the error, and errors
// that cannot take it are still captured once.
import t from 'tap'
import { inspect } from 'node:util'
import { setup } from '../helpers.mjs'
import { messageOf } from '../utils/events.mjs'

const countOf = (collector, m) => collector.events.filter((e) => messageOf(e) === m).length

t.test('an error captured twice is one event, the second call answering the first id', async (t) => {
  const { collector, client } = await setup(t)
  const err = new Error('twice')
  const id = client.captureException(err)
  t.match(id, /^[0-9a-f-]{36}$/)
  t.equal(client.captureException(err), id, 'the same id, nothing new sent')
  t.equal(client.hasSeen(err), true)
  t.equal(client.hasSeen(new Error('twice')), false, 'an equal error is another error')
  await client.flush(5000)
  t.equal(countOf(collector, 'twice'), 1)
  t.equal(client.stats().captured, 1)
})

t.test('the mark is on the error itself, and shows nowhere the user looks', async (t) => {
  const { client } = await setup(t)
  const err = new Error('marked')
  err.code = 'E_MARKED'
  const before = { json: JSON.stringify(err), keys: Object.keys(err), shown: inspect(err), spread: Object.getOwnPropertySymbols({ ...err }) }
  client.captureException(err)
  const symbols = Object.getOwnPropertySymbols(err)
  t.equal(symbols.length, 1, 'one own symbol property on the error')
  t.equal(Object.getOwnPropertyDescriptor(err, symbols[0]).enumerable, false, 'not enumerable')
  t.equal(JSON.stringify(err), before.json, 'JSON unchanged')
  t.same(Object.keys(err), before.keys, 'keys unchanged')
  t.same(Object.getOwnPropertySymbols({ ...err }), before.spread, 'a spread copies no mark')
  t.equal(inspect(err), before.shown, 'console output unchanged')
  t.notOk(inspect(err).includes('xrayradar'))
})

t.test('an error whose prototype is a captured error is not taken for it', async (t) => {
  const { collector, client } = await setup(t)
  const parent = new Error('parent')
  client.captureException(parent)
  const child = Object.create(parent)
  t.equal(client.hasSeen(child), false)
  t.not(client.captureException(child), undefined, 'captured in its own right')
  await client.flush(5000)
  t.equal(collector.events.length, 2)
})

t.test('a copy made with the error\'s property descriptors is another error', async (t) => {
  const { collector, client } = await setup(t)
  const err = new Error('original')
  const id = client.captureException(err)
  const copy = Object.create(Object.getPrototypeOf(err), Object.getOwnPropertyDescriptors(err))
  t.equal(Object.getOwnPropertySymbols(copy).length, 1, 'the copy carries the property')
  t.equal(client.hasSeen(copy), false, 'but it is not the error the mark was made for')
  const copyId = client.captureException(copy)
  t.not(copyId, undefined)
  t.not(copyId, id)
  await client.flush(5000)
  t.equal(countOf(collector, 'original'), 2, 'both sent')
})

t.test('frozen errors, plain objects and a proxy that refuses a property are still captured once, and left as they were', async (t) => {
  const { collector, client } = await setup(t)
  const frozen = Object.freeze(new Error('frozen'))
  const sealed = Object.seal(new Error('sealed'))
  const plain = { message: 'plain object' }
  const refusing = new Proxy(new Error('refusing proxy'), { defineProperty () { throw new Error('no') } })
  for (const v of [frozen, sealed, plain, refusing]) {
    const id = t.doesNotThrow(() => client.captureException(v)) && client.captureException(v)
    t.equal(client.hasSeen(v), true)
    t.equal(typeof id === 'string' || id === undefined, true)
  }
  t.same(Object.getOwnPropertySymbols(plain), [], 'a plain object gets no property')
  t.same(Object.getOwnPropertySymbols(frozen), [])
  await client.flush(5000)
  t.equal(client.stats().captured, 4, 'each once')
  t.equal(countOf(collector, 'frozen'), 1)
  t.equal(countOf(collector, 'sealed'), 1)
  t.equal(countOf(collector, 'refusing proxy'), 1)
})

t.test('a dropped error stays decided: sampled out once, not sent by a second path', async (t) => {
  const { collector, client } = await setup(t, { sampleRate: 0 })
  const err = new Error('sampled out')
  t.equal(client.captureException(err), undefined)
  t.equal(client.hasSeen(err), true)
  t.equal(client.captureException(err), undefined)
  await client.flush(2000)
  t.equal(client.stats().captured, 1)
  t.equal(client.stats().dropped.sampled, 1)
  t.equal(collector.events.length, 0)
})

t.test('two clients keep their own marks', async (t) => {
  const a = await setup(t)
  const b = await setup(t)
  const err = new Error('both')
  const idA = a.client.captureException(err)
  t.equal(b.client.hasSeen(err), false, 'the other client has not seen it')
  const idB = b.client.captureException(err)
  t.not(idB, undefined)
  t.not(idB, idA)
  await a.client.flush(5000)
  await b.client.flush(5000)
  t.equal(countOf(a.collector, 'both'), 1)
  t.equal(countOf(b.collector, 'both'), 1)
})
