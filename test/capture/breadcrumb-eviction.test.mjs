// A full breadcrumb list drops its oldest entry per new one without a splice per call (the
// evicted entries are compacted in batches): what a scope shows and sends is always exactly
// the newest maxBreadcrumbs, before and after each compaction, in clones too.
import t from 'tap'
import { Scope } from 'xrayradar'
import { setup } from '../helpers.mjs'

const msgs = (s) => s.breadcrumbs.map((b) => b.message)
const range = (from, to) => Array.from({ length: to - from }, (_, i) => `c${from + i}`)

t.test('the newest max at every step, max 3 and 100', async (t) => {
  for (const max of [3, 100]) {
    const s = new Scope()
    let bad = 0
    for (let i = 0; i < 5 * max + 70; i++) {
      s.addBreadcrumb({ message: `c${i}` }, max)
      const want = range(Math.max(0, i + 1 - max), i + 1)
      if (JSON.stringify(msgs(s)) !== JSON.stringify(want)) bad++
    }
    t.equal(bad, 0, `max ${max}: never more, fewer or other than the newest`)
    t.equal(s.breadcrumbs.length, max)
  }
})

t.test('clones taken between compactions stay independent', async (t) => {
  const a = new Scope()
  for (let i = 0; i < 150; i++) a.addBreadcrumb({ message: `c${i}` }, 100)
  const b = a.clone()
  for (let i = 150; i < 180; i++) a.addBreadcrumb({ message: `c${i}` }, 100)
  for (let i = 0; i < 5; i++) b.addBreadcrumb({ message: `b${i}` }, 100)
  t.same(msgs(a), range(80, 180))
  t.same(msgs(b), [...range(55, 150), 'b0', 'b1', 'b2', 'b3', 'b4'])
  b.clearBreadcrumbs()
  t.same(msgs(b), [])
  t.same(msgs(a), range(80, 180), 'clearing the clone leaves the original')
})

t.test('an event carries exactly the newest maxBreadcrumbs', async (t) => {
  const { collector, client } = await setup(t, { maxBreadcrumbs: 10, defaultIntegrations: false })
  for (let i = 0; i < 77; i++) client.addBreadcrumb({ message: `c${i}` })
  client.captureMessage('m')
  t.equal(await client.flush(5000), true)
  t.same(collector.events[0].breadcrumbs.map((b) => b.message), range(67, 77))
})

t.test('breadcrumb data: flat objects stored as the full normalization stores them', async (t) => {
  const s = new Scope()
  const long = 'x'.repeat(3000)
  const flat = { n: 1, s: long, nan: NaN, inf: -Infinity, u: undefined, b: false, z: null }
  // The same values one level down take the general path: both must read the same.
  s.addBreadcrumb({ message: 'flat', data: flat })
  s.addBreadcrumb({ message: 'nested', data: { inner: flat } })
  s.addBreadcrumb({ message: 'with an object', data: { ...flat, o: { deep: 1 } } })
  const [a, b, c] = s.breadcrumbs
  t.same(a.data, b.data.inner, 'fast path equals the walk')
  t.same(c.data, { ...a.data, o: { deep: 1 } })
  t.equal(a.data.s.length < 3000 && a.data.s.startsWith('x'.repeat(2048)), true, 'strings truncated')
  t.same([a.data.nan, a.data.inf, a.data.u], ['NaN', '-Infinity', null])
  const throwing = { get boom () { throw new Error('getter') }, ok: 1 }
  s.addBreadcrumb({ message: 'throwing getter', data: throwing })
  t.same(s.breadcrumbs[3].data.ok, 1, 'a throwing getter falls back to the walk, which marks it')
  t.match(s.breadcrumbs[3].data.boom, /Error|getter|Unreadable|Threw/i)
  const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i]))
  s.addBreadcrumb({ message: 'wide', data: many })
  t.equal(Object.keys(s.breadcrumbs[4].data).length, 51, 'more than 50 keys: the walk caps them (50 and a marker)')
})
