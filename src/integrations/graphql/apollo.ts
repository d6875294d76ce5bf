import { getIsolationScope } from '../../capture/hub'
import {
  checkOptions, codeOf, isDeliberate, isGraphQLError, OperationErrors, operationInfo, pathOf, report, reportErrors, requestScopeFrom, rootCause, shouldReportGraphQLError,
  type Candidate, type GraphQLPluginOptions, type OperationInfo
} from './shared'

// Apollo Server 4 and 5 plugin (standalone, Express and every other integration: the
// plugin API is the same). Resolver errors arrive in didEncounterErrors (and, for
// @defer/@stream, didEncounterSubsequentErrors) as GraphQLErrors wrapping the thrown value
// in originalError; the server answers with them in `errors`, so nothing else sees them.

/** The parts of Apollo's GraphQLRequestContext read here (structural: the SDK imports no Apollo). */
interface RequestContextLike {
  contextValue?: unknown
  operation?: unknown
  operationName?: string | null
  request?: { operationName?: string | null }
  errors?: readonly unknown[]
}

/** Client errors Apollo raises itself with an operation resolved: bad variables; persisted-query misses come before one. */
const CLIENT_CODES = new Set(['BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'])

/** An Apollo Server plugin; the object is what `plugins: [apolloPlugin()]` takes (Apollo's types want promises). */
export interface XrayRadarApolloPlugin {
  requestDidStart (requestContext: RequestContextLike): Promise<{
    didEncounterErrors (requestContext: RequestContextLike): Promise<void>
    didEncounterSubsequentErrors (requestContext: RequestContextLike, errors: readonly unknown[]): Promise<void>
  }>
  contextCreationDidFail (arg: { error: unknown }): Promise<void>
  unexpectedErrorProcessingRequest (arg: { requestContext?: RequestContextLike, error: unknown }): Promise<void>
}

/**
 * Reports Apollo Server resolver errors that are not deliberate client errors, one event
 * per failure (an operation's errors with one fingerprint are one event with their count),
 * with the request's scope; and the failures of context creation and of request
 * processing. Not reported unless shouldHandleError says so: parse and validation errors
 * (no operation), BAD_USER_INPUT, persisted-query misses, and GraphQLErrors raised on purpose.
 */
export function apolloPlugin (options?: GraphQLPluginOptions): XrayRadarApolloPlugin {
  const o = checkOptions(options, 'apolloPlugin')
  return {
    async requestDidStart (start) {
      // Read now, while Apollo runs in the request's async context (httpIntegration's scope);
      // the request object in contextValue, when the app put it there, is authoritative.
      const scope = requestScopeFrom(start?.contextValue)
      // didEncounterErrors and each @defer/@stream payload's didEncounterSubsequentErrors: one operation.
      const sent = new OperationErrors()
      const handle = (rc: RequestContextLike, errors: readonly unknown[] | undefined): void => {
        if (!Array.isArray(errors)) return
        const op = rc?.operation
        const info: OperationInfo = op != null ? operationInfo(op) : { name: rc?.operationName ?? rc?.request?.operationName ?? null, type: null }
        const candidates: Candidate[] = []
        for (const err of errors) {
          const code = codeOf(err)
          // No operation: the document never parsed, validated or resolved (a client's mistake).
          const byDefault = op != null && !isDeliberate(err) && (code === null || !CLIENT_CODES.has(code))
          if (!shouldReportGraphQLError(o, err, byDefault)) continue
          candidates.push({ error: isGraphQLError(err) ? rootCause(err) : err, path: pathOf(err) })
        }
        reportErrors(o, scope, info, candidates, sent)
      }
      return {
        async didEncounterErrors (rc) { handle(rc, rc?.errors) },
        async didEncounterSubsequentErrors (rc, errors) { handle(rc, errors) }
      }
    },
    async contextCreationDidFail ({ error }) {
      // A GraphQLError thrown by the context function is an answer (UNAUTHENTICATED); anything else is a 500.
      if (!shouldReportGraphQLError(o, error, !isDeliberate(error))) return
      report(o, getIsolationScope(), isGraphQLError(error) ? rootCause(error) : error, { operation: null, stage: 'context' })
    },
    async unexpectedErrorProcessingRequest ({ requestContext, error }) {
      // Apollo answers "Internal server error" whatever was thrown: always unexpected.
      if (!shouldReportGraphQLError(o, error, true)) return
      const op = requestContext?.operation
      const info = op != null ? operationInfo(op) : { name: requestContext?.request?.operationName ?? null, type: null }
      report(o, requestScopeFrom(requestContext?.contextValue), error, { operation: info, stage: 'processing' })
    }
  }
}
