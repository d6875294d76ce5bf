import type { IntegrationClient } from '../shared/integration'
import { ConfigurationError } from '../shared/errors'
import { checkHandlerOptions, reportRequestError, shouldReportRequestError, statusOfError, type ErrorHandlerOptions } from './request-error'

// Koa 2 and 3, duck-typed (the SDK never loads koa). Koa hands every request error to
// app.emit('error', err, ctx) from ctx.onerror, then answers. Two Koa details shape this:
// - Koa adds its own logging listener (app.onerror) only when the app has no 'error'
//   listener when the server starts: ours would silence it, so while only our listeners are
//   there, ours calls app.onerror(err) itself (Koa's own check of status, expose and silent).
// - ctx.onerror emits before it settles the status (an error without a valid one becomes 500,
//   and Koa 2 turns ENOENT into 404, Koa 3 does not): the decision waits one microtask, for
//   the status Koa wrote back to err.status, so it is the status the client got.
// The listener runs outside the request's async context: the scope comes from ctx.req.

interface KoaContext { req?: unknown, method?: string, _matchedRoute?: unknown }
type Listener = ((...args: unknown[]) => void) & { [OURS]?: true }
interface KoaApp {
  on: (event: string, fn: Listener) => unknown
  listeners?: (event: string) => Listener[]
  onerror?: (err: unknown) => void
}

export type KoaErrorHandlerOptions = ErrorHandlerOptions<[ctx: unknown]>

const OURS = Symbol('xrayradar.koa.listener')

/** `GET /api/users/:id` from @koa/router's matched template (prefix included), or null. */
function routeOf (ctx: KoaContext | undefined): string | null {
  if (ctx === undefined || ctx === null || typeof ctx !== 'object') return null
  const t = ctx._matchedRoute
  if (t === undefined || t === null || t === '') return null
  return `${typeof ctx.method === 'string' ? ctx.method : 'GET'} ${String(t)}`
}

/**
 * Reports a Koa 2 or 3 app's request errors with status >= 500 that are not `expose`
 * (ctx.throw(404) and other client errors are not), keeping Koa's own error logging and
 * response. Call it right after creating the app.
 */
export function setupKoaErrorHandler (app: unknown, options: KoaErrorHandlerOptions = {}): void {
  const a = app as KoaApp
  if (a === null || (typeof a !== 'function' && typeof a !== 'object') || typeof a.on !== 'function') {
    throw new ConfigurationError('setupKoaErrorHandler(app) needs a Koa application (the value new Koa() returns); got ' + (a === null ? 'null' : typeof a) + '.')
  }
  const opts: KoaErrorHandlerOptions = checkHandlerOptions('setupKoaErrorHandler(app, options)', 'err, ctx', options)
  const given: IntegrationClient | null | undefined = opts.client
  const listener: Listener = function xrayradarKoaErrorListener (err: unknown, ctx?: unknown): void {
    try {
      const c = ctx as KoaContext | undefined
      queueMicrotask(() => {
        try {
          const status = statusOfError(err) ?? 500
          const expose = err !== null && typeof err === 'object' && (err as { expose?: unknown }).expose === true
          if (shouldReportRequestError(opts, status >= 500 && !expose, err, [ctx])) reportRequestError(given, err, c?.req, 'koa', routeOf(c))
        } catch {}
      })
    } catch {}
    // Koa's own logging, as if we were not listening; the first of our listeners does it once.
    const all = typeof a.listeners === 'function' ? a.listeners('error') : []
    if (all.every((l) => l[OURS] === true) && all.find((l) => l[OURS] === true) === listener && typeof a.onerror === 'function') {
      a.onerror(err)
    }
  }
  listener[OURS] = true
  a.on('error', listener)
}
