import type { Scope } from '../../capture/scope'
import { getIsolationScope, runWithIsolationScope } from '../../capture/hub'
import { describeThrown, truncateString } from '../../capture/normalize'
import { MAX_GRAPHQL_ERROR_EVENTS, MAX_GRAPHQL_ERROR_PATHS, MAX_SHORT_STRING } from '../../shared/limits'
import { sayOnce } from '../../capture/say-once'
import { ConfigurationError } from '../../shared/errors'
import { activeClient } from '../active-client'
import type { IntegrationClient } from '../../shared/integration'
import { scopeOfRequest } from '../request-scope'

// What the Apollo plugin and the envelop/Yoga plugin share: which GraphQL errors are
// unexpected, what an event says about the operation, and where it is sent. GraphQL
// servers catch resolver errors and answer with them in `errors`, so no HTTP-level hook
// ever sees them: these plugins are the only place they can be reported. Duck-typed: the
// SDK never loads graphql (the app's copy may be any version, or two copies at once).

export interface GraphQLPluginOptions {
  /** The client to report to; by default the latest open client (init()'s). */
  client?: IntegrationClient | null
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

/** A GraphQLError's resolver path, or null (none, or unreadable). */
export function pathOf (err: unknown): ReadonlyArray<string | number> | null {
  const path = readOr(() => (err as { path?: unknown } | null)?.path, undefined)
  return Array.isArray(path) ? path : null
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
export function shouldReportGraphQLError (options: GraphQLPluginOptions, error: unknown, byDefault: boolean): boolean {
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

/** One event for error in the given request scope (context, processing and subscription-source failures: one per request). */
export function report (options: GraphQLPluginOptions, scope: Scope, error: unknown, d: ReportDetails): void {
  const client = activeClient(options.client)
  if (client === null || client.hasSeen(error)) return
  capture(client, scope, error, d, fingerprintOf(error, d.path ?? null), null)
}

/** A GraphQL error a plugin decided to report: the error to send (the resolver's own) and its resolver path. */
export interface Candidate {
  error: unknown
  path: ReadonlyArray<string | number> | null
}

/**
 * The failures one operation (one subscription event) already sent an event for, by grouping
 * key: created when the operation starts, shared by its incremental payloads.
 */
export class OperationErrors {
  readonly sent = new Set<string>()
}

/**
 * The errors of one response (or one payload of it), reported as one event per failure: the
 * errors with one fingerprint, the event type and resolver field with list indices as `*`
 * (users.*.email), are one event carrying their count (extra.graphql_error_count) and their
 * first MAX_GRAPHQL_ERROR_PATHS paths; the others are counted in stats() (dropped.grouped).
 * The fingerprint is the one the event carries, set here, so one key is exactly one issue.
 * Errors without a path (no fingerprint set here: the worker's comes from the stack) are
 * grouped by type, message and top stack line. A failure the operation already sent an event
 * for (an earlier @defer/@stream payload), or past MAX_GRAPHQL_ERROR_EVENTS events in the
 * operation, is only counted. Without this, a query over a list of 2,000 items that each fail
 * one field would send 2,000 events: the client would choose the event count.
 */
export function reportErrors (options: GraphQLPluginOptions, scope: Scope, operation: OperationInfo | null, candidates: readonly Candidate[], op: OperationErrors): void {
  if (candidates.length === 0) return
  const client = activeClient(options.client)
  if (client === null) return
  const groups = new Map<string, { fingerprint: string[] | null, members: Candidate[] }>()
  for (const c of candidates) {
    if (client.hasSeen(c.error)) continue
    const fingerprint = fingerprintOf(c.error, c.path)
    const key = fingerprint !== null ? `fingerprint\u0000${fingerprint.join('\u0000')}` : pathlessKey(c.error)
    const g = groups.get(key)
    if (g === undefined) groups.set(key, { fingerprint, members: [c] })
    else g.members.push(c)
  }
  for (const [key, { fingerprint, members }] of groups) {
    if (op.sent.has(key) || op.sent.size >= MAX_GRAPHQL_ERROR_EVENTS) {
      try { client.countGrouped(members.map((m) => m.error)) } catch {}
      continue
    }
    op.sent.add(key)
    const first = members[0] as Candidate
    let extra: Record<string, unknown> | null = null
    if (members.length > 1) {
      const paths: string[] = []
      for (const m of members) {
        if (paths.length === MAX_GRAPHQL_ERROR_PATHS) break
        if (Array.isArray(m.path)) paths.push(m.path.join('.'))
      }
      extra = { graphql_error_count: members.length, graphql_error_paths: paths }
    }
    const id = capture(client, scope, first.error, { operation, path: first.path }, fingerprint, extra)
    if (members.length > 1) {
      try { client.countGrouped(members.slice(1).map((m) => m.error), id) } catch {}
    }
  }
}

function capture (client: IntegrationClient, scope: Scope, error: unknown, d: ReportDetails, fingerprint: string[] | null, extra: Record<string, unknown> | null): string | undefined {
  const tags: Record<string, string> = {}
  const graphql: Record<string, unknown> = {}
  const op = d.operation
  if (op?.name != null) { tags['graphql.operation'] = op.name; graphql.operation_name = op.name }
  if (op?.type != null) { tags['graphql.operation_type'] = op.type; graphql.operation_type = op.type }
  if (Array.isArray(d.path)) graphql.path = [...d.path]
  if (d.stage !== undefined) graphql.stage = d.stage
  const opts: Record<string, unknown> = { tags, contexts: { graphql }, mechanism: MECHANISM }
  // Grouped by what failed where: the same field failing for any item, in any request, is one issue.
  if (fingerprint !== null) opts.fingerprint = fingerprint
  if (extra !== null) opts.extra = extra
  try {
    return runWithIsolationScope(() => client.captureException(error, opts), scope)
  } catch {
    return undefined
  }
}

/** [type, 'graphql', field] for an error with a resolver path (as the client stores it: parts cut to MAX_SHORT_STRING), else null. */
function fingerprintOf (error: unknown, path: ReadonlyArray<string | number> | null): string[] | null {
  const field = normalizedPath(path)
  return field === null ? null : [truncateString(typeName(error), MAX_SHORT_STRING), 'graphql', truncateString(field, MAX_SHORT_STRING)]
}

/** Errors with no path: type, message and the top line of the stack (the worker's default fingerprint starts from the top frame). */
function pathlessKey (error: unknown): string {
  const message = readOr(() => (error as { message?: unknown }).message, undefined)
  const stack = readOr(() => (error as { stack?: unknown }).stack, undefined)
  let top = ''
  if (typeof stack === 'string') {
    const at = stack.indexOf('\n    at ')
    if (at >= 0) { const end = stack.indexOf('\n', at + 1); top = stack.slice(at + 1, end < 0 ? undefined : end) }
  }
  return `stack\u0000${typeName(error)}\u0000${typeof message === 'string' ? message : describeThrown(error)}\u0000${top}`
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
