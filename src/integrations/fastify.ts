import { checkHandlerOptions, reportRequestError, shouldReportRequestError, type ErrorHandlerOptions } from './request-error'
import { RouteMatch, scopeOfRequest } from './request-scope'
import { FastifyHandlerError } from '../shared/errors'
// Exported with the setup function that throws it (src/index.ts takes both from here).
export { FastifyHandlerError }

// Fastify 4 and 5 errors, duck-typed (the SDK never loads fastify).
//
// Reported on the response's FINAL status, not when the error appears: Fastify's onError
// hook runs before the user's setErrorHandler (and for validation or hook errors while
// reply.statusCode still reads 200), so the hook only keeps the error, and the decision is
// made once the response has gone out: a user handler that answered 401, a validation 400
// or a 404 is then skipped, a 500 reported. The decision is taken on the raw response's
// 'finish'/'close' (the events Fastify's own onResponse runs on) through listeners added
// only for a request that saw an error.
//
// So that the app's own events of a request (captureException in a handler) carry the
// framework and route tags too, the handler of each route declared after the call is wrapped
// (from an onRoute hook, with the route's match made once per route) to keep the match on the
// request's own scope as it starts, where the tags are made of it when an event is built;
// without httpIntegration there is no such scope and the wrapper only calls the handler.

/** The Fastify shapes used here (no types from fastify: it is not a dependency). */
interface RawResponse {
  statusCode?: number
  once: (event: string, fn: () => void) => unknown
  removeListener: (event: string, fn: () => void) => unknown
}
interface FastifyRequest {
  method?: string
  raw?: unknown
  routeOptions?: { url?: unknown } | null
  routerPath?: unknown
}
interface FastifyReply {
  statusCode?: number
  raw?: RawResponse
}
type OnErrorHook = (request: FastifyRequest, reply: FastifyReply, error: unknown, done: () => void) => void
interface RouteOptions { url?: unknown, method?: unknown, handler?: (this: unknown, request: FastifyRequest, reply: unknown) => unknown }
interface FastifyInstance {
  addHook: ((name: 'onError', fn: OnErrorHook) => unknown) & ((name: 'onRoute', fn: (route: RouteOptions) => void) => unknown)
}

export type FastifyErrorHandlerOptions = ErrorHandlerOptions<[request: unknown, reply: unknown]>

// Fastify's own marker for "do not encapsulate this plugin" (what fastify-plugin sets): the
// hooks it adds land on the instance it was registered on, so they reach every plugin
// registered after it.
const SKIP_OVERRIDE = Symbol.for('skip-override')
const DISPLAY_NAME = Symbol.for('fastify.display-name')

/** `GET /api/users/:id`: the route template with its plugin prefix, or null (404, no route). */
export function fastifyRoute (request: FastifyRequest): string | null {
  try {
    // routeOptions: Fastify 4.10+ and 5. routerPath only before that: on later 4.x reading it
    // prints a deprecation warning (FSTDEP017).
    const options = request.routeOptions
    const url = options !== undefined && options !== null ? options.url : request.routerPath
    if (typeof url !== 'string' || url === '') return null
    return `${typeof request.method === 'string' ? request.method : 'GET'} ${url}`
  } catch {
    return null
  }
}

/**
 * Wraps a route's handler so that its requests' scopes are tagged (framework, route) as the
 * handler starts. Not a route-level onRequest hook: a route with no hook of its own then makes
 * Fastify run its hook runner for every request (closures per request; bench figure 8).
 */
