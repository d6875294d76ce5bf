// A scope's lazy breadcrumb (httpIntegration's incoming one) held without a list while it is the
// only one: it reads, evicts, clones, clears and is amended exactly as an entry of the list would.
import t from 'tap'
import { Scope } from 'xrayradar'

/** A LazyCrumb as the http integration's record is one: built once, on first use. */
function lazy (message) {
  let built = null
  const l = { builds: 0, listEntry: null, toCrumb () { if (built === null) { l.builds++; built = { timestamp: 1, message, category: 'http.server', level: 'info', data: { method: 'GET' }, type: 'http' } } return built } }
  return l
}
const msgs = (s) => s.breadcrumbs.map((b) => b.message)

t.test('not built until read; read, last and bytes agree', async (t) => {
  const s = new Scope()
  const l = lazy('GET /a')
  s.addLazyBreadcrumb(l, 10)
  t.equal(l.builds, 0, 'adding builds nothing')
  t.same(msgs(s), ['GET /a'])
  t.equal(s.lastBreadcrumb(), l.toCrumb())
  const withOne = s.crumbBytes()
  const plain = new Scope().addBreadcrumb({ timestamp: 1, message: 'GET /a', category: 'http.server', level: 'info', data: { method: 'GET' }, type: 'http' }, 10)
  t.same(Buffer.from(withOne), Buffer.from(plain.crumbBytes()), 'packed as the same crumb added plainly')
  t.equal(l.builds, 1, 'built once')
})

t.test('later crumbs follow it; max evicts it first', async (t) => {
  const s = new Scope()
  s.addLazyBreadcrumb(lazy('lead'), 3)
  s.addBreadcrumb({ message: 'b1' }, 3)
  t.same(msgs(s), ['lead', 'b1'])
  s.addBreadcrumb({ message: 'b2' }, 3)
  s.addBreadcrumb({ message: 'b3' }, 3)
  t.same(msgs(s), ['b1', 'b2', 'b3'], 'the oldest (the lazy one) went first')
  const one = new Scope()
  one.addLazyBreadcrumb(lazy('lead'), 1)
  one.addBreadcrumb({ message: 'next' }, 1)
  t.same(msgs(one), ['next'], 'max 1 keeps only the newest')
  const none = new Scope()
  none.addLazyBreadcrumb(lazy('lead'), 0)
  t.same(msgs(none), [], 'max 0 keeps none')
  const second = new Scope().addBreadcrumb({ message: 'first' }, 5)
  second.addLazyBreadcrumb(lazy('lazy'), 5)
  t.same(msgs(second), ['first', 'lazy'], 'a lazy crumb after another goes to the list')
})

t.test('clones and clears stay apart', async (t) => {
  const a = new Scope()
  a.addLazyBreadcrumb(lazy('lead'), 10)
  const b = a.clone()
  b.addBreadcrumb({ message: 'in b' }, 10)
  t.same(msgs(a), ['lead'], 'the original does not see the clone\'s crumb')
  t.same(msgs(b), ['lead', 'in b'])
  const c = a.clone().clearBreadcrumbs()
  t.same(msgs(c), [])
  t.same(msgs(a), ['lead'], 'clearing a clone leaves the original')
  a.clearBreadcrumbs()
  t.same(msgs(a), [])
  t.same(msgs(b), ['lead', 'in b'], 'clearing the original leaves the clone')
})

t.test('encoded once for the scope and all its forks', async (t) => {
  // The crumb's message is read each time the crumb is packed.
  let packs = 0
  const crumb = { timestamp: 1, category: 'http.server', level: 'info', data: null, type: 'http' }
  Object.defineProperty(crumb, 'message', { get () { packs++; return 'GET /once' }, enumerable: true })
  const l = { listEntry: null, toCrumb: () => crumb }
  const a = new Scope()
  a.addLazyBreadcrumb(l, 10)
  const forks = [a.clone(), a.clone()]
  for (const f of forks) f.crumbBytes()
  a.crumbBytes()
  forks[1].addBreadcrumb({ message: 'later' }, 10)
  forks[1].crumbBytes()
  t.equal(packs, 1, 'packed once, its bytes reused by every scope that lists it')
  t.same(forks[1].breadcrumbs.map((b) => b.message), ['GET /once', 'later'])
})

