import type { IntegrationClient } from '../shared/integration'
import { ConfigurationError } from '../shared/errors'
import { getIsolationScope, runWithIsolationScope } from '../capture/hub'
import { activeClient } from './active-client'
import { scopeOfRequest } from './request-scope'

// What the framework error handlers share: the status an error stands for, the user's
// override, and the capture itself, made in the request's own scope even when the
// framework calls the handler outside the request's async context.

/** Options every framework error handler takes. */
export interface ErrorHandlerOptions<Args extends unknown[]> {
  /** Decides instead of the default rule (status >= 500): true reports the error. A throw falls back to the default. */
  // A method signature, so that a callback typed with the framework's own Request/Context is accepted.
  shouldHandleError? (error: unknown, ...args: Args): boolean
  /** The client to report to (default: the latest open client with integrations, e.g. init()'s). */
  client?: IntegrationClient | null
}

/** The options as given, checked: a wrong type is a mistake to fix now, not a handler that silently reports by default. */
export function checkHandlerOptions<Args extends unknown[]> (call: string, args: string, options: unknown): ErrorHandlerOptions<Args> {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw new ConfigurationError(`${call}: options must be an object ({ shouldHandleError, client }); got ${typeof options}.`)
  const o = options as ErrorHandlerOptions<Args>
  if (o.shouldHandleError !== undefined && typeof o.shouldHandleError !== 'function') {
    throw new ConfigurationError(`${call}: shouldHandleError must be a function (${args}) => boolean; got ${typeof o.shouldHandleError}.`)
  }
  // By shape, not instanceof: a bundled copy of the SDK and an installed one have two classes.
  const c = o.client as Partial<IntegrationClient> | null | undefined
  if (c !== undefined && c !== null && (typeof c.captureException !== 'function' || typeof c.hasSeen !== 'function')) {
    throw new ConfigurationError(`${call}: client must be an ErrorTracker (new ErrorTracker({...}) or getClient()), or left out to use init()'s.`)
  }
  return o
}

/** The first integer HTTP status an error carries (http-errors' status/statusCode, status_code, Boom's output.statusCode), or null. */
export function statusOfError (err: unknown): number | null {
  if (err === null || typeof err !== 'object') return null
  try {
    const e = err as { status?: unknown, statusCode?: unknown, status_code?: unknown, output?: { statusCode?: unknown } | null }
    for (const v of [e.status, e.statusCode, e.status_code, e.output?.statusCode]) {
      if (typeof v === 'number' && Number.isInteger(v)) return v
    }
  } catch {} // a throwing getter on a hostile object: no status
  return null
}

/** The user's shouldHandleError if given and it answers, else the default decision. */
export function shouldReportRequestError<Args extends unknown[]> (options: ErrorHandlerOptions<Args>, fallback: boolean, err: unknown, args: Args): boolean {
  const fn = options.shouldHandleError
  if (typeof fn !== 'function') return fallback
  try {
    return fn(err, ...args) === true
  } catch {
    return fallback
  }
}

/**
 * Captures err once (a second path seeing the same error object sends nothing) with the
 * framework and route tags, in the scope httpIntegration gave req (else the current one).
 */
export function reportRequestError (given: IntegrationClient | null | undefined, err: unknown, req: unknown, framework: string, route: string | null): void {
  const client = activeClient(given)
  if (client === null || client.hasSeen(err)) return
  const scope = scopeOfRequest(req) ?? getIsolationScope()
  const tags: Record<string, string> = route === null ? { framework } : { framework, route }
  runWithIsolationScope(() => client.captureException(err, { tags, mechanism: { type: framework, handled: false } }), scope)
}
