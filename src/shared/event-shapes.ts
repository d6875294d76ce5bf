import type { Level } from './types'

// The shapes an event is made of between capture and the worker: what a scope contributes,
// a stored breadcrumb, an exception as read from a thrown value. The capture side builds them,
// src/event assembles them and the workers decode them; all three import them from here, so
// neither side imports the other (no capture <-> event cycle, no capture code in the workers).

/** A breadcrumb as stored: wire field names, timestamp in ms. */
export interface StoredCrumb {
  timestamp: number
  message: string | null
  category: string | null
  level: string | null
  data: Record<string, unknown> | null
  type: string | null
}

/** What one scope contributes to an event, packed in the worker's expected shape. */
export interface ScopeData {
  user: Record<string, unknown> | null
  tags: Record<string, string>
  extra: Record<string, unknown>
  contexts: Record<string, unknown>
  request: Record<string, unknown> | null
  level: Level | null
  fingerprint: string[] | null
}

export interface RawException {
  type: string
  value: string
  /** Frames part of the stack; null when it went to the blob area instead (see sref). */
  stack: string | null
  /** [blob id, offset, length] of the stack in the blob area, set by the record builder. */
  sref?: number[]
}

/**
 * The OpenTelemetry span active at capture: trace id (32 lower-case hex digits), span id
 * (16), trace flags (the W3C byte: bit 0 is "sampled") and the parent's span id when the
 * span exposes one. Positional, as the event part carries it; the event has it as contexts.trace.
 */
export type TraceIds = [traceId: string, spanId: string, traceFlags: number, parentSpanId: string | null]
