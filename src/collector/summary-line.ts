import type { WireEvent } from '../shared/types'

// The one line the collector prints for each stored event (its log option), and the trace
// token the demo prints too.

export function summaryLine (project: string, e: WireEvent): string {
  const values = e.exception?.values ?? []
  const frames = values.reduce((n, v) => n + (v.stacktrace?.frames.length ?? 0), 0)
  const chain = values.length > 1 ? ` (+${values.length - 1} cause${values.length > 2 ? 's' : ''})` : ''
  return `[collector] project ${project} · ${e.level} · ${e.message.slice(0, 100)}${chain} · ${frames} frames · ${e.breadcrumbs.length} breadcrumbs${traceToken(e)}`
}

/** " · trace=<first 8 hex digits>" when the event carries an OpenTelemetry trace id: enough to find the trace. */
export function traceToken (e: WireEvent): string {
  const id = (e.contexts.trace as { trace_id?: unknown } | null | undefined)?.trace_id
  return typeof id === 'string' && id !== '' ? ` · trace=${id.slice(0, 8)}` : ''
}
