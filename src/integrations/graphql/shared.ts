import type { ErrorTracker } from '../../capture/client'
import type { Scope } from '../../capture/scope'
import { getIsolationScope, runWithIsolationScope } from '../../capture/hub'
import { describeThrown } from '../../capture/normalize'
import { sayOnce } from '../../capture/say-once'
import { ConfigurationError } from '../../errors'
import { activeClient } from '../active-client'
import { scopeOfRequest } from '../request-scope'

// What the Apollo plugin and the envelop/Yoga plugin share: which GraphQL errors are
// unexpected, what an event says about the operation, and where it is sent. GraphQL
// servers catch resolver errors and answer with them in `errors`, so no HTTP-level hook
// ever sees them: these plugins are the only place they can be reported. Duck-typed: the
// SDK never loads graphql (the app's copy may be any version, or two copies at once).

export interface GraphQLPluginOptions {
  /** The client to report to; by default the latest open client (init()'s). */
  client?: ErrorTracker | null
  /**
   * Decides whether an error is reported, instead of the default rule. Given the error as
   * the server holds it (a GraphQLError for resolver errors, the thrown value for context
   * and processing failures) and what the default rule decided.
   */
  shouldHandleError?: (error: unknown, reportedByDefault: boolean) => boolean
}

/** What an event says about the operation an error happened in. */
export interface OperationInfo {
  name: string | null
  /** query, mutation or subscription; null when the document was never resolved. */
  type: string | null
}

/** A GraphQLError as both plugins read it (graphql 16 and 17). */
export interface GraphQLErrorLike {
  message?: unknown
  path?: ReadonlyArray<string | number>
  originalError?: unknown
  extensions?: Record<string, unknown>
}

export const MECHANISM = { type: 'graphql', handled: false } as const

export function checkOptions (options: unknown, factory: string): GraphQLPluginOptions {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw new ConfigurationError(`${factory}(options): options must be an object such as { shouldHandleError }, got ${typeof options}.`)
  const o = options as GraphQLPluginOptions
  if (o.shouldHandleError !== undefined && typeof o.shouldHandleError !== 'function') {
    throw new ConfigurationError(`${factory}({ shouldHandleError }) must be a function (error, reportedByDefault) => boolean, got ${typeof o.shouldHandleError}.`)
  }
  return o
}

/** A GraphQLError or a subclass of one (Apollo's renames itself, the tag stays), from any copy of graphql. */
export function isGraphQLError (v: unknown): v is GraphQLErrorLike {
  if (v === null || typeof v !== 'object') return false
  try {
    return (v as { name?: unknown }).name === 'GraphQLError' || Object.prototype.toString.call(v) === '[object GraphQLError]'
  } catch {
    return false
  }
}

/**
 * True for an error someone raised on purpose: a GraphQLError whose originalError chain
 * ends in GraphQLErrors only (Yoga's and envelop's isOriginalGraphQLError: exactly the
 * errors Yoga does not mask). A resolver that throws a GraphQLError gets it wrapped by
 * graphql-js with the thrown one as originalError, so the chain is followed.
 */
export function isDeliberate (v: unknown): boolean {
  let cur = v
  for (let i = 0; i < 16 && isGraphQLError(cur); i++) {
    const e: GraphQLErrorLike = cur
    const inner = readOr(() => e.originalError, undefined)
    if (inner === undefined || inner === null) return true
    cur = inner
  }
  return false
}

/** The error to report for a GraphQLError: the first value down its originalError chain that is not a GraphQLError (the resolver's own). */
export function rootCause (v: unknown): unknown {
  let cur = v
  for (let i = 0; i < 16 && isGraphQLError(cur); i++) {
    const e: GraphQLErrorLike = cur
    const inner = readOr(() => e.originalError, undefined)
    if (inner === undefined || inner === null) return cur
    cur = inner
  }
  return cur
}

/** extensions.code of a GraphQLError, or null. */
export function codeOf (e: unknown): string | null {
  const code = readOr(() => (e as GraphQLErrorLike).extensions?.code, undefined)
  return typeof code === 'string' ? code : null
}

/** The operation a request runs: the OperationDefinition named operationName, or the only one. */
export function operationOf (document: unknown, operationName: unknown): OperationInfo {
  const defs = readOr(() => (document as { definitions?: unknown }).definitions, undefined)
  if (!Array.isArray(defs)) return { name: typeof operationName === 'string' ? operationName : null, type: null }
  let found: { operation?: unknown, name?: { value?: unknown } } | null = null
  let count = 0
  for (const d of defs) {
    if (d === null || typeof d !== 'object' || d.kind !== 'OperationDefinition') continue
    count++
    if (typeof operationName === 'string' && operationName !== '') {
      if (d.name?.value === operationName) found = d
    } else if (count === 1) {
      found = d
    }
  }
  if (found === null || (count > 1 && (typeof operationName !== 'string' || operationName === ''))) {
    return { name: typeof operationName === 'string' ? operationName : null, type: null }
  }
  return operationInfo(found)
}

