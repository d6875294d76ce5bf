import type { Scope } from '../capture/scope'

// The isolation scope of an incoming request, kept on the request object itself: error
// handlers that run outside the request's async context (Koa's app.on('error'), Express 4
// promise rejections, timeouts) find it there. A symbol from the global registry, so two
// copies of the SDK in one process (a bundle and an installed copy) share it.

export const REQUEST_SCOPE: unique symbol = Symbol.for('xrayradar.requestScope') as never

/** The scope httpIntegration gave this request (req, or a framework object holding it), or null. */
export function scopeOfRequest (req: unknown): Scope | null {
  if (req === null || typeof req !== 'object') return null
  try {
    const s = (req as { [REQUEST_SCOPE]?: Scope })[REQUEST_SCOPE]
    return s !== undefined && s !== null && typeof s === 'object' ? s : null
  } catch {
    return null
  }
}

export function setScopeOfRequest (req: object, scope: Scope): void {
  try {
    // A plain assignment (an enumerable symbol key: Object.keys and JSON skip it):
    // Object.defineProperty took ~1.5 µs per request in a profile of this path.
    (req as { [REQUEST_SCOPE]?: Scope })[REQUEST_SCOPE] = scope
  } catch {}
}

// The route a framework matched for a request, kept as the framework hands it over: the
// framework and route tags are made of it only when an event of the request is built
// (scope.data()), never per request. On the request's scope when it has one (a field of an
// object of one shape); on the request object only without one (no httpIntegration): adding a
// property to a framework's request costs microseconds (Express 5: a fresh hidden class per
// request, measured in a profile of bench figure 8). A symbol from the global registry, as
// REQUEST_SCOPE.
export const ROUTE_MATCH: unique symbol = Symbol.for('xrayradar.routeMatch') as never

/** A matched route: `METHOD mount+path` is its template, made by template() on demand. */
export class RouteMatch {
  readonly framework: string
  readonly method: string
  readonly mount: string
  readonly path: unknown
  // Express joins a router's mount path and its route '/' as the mount alone (`/api`, not `/api/`).
  readonly slashIsMount: boolean
  // The framework's own route object (Express: what it assigned to req.route), or undefined.
  readonly source: unknown
  private _tags: Record<string, string> | null = null

  constructor (framework: string, method: unknown, mount: unknown, path: unknown, slashIsMount: boolean, source?: unknown) {
    this.framework = framework
    this.source = source
    this.method = methodOf(method)
    this.mount = mountOf(mount)
    this.path = path
    this.slashIsMount = slashIsMount
  }

  /** True when new RouteMatch(…the same arguments) would equal this one. */
  sameAs (framework: string, method: unknown, mount: unknown, path: unknown, slashIsMount: boolean, source: unknown): boolean {
    return this.source === source && this.path === path && this.mount === mountOf(mount) && this.method === methodOf(method) &&
      this.framework === framework && this.slashIsMount === slashIsMount
  }

  /** `GET /api/users/:id`, or null when the route has no usable path. Never throws. */
  template (): string | null {
    try {
      if (this.path === undefined || this.path === null) return null
      const own = pathText(this.path)
      const path = this.slashIsMount && this.mount !== '' && own === '/' ? this.mount : this.mount + own
      return `${this.method} ${path}`
    } catch {
      return null
    }
  }

  /** { framework, route }, the same object each call; null when there is no template. */
  tags (): Record<string, string> | null {
    if (this._tags !== null) return this._tags
    const route = this.template()
    return route === null ? null : (this._tags = { framework: this.framework, route })
  }
}

function methodOf (method: unknown): string { return typeof method === 'string' ? method : 'GET' }
function mountOf (mount: unknown): string { return typeof mount === 'string' ? mount : '' }

// The match a framework's route object made last, kept on that object (one slot per route, not
// per request; not enumerable): the next request of the route, under the same mount and method,
// gets the same match instead of a new one (~80 bytes per request, heap-sampled on Express 5).
// A match is never changed once made (its tags are made of its fields), so sharing it is safe.
const LAST_MATCH = Symbol('xrayradar.lastRouteMatch')