t.test('amended in the scope that holds it, also when a clone built it first', async (t) => {
  const a = new Scope()
  const l = lazy('lead')
  a.addLazyBreadcrumb(l, 10)
  const fork = a.clone()
  fork.crumbBytes() // the fork's capture lists the crumb and builds it first
  t.equal(a.amendBreadcrumb(l.toCrumb(), { status_code: 200 }), true, 'found by identity')
  t.same(a.breadcrumbs[0].data, { method: 'GET', status_code: 200 })
  t.same(fork.breadcrumbs[0].data, { method: 'GET' }, 'the fork keeps the crumb as it was')
  t.equal(new Scope().amendBreadcrumb(l.toCrumb(), { status_code: 1 }), false, 'not held: false')
  const cleared = new Scope()
  cleared.addLazyBreadcrumb(l, 10)
  cleared.clearBreadcrumbs()
  t.equal(cleared.amendBreadcrumb(l.toCrumb(), { status_code: 1 }), false, 'cleared: false')
  t.equal(l.builds, 1, 'built once in all')
  const g = new Scope()
  g.addLazyBreadcrumb(lazy('seen'), 10)
  const seen = g.breadcrumbs[0] // built by the getter, not through an entry
  t.equal(g.amendBreadcrumb(seen, { status_code: 204 }), true, 'a crumb the getter built is found too')
  t.same(g.breadcrumbs[0].data, { method: 'GET', status_code: 204 })
})

t.test('a request fork is what a clone, cleared, with the request and its lazy crumb set, is', async (t) => {
  const request = { ...lazy('GET /r'), toRequestInfo () { return { url: '/r', method: 'GET' } } }
  // Bases with every kind of data, and their bytes cached (a fork must not keep them).
  const makeBase = () => {
    const b = new Scope().setUser({ id: 7 }).setTag('t', 'base').setExtra('e', 1).setContext('c', { k: 1 }).setLevel('warning').setFingerprint(['f'])
    b.addBreadcrumb({ message: 'base crumb' }, 10)
    b.setLazyRoute({ tags () { return { framework: 'x', route: 'GET /r' } } })
    b.dataBytes()
    b.crumbBytes()
    return b
  }
  const base = makeBase()
  const fork = base.forkForRequest(request, request)
  const slow = makeBase().clone().clearBreadcrumbs().setLazyRequest(request).addLazyBreadcrumb(request, 10)
  t.same(fork.data(), slow.data(), 'the same data (user, tags with the route, extra, contexts, the request, level, fingerprint)')
  t.same(fork.data().request, { url: '/r', method: 'GET' }, 'the request\'s data, made when needed')
  t.same(Buffer.from(fork.dataBytes()), Buffer.from(slow.dataBytes()), 'packed alike (not the base\'s cached bytes)')
  t.same(msgs(fork), ['GET /r'], 'only the request\'s crumb, not the base\'s')
  t.same(Buffer.from(fork.crumbBytes()), Buffer.from(slow.crumbBytes()), 'its crumbs packed alike (not the base\'s cached bytes)')
  t.equal(fork.requestRecord, request)
  t.equal(fork.requestBase, base)
  t.equal(fork.lazyRoute, base.lazyRoute)
  t.same(msgs(base.forkForRequest(request, null)), [], 'no lead: no breadcrumb')

  // Copy-on-write both ways, on a base that was only forked (a clone would mark it shared too).
  const only = makeBase()
  const f = only.forkForRequest(request, request)
  only.setTag('t', 'changed').setTag('later', 'x').setExtra('e', 5).setContext('c', { k: 2 })
  only.addBreadcrumb({ message: 'base later' }, 10)
  t.same([f.tags.t, 'later' in f.tags, f.extra.e, f.contexts.c], ['base', false, 1, { k: 1 }], 'a later change of the base is not seen by the fork')
  t.same(msgs(f), ['GET /r'])
  const other = makeBase()
  const g = other.forkForRequest(request, request)
  g.setTag('mine', 'y').setExtra('e', 2).setContext('c', { k: 3 })
  g.addBreadcrumb({ message: 'in fork' }, 10)
  t.same(['mine' in other.tags, other.extra.e, other.contexts.c], [false, 1, { k: 1 }], 'the fork\'s change is not seen by the base')
  t.same(msgs(other), ['base crumb'])
  t.same(msgs(g), ['GET /r', 'in fork'])

  // A base whose only crumb is a lazy one of its own.
  const led = new Scope()
  led.addLazyBreadcrumb(lazy('base lead'), 10)
  const h = led.forkForRequest(request, request)
  t.same(msgs(h), ['GET /r'], 'the base\'s lazy crumb is not the fork\'s')
  led.addBreadcrumb({ message: 'after' }, 10)
  h.addBreadcrumb({ message: 'fork after' }, 10)
  t.same(msgs(led), ['base lead', 'after'])
  t.same(msgs(h), ['GET /r', 'fork after'])
  t.same(Buffer.from(led.forkForRequest(request, null).crumbBytes()), Buffer.from(new Scope().crumbBytes()), 'no lead: the bytes of no crumbs')
})