/** name and type of an OperationDefinitionNode (Apollo hands one over as requestContext.operation). */
export function operationInfo (op: unknown): OperationInfo {
  const name = readOr(() => (op as { name?: { value?: unknown } }).name?.value, undefined)
  const type = readOr(() => (op as { operation?: unknown }).operation, undefined)
  return { name: typeof name === 'string' ? name : null, type: typeof type === 'string' ? type : null }
}

/** The first field of an operation's selection set (a subscription's one root field), for events without a path. */
export function rootFieldOf (document: unknown, operationName: unknown): string | null {
  const defs = readOr(() => (document as { definitions?: unknown }).definitions, undefined)
  if (!Array.isArray(defs)) return null
  for (const d of defs) {
    if (d === null || typeof d !== 'object' || d.kind !== 'OperationDefinition') continue
    if (typeof operationName === 'string' && operationName !== '' && d.name?.value !== operationName) continue
    const sel = d.selectionSet?.selections?.[0]
    const v = sel?.kind === 'Field' ? sel.name?.value : undefined
    return typeof v === 'string' ? v : null
  }
  return null
}

/** The resolver path with list indices as `*`, so one failing field is one issue whatever the item: users.*.email. */
export function normalizedPath (path: ReadonlyArray<string | number> | null | undefined): string | null {
  if (!Array.isArray(path) || path.length === 0) return null
  return path.map((p) => typeof p === 'number' ? '*' : String(p)).join('.')
}

/** The scope of the request being served: the one httpIntegration kept on the request object the server's context holds, else the current isolation scope. */
export function requestScopeFrom (context: unknown): Scope {
  if (context !== null && typeof context === 'object') {
    const c = context as Record<string, unknown>
    const s = scopeOfRequest(readOr(() => c.req, null)) ??
      scopeOfRequest(readOr(() => c.request, null)) ??
      scopeOfRequest(readOr(() => (c.res as { req?: unknown } | null)?.req, null))
    if (s !== null) return s
  }
  return getIsolationScope()
}

/** Applies the user's shouldHandleError if any; a throwing one leaves the default (said once). */
export function decide (options: GraphQLPluginOptions, error: unknown, byDefault: boolean): boolean {
  const fn = options.shouldHandleError
  if (typeof fn !== 'function') return byDefault
  try {
    return fn(error, byDefault) === true
  } catch (err) {
    sayOnce('graphql-should-handle-error', `shouldHandleError threw (${describeThrown(err)}); the default rule decides for such errors.`)
    return byDefault
  }
}

export interface ReportDetails {
  operation: OperationInfo | null
  /** The resolver path as the error gives it (indices included). */
  path?: ReadonlyArray<string | number> | null
  /** Where the error happened when there is no resolver path (context, processing, subscription source). */
  stage?: string
}

/** One event for error in the given request scope: operation tags, contexts.graphql, a fingerprint by type and field. */
export function report (options: GraphQLPluginOptions, scope: Scope, error: unknown, d: ReportDetails): void {
  const client = activeClient(options.client)
  if (client === null || client.hasSeen(error)) return
  const tags: Record<string, string> = {}
  const graphql: Record<string, unknown> = {}
  const op = d.operation
  if (op?.name != null) { tags['graphql.operation'] = op.name; graphql.operation_name = op.name }
  if (op?.type != null) { tags['graphql.operation_type'] = op.type; graphql.operation_type = op.type }
  const path = Array.isArray(d.path) ? [...d.path] : null
  if (path !== null) graphql.path = path
  if (d.stage !== undefined) graphql.stage = d.stage
  const field = normalizedPath(path)
  const opts: Record<string, unknown> = { tags, contexts: { graphql }, mechanism: MECHANISM }
  // Grouped by what failed where: the same field failing for any item, in any request, is one issue.
  if (field !== null) opts.fingerprint = [typeName(error), 'graphql', field]
  try {
    runWithIsolationScope(() => client.captureException(error, opts), scope)
  } catch {}
}

function typeName (e: unknown): string {
  const name = readOr(() => (e as { name?: unknown }).name, undefined)
  if (typeof name === 'string' && name !== '') return name
  const ctor = readOr(() => (e as { constructor?: { name?: unknown } }).constructor?.name, undefined)
  return typeof ctor === 'string' && ctor !== '' ? ctor : typeof e
}

function readOr<T> (fn: () => T, fallback: T): T {
  try { return fn() } catch { return fallback }
}
