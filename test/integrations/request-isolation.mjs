// What the framework scope tests share: the handler every framework runs for request i
// (its own user, tag and breadcrumbs, an outgoing call, a wait that interleaves it with the
// others, then an error), N concurrent requests, and the check that each event holds its
// own request's data and nothing of another request or of the background.
import { setUser, setTag, addBreadcrumb, getIsolationScope } from 'xrayradar'
import { listen } from '../utils/servers.mjs'

export const N = 12

/** A local upstream the handlers call (so outgoing breadcrumbs must land in the right request); resolves with its base URL. */
export async function startUpstream (t) {
  const { base } = await listen(t, (req, res) => { res.setHeader('content-type', 'text/plain'); res.end('up') })
  return base
}

/**
 * The body of request i's handler. Later requests wait less, so they finish first and every
 * request's work overlaps the others'. Even requests also capture the error themselves:
 * still one event per error.
 */
export async function handle (i, upstream, client) {
  setUser({ id: `u${i}` })
  setTag('req', String(i))
  addBreadcrumb({ message: `before ${i}`, category: 'test' })
  await new Promise((resolve) => setTimeout(resolve, (N - i) * 4))
  await (await fetch(`${upstream}/up/${i}`)).text()
  addBreadcrumb({ message: `after ${i}`, category: 'test' })
  const err = new Error(`boom ${i}`)
  if (i % 2 === 0) client.captureException(err)
  throw err
}

/** Fires the N requests at once, with a background breadcrumb in the middle; resolves with their statuses. */
export async function fireInterleaved (base, pathOf) {
  const all = []
  for (let i = 0; i < N; i++) {
    all.push(fetch(base + pathOf(i)).then(async (r) => { await r.text(); return r.status }))
    if (i === N / 2) addBreadcrumb({ message: 'background', category: 'test' }) // outside every request
  }
  return Promise.all(all)
}

/**
 * Checks that there is one event per request (none twice, also where the handler captured it
 * first), each with its own request's data only, and that no request's data stayed in the
 * process's isolation scope.
 */
export function checkIsolation (t, events, { framework, routeOf, scopeTags }) {
  t.equal(events.length, N, 'one event per error, also where the handler captured it first')
  let foreign = 0
  const byI = new Map(events.map((e) => [Number(/boom (\d+)/.exec(e.exception.values.at(-1).value)?.[1]), e]))
  t.equal(byI.size, N, `one event per request (${N})`)
  for (let i = 0; i < N; i++) {
    const e = byI.get(i)
    if (e === undefined) { t.fail(`no event for request ${i}`); continue }
    t.equal(e.contexts.user?.id, `u${i}`, `request ${i}: its own user`)
    t.equal(e.contexts.tags.req, String(i), `request ${i}: its own tag`)
    if (i % 2 === 1) {
      t.same(e.contexts.mechanism, { type: framework, handled: false }, `request ${i}: reported by the framework handler`)
      t.same([e.contexts.tags.framework, e.contexts.tags.route], [framework, routeOf(i)], `request ${i}: with the framework and route tags`)
    } else {
      t.notOk('mechanism' in e.contexts, `request ${i}: the app's own capture came first; the handler sent no second event`)
      // The app's own event has the tags when the integration put them on the request's scope.
      const tags = scopeTags ? [framework, routeOf(i)] : [undefined, undefined]
      t.same([e.contexts.tags.framework, e.contexts.tags.route], tags, `request ${i}: the app's own event ${scopeTags ? 'has' : 'has no'} framework and route tags`)
    }
    t.match(e.contexts.request?.url, new RegExp(`/users/${i}$`), `request ${i}: contexts.request is this request (no query)`)
    t.equal(e.contexts.request?.method, 'GET')
    const texts = e.breadcrumbs.map((b) => `${b.category} ${b.message}`)
    t.ok(texts.some((s) => new RegExp(`^http.server GET .*/users/${i}$`).test(s)), `request ${i}: its incoming-request breadcrumb`)
    t.ok(texts.includes(`test before ${i}`) && texts.includes(`test after ${i}`), `request ${i}: its own breadcrumbs`)
    t.ok(texts.some((s) => new RegExp(`^http GET .*/up/${i}$`).test(s)), `request ${i}: its outgoing call`)
    const others = texts.filter((s) => {
      const n = /(?:before|after) (\d+)$|\/(?:users|up)\/(\d+)$/.exec(s)
      return s.endsWith('background') || (n !== null && Number(n[1] ?? n[2]) !== i)
    })
    foreign += others.length
    t.same(others, [], `request ${i}: no breadcrumb of another request or of the background`)
  }
  t.equal(foreign, 0, 'zero cross-request data')
  t.equal(getIsolationScope().user, null, 'no request\'s user leaked into the process scope')
  t.same(getIsolationScope().tags, {}, 'nor a tag')
}
