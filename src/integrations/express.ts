import type { IntegrationClient } from '../shared/integration'
import { ConfigurationError } from '../shared/errors'
import { checkHandlerOptions, reportRequestError, shouldReportRequestError, statusOfError, type ErrorHandlerOptions } from './request-error'
import { RouteMatch, assignRoute, assignedRoute, routeMatchOf } from './request-scope'

// Express 4 and 5 error middleware, duck-typed (the SDK never loads express).
//
// The route template: by the time an error reaches app-level error middleware, Express has
// already restored req.baseUrl to the app's (both majors, on leaving each router), so a
// route of a router mounted at /api would read as /users/:id. Instead the mount path is
// recorded when the route matches: Express assigns req.route = <the Route> in the router
// that holds it, while req.baseUrl is that router's full mount path. An accessor for `route`
// on app.request (the prototype Express gives each request of that app and of its sub-apps)
// sees that assignment. Public API only (app.request, req.route, req.baseUrl, route.path).

/** The Express shapes used here (no types from express: it is not a dependency). */
interface ExpressRoute { path?: unknown }
interface ExpressRequest { method?: string, baseUrl?: string, route?: ExpressRoute }
type Next = (err?: unknown) => void
type ErrorMiddleware = (err: unknown, req: ExpressRequest, res: unknown, next: Next) => void
interface ExpressLayer { route?: unknown, handle?: unknown, name?: string }
interface ExpressApp {
  use: (fn: ErrorMiddleware) => unknown
  request?: object
  _router?: { stack?: ExpressLayer[] }
  router?: { stack?: ExpressLayer[] }
  stack?: ExpressLayer[]
}

export type ExpressErrorHandlerOptions = ErrorHandlerOptions<[req: unknown, res: unknown]>

const ROUTE = Symbol('xrayradar.express.route')
const HOOKED = Symbol.for('xrayradar.express.routeHook')

/** `GET /api/users/:id`: method, mount path when the route matched, the route's own path. */
function templateOf (req: ExpressRequest, route: ExpressRoute | null | undefined): string | null {
  if (route === null || route === undefined || typeof route !== 'object' || route.path === undefined) return null
  return new RouteMatch('express', req.method, req.baseUrl, route.path, true).template()
}

/** Records the template on each request of this app (and its sub-apps) as its route matches. */
function hookRoutes (proto: object | undefined): void {
  if (proto === undefined || proto === null || Object.prototype.hasOwnProperty.call(proto, HOOKED)) return
  try {
    Object.defineProperty(proto, HOOKED, { value: true })
    Object.defineProperty(proto, 'route', {
      configurable: true,
      get (this: Record<symbol, unknown>) { return assignedRoute(this, ROUTE, 'express') },
      // Express joins a router's mount path and its route '/' as the mount alone; any path kind
      // (string, array, RegExp) makes a template.
      set (this: Record<symbol, unknown>, route: unknown) { assignRoute(this, ROUTE, 'express', route, { slashIsMount: true, stringOnly: false }) }
    })
  } catch {} // a frozen prototype: events then carry the route without its mount path
}

/** The stack of the app's router (Express 4: app._router, created lazily; 5: app.router), or null. */
function routerStack (app: ExpressApp): ExpressLayer[] | null {
  try {
    if (Array.isArray(app.stack)) return app.stack // a Router given instead of an app
    if (app._router !== undefined) return Array.isArray(app._router.stack) ? app._router.stack : null
    if (typeof (app as { lazyrouter?: unknown }).lazyrouter === 'function') return null // Express 4 before any use()/route
    const stack = app.router?.stack
    return Array.isArray(stack) ? stack : null
  } catch {
    return null // Express 4's app.router getter throws
  }
}

/** True when the stack holds a route, a mounted router or a mounted sub-app: the handler can see their errors. */
function hasRoutes (stack: ExpressLayer[] | null): boolean {
  if (stack === null) return false
  return stack.some((layer) => {
    if (layer === null || typeof layer !== 'object') return false
    if (layer.route !== undefined && layer.route !== null) return true
    const h = layer.handle as ((...args: never[]) => unknown) & { stack?: unknown }
    return typeof h === 'function' && (Array.isArray(h.stack) || h.name === 'mounted_app')
  })
}

/**
 * Adds error middleware to an Express 4 or 5 app that reports errors with status >= 500 or
 * none, then passes them on (next(err)) so Express answers exactly as without it. Call it
 * after all routes and routers, before your own error middleware.
 */
export function setupExpressErrorHandler (app: unknown, options: ExpressErrorHandlerOptions = {}): void {
  const a = app as ExpressApp
  if (a === null || (typeof a !== 'function' && typeof a !== 'object') || typeof a.use !== 'function') {
    throw new ConfigurationError('setupExpressErrorHandler(app) needs an Express application (the value express() returns); got ' + (a === null ? 'null' : typeof a) + '.')
  }
  const opts: ExpressErrorHandlerOptions = checkHandlerOptions('setupExpressErrorHandler(app, options)', 'err, req, res', options)
  const given: IntegrationClient | null | undefined = opts.client
  if (!hasRoutes(routerStack(a))) {
    process.stderr.write('[xrayradar] setupExpressErrorHandler(app) was called before any route: Express never passes a route\'s errors to error middleware added before it. Call it after your routes and routers (app.get/app.use), before your own error middleware.\n')
  }
  hookRoutes(a.request)
  a.use(function xrayradarErrorHandler (err: unknown, req: ExpressRequest, res: unknown, next: Next): void {
    try {
      const status = statusOfError(err)
      // Express answers 500 for an error without a status in 400-599.
      const serverError = status === null || status >= 500 || status < 400
      if (shouldReportRequestError(opts, serverError, err, [req, res])) {
        const r = req as ExpressRequest & Record<symbol, unknown>
        const match = routeMatchOf(r)
        const template = match !== null ? match.template() : templateOf(r, r.route)
        reportRequestError(given, err, req, 'express', template)
      }
    } catch {} // never let the SDK change what Express does with the error
    next(err)
  })
}
