// Cause chains are capped like AggregateError members: the captured error and its
// nearest linked errors, at most 10 values, and the event says what was cut.
import t from 'tap'
import { setup } from '../helpers.mjs'

const MAX_VALUES = 10 // MAX_EXCEPTION_VALUES, src/shared/limits.ts

function chain (n) {
  let e = new Error('c0')
  for (let i = 1; i <= n; i++) e = new Error(`c${i}`, { cause: e })
  return e // c{n} caused by c{n-1} … caused by c0
}

t.test('a chain of 60 causes sends the captured error and its 9 nearest causes', async (t) => {
  const { collector, client } = await setup(t)
  client.captureException(chain(60))
  t.equal(await client.flush(10000), true)
  t.equal(collector.events.length, 1)
  const e = collector.events[0]
  t.same(e.exception.values.map((v) => v.value), ['c51', 'c52', 'c53', 'c54', 'c55', 'c56', 'c57', 'c58', 'c59', 'c60'], 'oldest kept cause first, the captured error last')
  t.match(e.contexts.extra.exception_chain_cut, /^51 more linked errors/)
  t.equal(e.message, 'Error: c60')
})

t.test('a chain of 1,000 is delivered with 10 values, not dropped too_large', async (t) => {
  const { collector, client } = await setup(t)
  client.captureException(chain(1000))
  t.equal(await client.flush(10000), true)
  const s = client.stats()
  t.equal(s.delivered, 1)
  t.equal(s.dropped.too_large, 0)
  const e = collector.events[0]
  t.equal(e.exception.values.length, MAX_VALUES)
  t.equal(e.exception.values[MAX_VALUES - 1].value, 'c1000')
  t.match(e.contexts.extra.exception_chain_cut, /^at least \d+ more linked errors/)
})

t.test('a chain of 100,000 neither overflows the stack nor costs the event', async (t) => {
  const { collector, client } = await setup(t)
  client.captureException(chain(100000))
  t.equal(await client.flush(10000), true)
  t.equal(client.stats().dropped.internal_error, 0)
  t.equal(collector.events.length, 1)
  t.equal(collector.events[0].exception.values.length, MAX_VALUES)
})

t.test('short chains, cycles and AggregateErrors: nothing cut, nothing noted', async (t) => {
  const { collector, client } = await setup(t)
  client.captureException(chain(5))
  const a = new Error('a')
  const b = new Error('b', { cause: a })
  a.cause = b
  client.captureException(a)
  client.captureException(new AggregateError([new TypeError('m1', { cause: new Error('m1 cause') }), new RangeError('m2')], 'agg'))
  t.equal(await client.flush(10000), true)
  const [short, cycle, agg] = collector.events
  t.same(short.exception.values.map((v) => v.value), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'])
  t.notOk('exception_chain_cut' in short.contexts.extra)
  t.same(cycle.exception.values.map((v) => v.value), ['b', 'a'], 'each error once')
  t.same(agg.exception.values.map((v) => v.value), ['m1 cause', 'm1', 'm2', 'agg'], 'members (with their causes) before the aggregate')
  t.notOk('exception_chain_cut' in agg.contexts.extra)
})

t.test('an AggregateError of 50 members, each with a cause chain, keeps the nearest', async (t) => {
  const { collector, client } = await setup(t)
  const members = Array.from({ length: 50 }, (_, i) => new Error(`m${i}`, { cause: new Error(`m${i} cause`) }))
  client.captureException(new AggregateError(members, 'many'))
  t.equal(await client.flush(10000), true)
  const values = collector.events[0].exception.values.map((v) => v.value)
  t.equal(values.length, MAX_VALUES)
  t.same(values, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'many'], 'the members, nearer than their causes')
  t.match(collector.events[0].contexts.extra.exception_chain_cut, /^91 more linked errors/)
})
