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
    this.method = typeof method === 'string' ? method : 'GET'
    this.mount = typeof mount === 'string' ? mount : ''
    this.path = path
    this.slashIsMount = slashIsMount
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