function tagRequestsOf (route: RouteOptions, framework: string): void {
  const url = route.url
  const handler = route.handler
  if (typeof url !== 'string' || url === '' || typeof handler !== 'function') return
  // One match per route (per method when the route takes several), kept on the raw request:
  // the tags are made of it only when an event of the request is built.
  const fixed = typeof route.method === 'string' ? new RouteMatch(framework, route.method, '', url, false) : null
  // Bounded: Node's parser accepts only the methods it knows.
  const byMethod = new Map<string, RouteMatch>()
  route.handler = function xrayradarRouteTags (this: unknown, request: FastifyRequest, reply: unknown) {
    try {
      const scope = scopeOfRequest(request.raw)
      if (scope !== null) {
        let match = fixed
        if (match === null) {
          const method = typeof request.method === 'string' ? request.method : 'GET'
          match = byMethod.get(method) ?? null
          if (match === null) byMethod.set(method, match = new RouteMatch(framework, method, '', url, false))
        }
        scope.setLazyRoute(match)
      }
    } catch {}
    // Fastify reads what the handler returns (a promise, a value to send): passed on as is.
    return handler.apply(this, arguments as unknown as [FastifyRequest, unknown])
  }
}

/** Tags the scope of each request of the routes declared on this instance from now on (Nest's Fastify adapter too). */
export function tagFastifyRoutes (fastify: unknown, framework: string): void {
  (fastify as FastifyInstance).addHook('onRoute', (route) => { try { tagRequestsOf(route, framework) } catch {} })
}

/**
 * Reports the errors of a Fastify 4 or 5 app whose response ends with a status >= 500 (or
 * that shouldHandleError(error, request, reply) accepts), once each, in the request's scope,
 * tagged framework: fastify and route: `METHOD /template`. Call right after creating the
 * app (before listen()/ready()): the error hook reaches every plugin and route of the app;
 * the tags on the request's scope (for the app's own events), the routes declared after it.
 */
export function setupFastifyErrorHandler (fastify: unknown, options: FastifyErrorHandlerOptions = {}): void {
  const app = fastify as FastifyInstance | null
  if (app === null || typeof app !== 'object' || typeof app.addHook !== 'function' || typeof (app as { register?: unknown }).register !== 'function') {
    throw new FastifyHandlerError('setupFastifyErrorHandler(fastify) needs the Fastify instance: pass what Fastify() returned, right after creating it.')
  }
  const opts: FastifyErrorHandlerOptions = checkHandlerOptions('setupFastifyErrorHandler', 'error, request, reply', options)
  // Errors already waiting for their response's end, by request: a second error of the same
  // request (e.g. thrown by the user's error handler) does not replace the first.
  const pending = new WeakSet<object>()

  const onError: OnErrorHook = (request, reply, error, done) => {
    try {
      const res = reply.raw
      if (res !== undefined && res !== null && typeof res.once === 'function' && !pending.has(request)) {
        pending.add(request)
        let decided = false
        const atEnd = (): void => {
          if (decided) return
          decided = true
          res.removeListener('finish', atEnd)
          res.removeListener('close', atEnd)
          const status = typeof reply.statusCode === 'number' ? reply.statusCode : res.statusCode
          if (!shouldReportRequestError(opts, typeof status === 'number' && status >= 500, error, [request, reply])) return
          reportRequestError(opts.client, error, request.raw ?? request, 'fastify', fastifyRoute(request))
        }
        res.once('finish', atEnd)
        res.once('close', atEnd) // a connection closed before the response finished
      }
    } catch {} // never in the way of Fastify's own error handling
    done()
  }

  function xrayradarFastify (instance: FastifyInstance, _opts: unknown, next: () => void): void {
    instance.addHook('onError', onError)
    next()
  }
  Object.defineProperty(xrayradarFastify, SKIP_OVERRIDE, { value: true })
  Object.defineProperty(xrayradarFastify, DISPLAY_NAME, { value: 'xrayradar' })
  try {
    ;(app as unknown as { register: (p: typeof xrayradarFastify) => unknown }).register(xrayradarFastify)
  } catch (err) {
    // Fastify's own words here ("Root plugin has already booted") do not say what to do.
    throw new FastifyHandlerError(`setupFastifyErrorHandler(app) was called after the app was ready (listen(), ready() or inject() had run), when Fastify takes no new hooks (${String((err as Error)?.message)}). Call it right after Fastify().`)
  }
  // onRoute hooks are added at once (not queued like the others): they see every route
  // declared after this call, also in plugins registered before it but not yet loaded.
  tagFastifyRoutes(app, 'fastify')
}
