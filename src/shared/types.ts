// Public data shapes. Field names inside events are snake_case, as on the wire.

export type Level = 'fatal' | 'error' | 'warning' | 'info' | 'debug'

export const Level = {
  FATAL: 'fatal',
  ERROR: 'error',
  WARNING: 'warning',
  INFO: 'info',
  DEBUG: 'debug'
} as const

export const LEVELS: readonly Level[] = ['fatal', 'error', 'warning', 'info', 'debug']

export interface User {
  id?: string | number | undefined
  username?: string | undefined
  email?: string | undefined
  /** Sent only with sendDefaultPii: true. */
  ip_address?: string | null | undefined
  ipAddress?: string | null | undefined
  [key: string]: unknown
}

export interface Breadcrumb {
  message?: string | undefined
  category?: string | undefined
  level?: Level | undefined
  /** default, http, navigation, ui, console, error, query, user */
  type?: string | undefined
  data?: Record<string, unknown> | undefined
  /** ms since epoch, Date or ISO string; set to now when absent */
  timestamp?: number | Date | string | undefined
}

/** What an integration records about the request being served. */
export interface RequestInfo {
  url?: string | undefined
  method?: string | undefined
  headers?: Record<string, string | string[] | undefined> | undefined
  query_string?: string | null | undefined
  data?: unknown
  env?: Record<string, string> | undefined
  /** Sent only with sendDefaultPii: true. */
  cookies?: Record<string, string> | string | undefined
}

export interface CaptureOptions {
  level?: Level | undefined
  message?: string | undefined
  tags?: Record<string, unknown> | undefined
  extra?: Record<string, unknown> | undefined
  user?: User | undefined
  fingerprint?: string[] | undefined
  /** How the error was caught (integrations set it): sent as contexts.mechanism. */
  mechanism?: { type: string, handled: boolean } | undefined
  /** Any other key is treated as extra context, like the Python SDK's **extra_context. */
  [key: string]: unknown
}

export interface WireFrame {
  filename: string | null
  function: string | null
  lineno: number | null
  colno: number | null
  abs_path: string | null
  context_line?: string | null
  pre_context?: string[]
  post_context?: string[]
  in_app: boolean
}

export interface WireException {
  type: string
  value: string
  module: string | null
  stacktrace: { frames: WireFrame[] } | null
  /** Present on events handed to beforeSend: the raw V8 stack, before the worker parses it. */
  stack?: string | null
}

export interface WireBreadcrumb {
  timestamp: string
  message: string | null
  category: string | null
  level: string | null
  data: Record<string, unknown> | null
  type: string | null
}

/** contexts.trace: the OpenTelemetry span active where the event was captured (docs/wire-protocol.md). */
export interface TraceContext {
  /** 32 lower-case hex digits. */
  trace_id: string
  /** 16 lower-case hex digits. */
  span_id: string
  /** The W3C trace flags byte as a number (1: sampled), as OpenTelemetry's SpanContext gives it. */
  trace_flags: number
  /** The parent span's id, when the span has a parent and exposes it. */
  parent_span_id?: string
}

export interface WireEvent {
  event_id: string
  timestamp: string
  level: Level
  message: string
  platform: 'javascript'
  sdk: { name: string, version: string }
  contexts: {
    user: Record<string, unknown> | null
    request: Record<string, unknown> | null
    tags: Record<string, string>
    extra: Record<string, unknown>
    server_name: string | null
    release: string | null
    environment: string
    /** Present when an OpenTelemetry span was active at capture. */
    trace?: TraceContext
    [key: string]: unknown
  }
  exception?: { values: WireException[] }
  breadcrumbs: WireBreadcrumb[]
  fingerprint: string[]
  modules: Record<string, string>
}

/** Counts since init; captured = delivered + spooled + every dropped reason + pending, in every snapshot. pending: not settled yet. */
export interface Stats {
  captured: number
  delivered: number
  /** Written to the disk spool, to be sent later by this process or the next. */
  spooled: number
  pending: number
  dropped: {
    sampled: number
    before_send: number
    queue_full: number
    rate_limited: number
    network_error: number
    rejected: number
    too_large: number
    disabled: number
    internal_error: number
    worker_crashed: number
    spool_full: number
    /** No delivery worker could be started in this process (see the one stderr line that says why). */
    worker_unavailable: number
    /** The spool could not take the events: its directory is unsafe or unusable, the disk is full, a write failed (one stderr line says which). */
    spool_error: number
    /** close() or the exit's shutdownTimeout ended before the event could be sent or spooled. */
    shutdown_timeout: number
    /** Folded into another event by an integration (a GraphQL operation's errors with one fingerprint are one event with a count), or over its cap of events. */
    grouped: number
  }
  /** Files sent from the spool by this process (written by it or an earlier one). */
  spool: { delivered: number, rejected: number, corrupt: number, expired: number }
}
