import { createRequire } from 'node:module'
import { join } from 'node:path'
import { checkHandlerOptions, reportRequestError, shouldReportRequestError, type ErrorHandlerOptions } from './request-error'
import { fastifyRoute, tagFastifyRoutes } from './fastify'
import { assignRoute, assignedRoute } from './request-scope'
import { sayOnce } from '../capture/say-once'
import { NestHandlerError } from '../shared/errors'
// Exported with the setup function that throws it (src/index.ts takes both from here).
export { NestHandlerError }

// NestJS 10 and 11 errors (Express and Fastify adapters), duck-typed: the SDK never loads
// Nest. The global filter extends BaseExceptionFilter taken from the app's OWN @nestjs/core
// (found through the module that defines the app's class), so Nest's response and logging
// are Nest's own: a copy from elsewhere would test `instanceof HttpException` against
// another @nestjs/common and answer 500 to every HttpException.

/** The Nest shapes used here (no types from Nest: it is not a dependency). */
interface ArgumentsHost {
  getType?: () => string
  getArgByIndex?: (i: number) => unknown
}
interface NestApp {
  useGlobalFilters: (...filters: unknown[]) => unknown
  getHttpAdapter?: () => unknown
  isInitialized?: boolean
}
interface BaseFilter { catch (exception: unknown, host: unknown): unknown }
type FilterBase = new (applicationRef?: unknown) => BaseFilter

export type NestErrorHandlerOptions = ErrorHandlerOptions<[host: unknown]>

/** The status Nest's BaseExceptionFilter answers for this exception (its own rules), never throws. */
function nestStatus (exception: unknown): number {
  if (exception === null || typeof exception !== 'object') return 500
  try {
    const e = exception as { getStatus?: unknown, statusCode?: unknown, message?: unknown }
    // HttpException (duck-typed: the app's class is not ours to import).
    if (typeof e.getStatus === 'function') {
      const s = (e.getStatus as () => unknown)()
      return typeof s === 'number' ? s : 500
    }
    // An "http-errors" error (e.g. body-parser's 400/413): Nest answers its statusCode.
    if (typeof e.statusCode === 'number' && e.statusCode !== 0 && Boolean(e.message)) return e.statusCode
  } catch {}
  return 500
}

/** `GET /api/users/:id` from the adapter's request (Express: req.route.path; Fastify: routeOptions.url), or null. */
function nestRoute (req: unknown): string | null {
  if (req === null || typeof req !== 'object') return null
  try {
    const r = req as { raw?: unknown, method?: unknown, route?: { path?: unknown } | null, baseUrl?: unknown }
    if (r.raw !== undefined && r.raw !== null && typeof r.raw === 'object') return fastifyRoute(r as never)
    const path = r.route?.path
    if (typeof path !== 'string') return null
    const base = typeof r.baseUrl === 'string' ? r.baseUrl : ''
    return `${typeof r.method === 'string' ? r.method : 'GET'} ${base}${path}`
  } catch {
    return null
  }
}

/**
 * Reports a Nest exception the way setupNestErrorHandler's filter does (non-HttpException
 * errors and HttpExceptions with a status >= 500, once each, with the request's scope and
 * the framework/route tags); reports nothing else and never throws. For an app's own
 * catch-all filter, which takes precedence over ours: call it first thing in its catch().
 */
export function captureNestException (exception: unknown, host: unknown, options: NestErrorHandlerOptions = {}): void {
  try {
    const opts = options ?? {}
    if (!shouldReportRequestError(opts, nestStatus(exception) >= 500, exception, [host])) return
    const req = httpRequestOf(host)
    const raw = req !== null && typeof req === 'object' ? ((req as { raw?: unknown }).raw ?? req) : null
    reportRequestError(opts.client, exception, raw, 'nestjs', nestRoute(req))
  } catch {}
}

/** The adapter's request of an HTTP context (Express req, FastifyRequest), else null; never throws. */
function httpRequestOf (host: unknown): unknown {
  try {
    const h = host as ArgumentsHost | null
    if (h === null || typeof h !== 'object' || typeof h.getArgByIndex !== 'function') return null
    if (typeof h.getType === 'function' && h.getType() !== 'http') return null
    return h.getArgByIndex(0)
  } catch {
    return null
  }
}

const ROUTE = Symbol('xrayradar.nest.route')
const HOOKED = Symbol.for('xrayradar.nest.routeHook')

/**
 * Keeps the matched route on each request's own scope (httpIntegration's) as soon as the
 * adapter has matched it, so that the app's own events of the request carry the framework and
 * route tags too (made when an event is built). Express: Express assigns req.route when a route matches; an accessor on the Express
 * app's request prototype sees that (no per-request hook). Fastify: the handler of each route
 * Nest declares at init() is wrapped (tagFastifyRoutes).
 */