/** The match of route at this mount and method: the one the route made last when equal, else a new one (kept as its last). Never throws. */
function matchOfRoute (route: object, framework: string, method: unknown, mount: unknown, path: unknown, slashIsMount: boolean): RouteMatch {
  const holder = route as { [LAST_MATCH]?: RouteMatch }
  let last: RouteMatch | undefined
  try { last = holder[LAST_MATCH] } catch {}
  // instanceof: the slot is ours, but a Proxy route object answers every key.
  if (last instanceof RouteMatch && last.sameAs(framework, method, mount, path, slashIsMount, route)) return last
  const match = new RouteMatch(framework, method, mount, path, slashIsMount, route)
  try {
    if (!(last instanceof RouteMatch)) Object.defineProperty(route, LAST_MATCH, { value: match, writable: true, configurable: true })
    else holder[LAST_MATCH] = match
  } catch {}
  return match
}

/** A route path as text: a string, an array of them joined by commas, a RegExp as /…/. */
export function pathText (p: unknown): string {
  if (typeof p === 'string') return p
  if (Array.isArray(p)) return p.map(pathText).join(',')
  return String(p)
}

/** The route matched for this request (see ROUTE_MATCH), or null. Never throws. */
export function routeMatchOf (req: unknown): RouteMatch | null {
  if (req === null || typeof req !== 'object') return null
  try {
    const scope = scopeOfRequest(req)
    const m = (scope !== null ? scope.lazyRoute : (req as { [ROUTE_MATCH]?: unknown })[ROUTE_MATCH]) as RouteMatch | null | undefined
    // By shape, not instanceof: two copies of the SDK in one process have two classes.
    return m !== undefined && m !== null && typeof m.tags === 'function' ? m : null
  } catch {
    return null
  }
}

/** Records the matched route (null: none) on the request's scope, or on the request without one. Never throws. */
export function setRouteMatch (req: object, match: RouteMatch | null): void {
  try {
    const scope = scopeOfRequest(req)
    if (scope !== null) scope.setLazyRoute(match)
    else (req as { [ROUTE_MATCH]?: RouteMatch | null })[ROUTE_MATCH] = match
  } catch {}
}

type RoutedRequest = Record<symbol, unknown> & { method?: unknown, baseUrl?: unknown }

/**
 * The setter of `req.route` on a framework's request prototype (Express apps, Nest's Express
 * adapter), as the framework assigns the matched route. The match is kept as it is now
 * (req.baseUrl changes on leaving the router) on the request's scope, where every event of the
 * request gets its tags from it when the event is built; on req itself (`own`, ROUTE_MATCH) only
 * without a scope or a usable path. Express assigns the same route twice per request (its
 * router's next(), then the route's dispatch) under the same mount path: the second keeps the
 * first's match. One read of the scope slot, and the match the route made last (a new one only
 * when it differs: another mount, method or path): Express 5 gives each request its own hidden
 * class, so every property looked up on req is a slow lookup. Runs inside the framework's
 * router: never throws into it (an odd route.path getter).
 */
export function assignRoute (req: RoutedRequest, own: symbol, framework: string, route: unknown, path: { slashIsMount: boolean, stringOnly: boolean }): void {
  try {
    const scope = scopeOfRequest(req)
    const baseUrl = req.baseUrl
    const had = scope !== null ? scope.lazyRoute as RouteMatch | null : null
    if (had !== null && route !== null && route !== undefined && had.source === route && had.framework === framework && had.mount === baseUrl) return
    const routePath = route !== null && typeof route === 'object' ? (route as { path?: unknown }).path : undefined
    const usable = route !== null && typeof route === 'object' && (!path.stringOnly || typeof routePath === 'string')
    const match = usable ? matchOfRoute(route as object, framework, req.method, baseUrl, routePath, path.slashIsMount) : null
    if (match !== null && scope !== null) { scope.setLazyRoute(match); return }
    setRouteMatch(req, match)
  } catch {}
  req[own] = route
}

/** The getter of `req.route` beside assignRoute: the route of the match kept for `framework`, else what `own` holds. */
export function assignedRoute (req: RoutedRequest, own: symbol, framework: string): unknown {
  const m = routeMatchOf(req)
  return m !== null && m.framework === framework ? m.source : req[own]
}
