// Scope maps are bounded and cheap to set, forks stay isolated, and Scope's public
// methods take the documented shapes (a breadcrumb added on a scope reaches the ingest).
import t from 'tap'
import * as xr from 'xrayradar'
import { Scope } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { stderrOf } from '../utils/stderr.mjs'

// The caps (src/shared/limits.ts MAX_SCOPE_TAGS / _EXTRA / _CONTEXTS), as documented in docs/configuration.md.
const CAP = 100
const MANY = 10000

t.test('10,000 setTag / setExtra / setContext calls keep the first 100 keys and say so once', async (t) => {
  const s = new Scope()
  const said = stderrOf(() => {
    for (let i = 0; i < MANY; i++) {
      s.setTag(`t${i}`, i)
      s.setExtra(`e${i}`, { i })
      s.setContext(`c${i}`, { i })
    }
  })
  const tags = s.tags
  t.equal(Object.keys(tags).length, CAP, 'tags capped')
  t.equal(tags.t0, '0')
  t.equal(tags[`t${CAP - 1}`], String(CAP - 1))
  t.notOk(`t${CAP}` in tags, 'the first key past the cap is ignored')
  t.notOk(`t${MANY - 1}` in tags, 'the last key is ignored')
  t.equal(Object.keys(s.extra).length, CAP, 'extra capped')
  t.same(s.extra.e7, { i: 7 })
  t.equal(Object.keys(s.contexts).length, CAP, 'contexts capped')
  t.same(s.contexts.c9, { i: 9 })
  for (const name of ['tags', 'extra', 'contexts']) {
    t.equal(said.filter((l) => l.includes(`${CAP} ${name} keys`)).length, 1, `one line for ${name}`)
  }
  // At the cap, existing keys still change and a removed key frees a place.
  s.setTag('t5', 'changed')
  t.equal(s.tags.t5, 'changed')
  s.setContext('c0', null)
  t.notOk('c0' in s.contexts)
  s.setContext('fresh', { ok: true })
  t.same(s.contexts.fresh, { ok: true }, 'a removed context key frees a place')
  s.setContext('another', { ok: true })
  t.notOk('another' in s.contexts, 'and only one')
  // setTags goes through the same cap.
  const s2 = new Scope()
  stderrOf(() => { for (let i = 0; i < 30; i++) s2.setTags(Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`k${i}_${j}`, j]))) })
  t.equal(Object.keys(s2.tags).length, CAP)
  // "__proto__" is an ordinary key, not the prototype.
  s2.clear().setTag('__proto__', 'x')
  t.same(Object.keys(s2.tags), ['__proto__'])
  t.equal(Object.getPrototypeOf(s2.tags), Object.prototype)
})

t.test('a fork and its parent never see each other\'s changes', async (t) => {
  const parent = new Scope()
  parent.setTag('shared', 'p').setExtra('shared', 1).setContext('app', { v: 1 })
  const fork = parent.clone()
  t.same(fork.tags, { shared: 'p' }, 'the fork starts with the parent\'s data')
  fork.setTag('only-fork', 'f').setTag('shared', 'f').setExtra('only-fork', 2).setContext('app', null).setContext('fork-ctx', { f: 1 })
  parent.setTag('only-parent', 'p').setExtra('only-parent', 3).setContext('parent-ctx', { p: 1 })
  t.same(parent.tags, { shared: 'p', 'only-parent': 'p' })
  t.same(fork.tags, { shared: 'f', 'only-fork': 'f' })
  t.same(parent.extra, { shared: 1, 'only-parent': 3 })
  t.same(fork.extra, { shared: 1, 'only-fork': 2 })
  t.same(parent.contexts, { app: { v: 1 }, 'parent-ctx': { p: 1 } })
  t.same(fork.contexts, { 'fork-ctx': { f: 1 } })
  // A fork of a fork, changed after both exist, stays apart too.
  const grandchild = fork.clone()
  fork.setTag('later', 'fork')
  grandchild.setTag('later', 'grandchild')
  t.equal(fork.tags.later, 'fork')
  t.equal(grandchild.tags.later, 'grandchild')
  t.notOk('later' in parent.tags)
  // The cap counts per scope: a full parent's fork is full, and freeing a key in one does not free it in the other.
  const full = new Scope()
  stderrOf(() => { for (let i = 0; i < CAP; i++) full.setTag(`k${i}`, i) })
  const child = full.clone()
  full.setContext('x', null)
  stderrOf(() => child.setTag('new', 'n'))
  t.notOk('new' in child.tags, 'the fork inherits the count')
  const { tags } = full
  delete tags.k0 // a getter hands out a copy: changing it changes nothing
  t.ok('k0' in full.tags)
})

t.test('scope.addBreadcrumb takes the documented breadcrumb and the ingest accepts the event', async (t) => {
  const { collector, client } = await setup(t)
  xr.getGlobalScope().addBreadcrumb({ message: 'global, documented shape', category: 'auth', data: 'not an object', timestamp: new Date(1700000000000) })
  xr.getGlobalScope().addBreadcrumb(null) // skipped, never thrown
  xr.withScope((scope) => {
    scope.addBreadcrumb({ message: 'on a forked scope', level: 'warning', type: 'http', data: { status: 200 } }, 10)
    scope.addBreadcrumb({ message: 'bad level', level: 'loud' })
    client.captureMessage('with scope crumbs')
  })
  t.equal(await client.flush(10000), true)
  t.same(collector.requests.map((r) => r.status), [200], 'accepted, not 400')
  t.equal(collector.events.length, 1)
  const crumbs = collector.events[0].breadcrumbs
  t.same(crumbs.map((b) => b.message), ['global, documented shape', 'on a forked scope', 'bad level'])
  t.equal(crumbs[0].timestamp, new Date(1700000000000).toISOString())
  t.same(crumbs[0].data, { value: 'not an object' }, 'normalized as the module-level addBreadcrumb does')
  t.equal(crumbs[0].type, 'default')
  t.equal(crumbs[1].level, 'warning')
  t.equal(crumbs[1].type, 'http')
  t.equal(crumbs[2].level, 'info', 'an unknown level becomes info')
  t.same(client.stats().dropped.rejected, 0)
})

t.test('scope.addBreadcrumb without a max keeps the newest 100', async (t) => {
  const s = new Scope()
  for (let i = 0; i < 150; i++) s.addBreadcrumb({ message: `c${i}` })
  t.equal(s.breadcrumbs.length, 100)
  t.equal(s.breadcrumbs[0].message, 'c50')
  t.equal(s.breadcrumbs[99].message, 'c149')
  s.addBreadcrumb({ message: 'capped' }, 3)
  t.same(s.breadcrumbs.map((b) => b.message), ['c148', 'c149', 'capped'])
  s.addBreadcrumb({ message: 'none kept' }, 0)
  t.equal(s.breadcrumbs.length, 3, 'max 0 adds nothing')
})
