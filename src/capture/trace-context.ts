import type { TraceIds } from '../shared/event-shapes'

// The active OpenTelemetry span's ids, read where the capture is made (the active
// context exists only on the capture's own thread and async path), without importing
// @opentelemetry/api: the application's copy of the API registers its globals on
// globalThis under this symbol (one per API major version), whichever module loaded
// first and whether or not it was registered before init().
//
// What is read, as @opentelemetry/api 1.x does for trace.getSpan(context.active()):
//   globalThis[Symbol.for('opentelemetry.js.api.1')] = { version, trace, context, propagation }
//   .context: the registered ContextManager; .active() gives the active Context
//   Context#getValue(Symbol.for('OpenTelemetry Context Key SPAN')): the active Span
//   Span#spanContext(): { traceId, spanId, traceFlags }
// The global is read on every capture (one property read when nothing is there), never
// cached: the application may register its tracer provider after init(), or swap it.
const OTEL_API = Symbol.for('opentelemetry.js.api.1')
// The API's createContextKey() is Symbol.for(description), so every copy of the API shares it.
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN')

// Hex digits in an id, as the API's isValidTraceId / isValidSpanId count them.
const TRACE_ID_DIGITS = 32
const SPAN_ID_DIGITS = 16

interface OtelGlobal { context?: { active?: () => unknown } }

/** The active span's ids, or null: no OpenTelemetry API registered, no span active, or no valid span context. */
export function activeTraceIds (): TraceIds | null {
  const api = (globalThis as Record<symbol, unknown>)[OTEL_API]
  if (api === undefined || api === null) return null
  return readActiveSpan(api as OtelGlobal)
}

function readActiveSpan (api: OtelGlobal): TraceIds | null {
  // Any of these objects may be someone's own implementation: a throwing getter or an
  // odd shape costs the event its trace context, never the event.
  try {
    const manager = api.context
    if (manager === undefined || manager === null || typeof manager.active !== 'function') return null
    const ctx = manager.active() as { getValue?: (key: symbol) => unknown } | null | undefined
    if (ctx === undefined || ctx === null || typeof ctx.getValue !== 'function') return null
    const span = ctx.getValue(SPAN_KEY) as SpanLike | null | undefined
    if (span === undefined || span === null || typeof span.spanContext !== 'function') return null
    const sc = span.spanContext()
    if (sc === null || typeof sc !== 'object') return null
    const traceId = hexId(sc.traceId, TRACE_ID_DIGITS)
    const spanId = hexId(sc.spanId, SPAN_ID_DIGITS)
    const flags = sc.traceFlags
    // A span context the API itself would call invalid (a non-recording placeholder
    // span carries all-zero ids) is no trace to join.
    if (traceId === null || spanId === null || typeof flags !== 'number' || !(flags >= 0 && flags <= 0xff) || flags % 1 !== 0) return null
    return [traceId, spanId, flags, parentSpanId(span)]
  } catch {
    return null
  }
}

interface SpanLike {
  spanContext: () => { traceId?: unknown, spanId?: unknown, traceFlags?: unknown } | null
  /** sdk-trace-base 2.x. */
  parentSpanContext?: { spanId?: unknown } | null
  /** sdk-trace-base 1.x. */
  parentSpanId?: unknown
}

/** The parent's span id where the span exposes one (SDK spans do; the API's Span interface does not). */
function parentSpanId (span: SpanLike): string | null {
  const parent = span.parentSpanContext
  if (parent !== undefined && parent !== null) return hexId(parent.spanId, SPAN_ID_DIGITS)
  return hexId(span.parentSpanId, SPAN_ID_DIGITS)
}

/**
 * The id in lower case as OpenTelemetry prints it, or null when the API would call it invalid
 * (not `digits` hex digits, or all zeros). One pass over the characters: a regular expression
 * test and toLowerCase() took ~0.1 µs an id.
 */
function hexId (v: unknown, digits: number): string | null {
  if (typeof v !== 'string' || v.length !== digits) return null
  let nonZero = false
  let upper = false
  for (let i = 0; i < digits; i++) {
    const c = v.charCodeAt(i)
    if (c >= 0x30 && c <= 0x39) { if (c !== 0x30) nonZero = true } else if (c >= 0x61 && c <= 0x66) nonZero = true
    else if (c >= 0x41 && c <= 0x46) { nonZero = true; upper = true } else return null
  }
  if (!nonZero) return null
  return upper ? v.toLowerCase() : v
}
