// What each concurrent request does in the request-scope tests (Express and Koa alike), and
// the checks that its event holds its own data and no other request's.
import * as xr from 'xrayradar'
import { messageOf } from '../utils/events.mjs'
import { listen } from '../utils/servers.mjs'
import { barrier } from './http-helpers.mjs'

export { barrier }

export const N = 24

/** An upstream server on 127.0.0.1 that the handlers call (their outgoing breadcrumbs); closed at t's teardown. */
export const upstream = (t) => listen(t, (req, res) => res.end('ok'))

/** The handler's work: its own user, tag and breadcrumbs, an outgoing call, all N in flight at once; returns the error to throw. */
export async function requestWork (id, upstreamBase, arrive) {
  xr.setUser({ id: `user-${id}` })
  xr.setTag('order', id)
  xr.addBreadcrumb({ message: `start ${id}`, category: 'app' })
  await arrive()
  await (await fetch(`${upstreamBase}/echo/${id}`, { signal: AbortSignal.timeout(5000) })).text()
  await new Promise((resolve) => setTimeout(resolve, Number(id) % 3))
  xr.addBreadcrumb({ message: `end ${id}`, category: 'app' })
  return new Error(`fail ${id}`)
}

/** Adds a breadcrumb outside any request every few ms until stopped: none may show in a request's event. */
export function backgroundTicker () {
  const timer = setInterval(() => xr.addBreadcrumb({ message: 'background', category: 'tick' }), 2)
  return () => clearInterval(timer)
}

/** Each event has its own request's data (url, user, tags, breadcrumbs) and nothing of another's. */
export function checkIsolated (t, events, { ids, appBase, upstreamBase, framework, route }) {
  t.equal(events.length, ids.length, 'one event per request')
  const seen = new Set()
  for (const e of events) {
    const id = /^fail (\d+)$/.exec(messageOf(e))?.[1]
    t.ok(id !== undefined && ids.includes(id) && !seen.has(id), `event for request ${id}`)
    seen.add(id)
    const others = ids.filter((x) => x !== id)
    t.equal(e.contexts.request?.url, `${appBase}/api/users/${id}`, `${id}: its url, query stripped`)
    t.equal(e.contexts.request?.method, 'GET')
    t.equal(e.contexts.user?.id, `user-${id}`, `${id}: its user`)
    t.equal(e.contexts.tags.order, id, `${id}: its tag`)
    t.equal(e.contexts.tags.framework, framework)
    t.equal(e.contexts.tags.route, route)
    const crumbs = e.breadcrumbs.map((b) => `${b.category}|${b.message}|${b.data?.url ?? ''}`)
    t.ok(crumbs.includes(`app|start ${id}|`) && crumbs.includes(`app|end ${id}|`), `${id}: its own breadcrumbs`)
    t.ok(e.breadcrumbs.some((b) => b.category === 'http.server' && b.data?.url?.endsWith(`/api/users/${id}`)), `${id}: its incoming request breadcrumb`)
    t.ok(e.breadcrumbs.some((b) => b.category === 'http' && b.data?.url === `${upstreamBase}/echo/${id}`), `${id}: its outgoing call`)
    const foreign = crumbs.filter((c) => others.some((o) => new RegExp(`( |/)${o}(\\||$)`).test(c)) || c.includes('background') || c.includes('/echo/' + id + '/'))
    t.same(foreign, [], `${id}: no other request's or background breadcrumbs`)
    t.equal(e.breadcrumbs.filter((b) => b.category === 'http.server').length, 1, `${id}: one incoming request breadcrumb`)
  }
}