function tagRequestScopes (app: NestApp): void {
  try {
    const adapter = app.getHttpAdapter?.() as { getType?: () => string, getInstance?: () => unknown } | undefined
    const type = adapter?.getType?.()
    const instance = adapter?.getInstance?.() as { request?: object, addHook?: unknown } | undefined
    if (instance === undefined || instance === null) return
    if (type === 'fastify' && typeof instance.addHook === 'function') { tagFastifyRoutes(instance, 'nestjs'); return }
    const proto = instance.request
    if (type !== 'express' || proto === undefined || proto === null || Object.prototype.hasOwnProperty.call(proto, HOOKED)) return
    Object.defineProperty(proto, HOOKED, { value: true })
    Object.defineProperty(proto, 'route', {
      configurable: true,
      get (this: Record<symbol, unknown>) { return assignedRoute(this, ROUTE, 'nestjs') },
      set (this: Record<symbol, unknown>, route: unknown) { assignRoute(this, ROUTE, 'nestjs', route, { slashIsMount: false, stringOnly: true }) }
    })
  } catch {} // a frozen prototype: the filter's events still carry the tags
}

/** The app's class: through the prototype, as NestFactory's proxy wraps every function it hands out (app.constructor too). */
function appClass (app: object): Function | null {
  try {
    const proto = Object.getPrototypeOf(app) as { constructor?: unknown } | null
    return typeof proto?.constructor === 'function' ? proto.constructor : null
  } catch {
    return null
  }
}

/** BaseExceptionFilter of the @nestjs/core that made this app, or null (e.g. Nest bundled into the app's file). */
function baseExceptionFilterOf (app: object): FilterBase | null {
  const ctor = appClass(app)
  if (ctor === null) return null
  const cache = createRequire(join(process.cwd(), 'noop.js')).cache
  let fallback: string | null = null
  for (const id of Object.keys(cache)) {
    const m = cache[id]
    let exported: unknown
    try { exported = (m?.exports as { NestApplication?: unknown } | undefined)?.NestApplication } catch { continue }
    if (exported !== ctor || m === undefined) continue
    // Prefer the file inside @nestjs/core itself over an app's own re-export of it.
    if (/[\\/]@nestjs[\\/]core[\\/]/.test(m.filename)) { fallback = m.filename; break }
    fallback ??= m.filename
  }
  if (fallback === null) return null
  try {
    const core = createRequire(fallback)('@nestjs/core') as { BaseExceptionFilter?: unknown, NestApplication?: unknown }
    if (core.NestApplication !== ctor || typeof core.BaseExceptionFilter !== 'function') return null
    return core.BaseExceptionFilter as FilterBase
  } catch {
    return null
  }
}

/**
 * Adds a global exception filter to a NestJS 10 or 11 app that reports non-HttpException
 * errors and HttpExceptions with a status >= 500 (or what shouldHandleError(exception, host)
 * accepts), then leaves the answer to Nest's own BaseExceptionFilter (HTTP) or to Nest's
 * default for the context (GraphQL: Nest rethrows it; RPC: Nest's RPC filter answers).
 * Call after NestFactory.create(), before app.listen().
 */
export function setupNestErrorHandler (app: unknown, options: NestErrorHandlerOptions = {}): void {
  const a = app as NestApp | null
  if (a === null || typeof a !== 'object' || typeof a.useGlobalFilters !== 'function') {
    throw new NestHandlerError('setupNestErrorHandler(app) needs the Nest application: pass what NestFactory.create() returned, before app.listen().')
  }
  const opts: NestErrorHandlerOptions = checkHandlerOptions('setupNestErrorHandler', 'exception, host', options)
  const Base = baseExceptionFilterOf(a)
  if (Base === null) {
    throw new NestHandlerError('setupNestErrorHandler could not find the @nestjs/core this app was made with (is Nest bundled into your build?). Report from your own filter instead: class AppFilter extends BaseExceptionFilter { catch (e, host) { captureNestException(e, host); super.catch(e, host) } }, registered with app.useGlobalFilters(new AppFilter(app.getHttpAdapter())).')
  }
  if (a.isInitialized === true) {
    sayOnce('nest-late', 'setupNestErrorHandler(app) was called after app.init()/listen(): Nest has built its routes and will not use the filter. Call it right after NestFactory.create().')
  }
  class XrayRadarNestFilter extends Base {
    override catch (exception: unknown, host: unknown): unknown {
      captureNestException(exception, host, opts)
      let type = 'http'
      try { type = (host as ArgumentsHost).getType?.() ?? 'http' } catch {}
      // GraphQL and RPC: returning nothing lets Nest's own handler for that context run, as
      // without the SDK (GraphQL: logged and rethrown; RPC: the RPC exception filter answers).
      if (type !== 'http') return undefined
      return super.catch(exception, host)
    }
  }
  const adapter = typeof a.getHttpAdapter === 'function' ? a.getHttpAdapter() : undefined
  a.useGlobalFilters(new XrayRadarNestFilter(adapter))
  tagRequestScopes(a)
}
