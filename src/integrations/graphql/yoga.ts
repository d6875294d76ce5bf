import {
  checkOptions, isDeliberate, OperationErrors, operationOf, pathOf, report, reportErrors, requestScopeFrom, rootCause, rootFieldOf, shouldReportGraphQLError,
  type Candidate, type GraphQLPluginOptions, type OperationInfo
} from './shared'
import type { Scope } from '../../capture/scope'

// envelop plugin for GraphQL Yoga 5 and any envelop setup. Yoga masks exactly the errors
// whose originalError chain does not end in a GraphQLError ("Unexpected error." to the
// client): those are the ones reported here. User plugins run before Yoga's masking
// plugin, so onExecuteDone / onNext / onSubscribeError see the errors unmasked.

/** The parts of envelop's execute/subscribe args read here (structural: the SDK imports no envelop). */
interface ExecutionArgsLike {
  document?: unknown
  operationName?: string | null
  contextValue?: unknown
}

interface ResultLike {
  errors?: readonly unknown[]
  incremental?: ReadonlyArray<{ errors?: readonly unknown[] }>
  completed?: ReadonlyArray<{ errors?: readonly unknown[] }>
}

interface ResultHookPayload { result: unknown }
type ResultHook = (payload: ResultHookPayload) => void | { onNext (payload: ResultHookPayload): void }

/** An envelop plugin; the object is what `plugins: [useXrayRadar()]` takes. */
export interface XrayRadarEnvelopPlugin {
  onPluginInit (arg: { registerContextErrorHandler?: (handler: (arg: { error: unknown, context?: unknown }) => void) => void }): void
  onExecute (arg: { args: ExecutionArgsLike }): { onExecuteDone: ResultHook }
  onSubscribe (arg: { args: ExecutionArgsLike }): { onSubscribeResult: ResultHook, onSubscribeError (arg: { error: unknown }): void }
}

/**
 * Reports the errors Yoga masks (resolver errors that are not GraphQLErrors raised on
 * purpose) for queries, mutations and subscriptions, plus context-factory failures, one
 * event per failure (an operation's errors with one fingerprint are one event with their
 * count) with the request's scope. shouldHandleError overrides the rule.
 */
export function useXrayRadar (options?: GraphQLPluginOptions): XrayRadarEnvelopPlugin {
  const o = checkOptions(options, 'useXrayRadar')

  /** One result or payload: its errors, grouped (see reportErrors) within `sent`, the operation's. */
  const checkResult = (scope: Scope, info: OperationInfo, result: unknown, sent: OperationErrors): void => {
    if (result === null || typeof result !== 'object') return
    const r = result as ResultLike
    const candidates: Candidate[] = []
    collect(candidates, r.errors)
    // Incremental delivery (@defer/@stream) payloads carry their errors per part.
    if (Array.isArray(r.incremental)) for (const part of r.incremental) collect(candidates, part?.errors)
    if (Array.isArray(r.completed)) for (const part of r.completed) collect(candidates, part?.errors)
    reportErrors(o, scope, info, candidates, sent)
  }
  const collect = (candidates: Candidate[], errors: readonly unknown[] | undefined): void => {
    if (!Array.isArray(errors)) return
    for (const err of errors) {
      if (!shouldReportGraphQLError(o, err, !isDeliberate(err))) continue
      candidates.push({ error: rootCause(err), path: pathOf(err) })
    }
  }
  /**
   * onExecuteDone / onSubscribeResult: a single result, or a stream whose every payload is
   * checked. An execution's incremental payloads are one operation; each event of a
   * subscription is one of its own (perOperation false).
   */
  const resultHook = (scope: Scope, info: OperationInfo, perOperation: boolean): ResultHook => ({ result }) => {
    const sent = new OperationErrors()
    if (isAsyncIterable(result)) return { onNext: ({ result: next }) => checkResult(scope, info, next, perOperation ? sent : new OperationErrors()) }
    checkResult(scope, info, result, sent)
  }

  return {
    onPluginInit ({ registerContextErrorHandler }) {
      // The context factory threw: Yoga masks it unless it is a deliberate GraphQLError (UNAUTHENTICATED).
      registerContextErrorHandler?.(({ error, context }) => {
        if (!shouldReportGraphQLError(o, error, !isDeliberate(error))) return
        report(o, requestScopeFrom(context), rootCause(error), { operation: null, stage: 'context' })
      })
    },
    onExecute ({ args }) {
      // Read now, in the request's async context; the request object in the context (Yoga's
      // server context holds node's req) is authoritative when httpIntegration marked it.
      const scope = requestScopeFrom(args?.contextValue)
      return { onExecuteDone: resultHook(scope, operationOf(args?.document, args?.operationName), true) }
    },
    onSubscribe ({ args }) {
      const scope = requestScopeFrom(args?.contextValue)
      const info = operationOf(args?.document, args?.operationName)
      return {
        onSubscribeResult: resultHook(scope, info, false),
        // The subscription's source stream threw after it started (envelop calls this for
        // errors raised by the async iterator): no resolver path, the root field instead.
        onSubscribeError ({ error }) {
          if (!shouldReportGraphQLError(o, error, !isDeliberate(error))) return
          const field = rootFieldOf(args?.document, args?.operationName)
          report(o, scope, rootCause(error), { operation: info, path: field !== null ? [field] : null, stage: 'subscription' })
        }
      }
    }
  }
}

function isAsyncIterable (v: unknown): v is AsyncIterable<unknown> {
  if (v === null || typeof v !== 'object') return false
  try { return typeof (v as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function' } catch { return false }
}
