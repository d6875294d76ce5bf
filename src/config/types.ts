import type { ParsedDsn } from './dsn'
import type { Breadcrumb, WireEvent } from '../shared/types'
import type { Transport } from '../transports/transport'
import type { IntegrationsOption } from '../shared/integration'

// The options as the application gives them (public: src/index.ts exports them) and as
// resolveOptions() hands them to the rest of the SDK.

/** What beforeSend sees: the wire event before the worker parsed frames; see docs/configuration.md. */
export type BeforeSend = (event: WireEvent) => WireEvent | null | undefined
export type BeforeBreadcrumb = (crumb: Breadcrumb) => Breadcrumb | null | undefined

export interface Options {
  dsn?: string | undefined
  authToken?: string | undefined
  debug?: boolean | undefined
  environment?: string | undefined
  release?: string | undefined
  serverName?: string | undefined
  sampleRate?: number | undefined
  maxBreadcrumbs?: number | undefined
  beforeSend?: BeforeSend | undefined
  beforeBreadcrumb?: BeforeBreadcrumb | undefined
  sendDefaultPii?: boolean | undefined
  /** More secret-like keys: values under a key containing one (case and separators ignored) become "[Filtered]". See docs/privacy.md. */
  denyKeys?: string[] | undefined
  /** Seconds for one HTTP attempt (as in the Python SDK and the config file). */
  timeout?: number | undefined
  verifySsl?: boolean | undefined
  /** Bytes; an event is truncated to fit, or dropped as too_large. */
  maxPayloadSize?: number | undefined
  transport?: Transport | undefined
  /** Bytes of the record ring between capture and the workers (plus a quarter for the blob area). */
  ringSize?: number | undefined
  /** Events accepted and not yet settled, at most; more are dropped as queue_full. */
  maxQueuedEvents?: number | undefined
  workers?: number | undefined
  /** Concurrent HTTP requests, over all workers. */
  maxInFlight?: number | undefined
  /** Events sent per second, over all workers; 0 for no cap. */
  maxEventsPerSecond?: number | undefined
  /** Attempts per event for 5xx and network errors (the first included). */
  maxAttempts?: number | undefined
  /** ms the process may wait at exit for events still in flight. */
  shutdownTimeout?: number | undefined
  /** Capture uncaught exceptions (level fatal, handled: false) without changing Node's behaviour. Default true. */
  captureUnhandled?: boolean | undefined
  /** Unhandled rejections: 'crash' keeps Node's default (capture, print, exit 1), 'warn' captures and keeps running, 'none' ignores them. */
  unhandledRejections?: 'crash' | 'warn' | 'none' | undefined
  /** Drain on these signals, then let the signal end the process as it would have. true: SIGTERM and SIGINT. Default off. */
  handleSignals?: boolean | NodeJS.Signals[] | undefined
  /** Keep events that cannot be delivered in time on disk and send them later. Default true. */
  spool?: boolean | undefined
  /** Default: ~/.cache/xrayradar/spool/<hash of the DSN's host and project> (see docs/configuration.md). */
  spoolDir?: string | undefined
  /** Bytes on disk at most; beyond, events are dropped as spool_full. Default 64 MiB. */
  spoolMaxBytes?: number | undefined
  /** ms a spooled event is kept; older ones are deleted unsent (spool.expired). Default 24 h. */
  spoolMaxAge?: number | undefined
  /** Integrations to set up besides the defaults (a name listed again replaces the default), or a function given the defaults that returns the list. See docs/integrations.md. */
  integrations?: IntegrationsOption | undefined
  /** Set up the default integrations (incoming and outgoing HTTP, console breadcrumbs). Default true. */
  defaultIntegrations?: boolean | undefined
  /** Map frames of compiled code (TypeScript, bundles) to their sources with their source maps, in the workers. Default true. See docs/source-maps.md. */
  sourceMaps?: boolean | undefined
}

/** The options that hold a value of type T (a numeric or boolean one has its default in src/config/defaults.ts). */
type KeyOf<T> = { [K in keyof Options]-?: NonNullable<Options[K]> extends T ? K : never }[keyof Options]
export type NumericKey = KeyOf<number>
export type BooleanKey = KeyOf<boolean>
export type StringKey = KeyOf<string>

/** Where an empty DSN came from (it disables the client, as no DSN does); `hides`: the option hid a set XRAYRADAR_DSN. */
export interface EmptyDsn {
  source: 'the dsn option' | 'XRAYRADAR_DSN'
  hides: boolean
}

export interface ResolvedOptions {
  dsn: ParsedDsn | null
  /** Set when dsn is null because a source held an empty (or whitespace-only) DSN. */
  emptyDsn: EmptyDsn | null
  authToken: string | null
  debug: boolean
  environment: string
  release: string | null
  serverName: string
  sampleRate: number
  maxBreadcrumbs: number
  beforeSend: BeforeSend | null
  beforeBreadcrumb: BeforeBreadcrumb | null
  sendDefaultPii: boolean
  denyKeys: string[]
  timeoutMs: number
  verifySsl: boolean
  maxPayloadSize: number
  transport: Transport | null
  ringSize: number
  maxQueuedEvents: number
  workers: number
  maxInFlight: number
  maxEventsPerSecond: number
  maxAttempts: number
  shutdownTimeout: number
  captureUnhandled: boolean
  unhandledRejections: 'crash' | 'warn' | 'none'
  handleSignals: NodeJS.Signals[]
  spoolDir: string | null
  spoolMaxBytes: number
  spoolMaxAge: number
  integrations: IntegrationsOption | null
  defaultIntegrations: boolean
  sourceMaps: boolean
}

/** Every key of Options, in the order error messages and docs list them. */
export const OPTION_KEYS = [
  'dsn', 'authToken', 'debug', 'environment', 'release', 'serverName', 'sampleRate', 'maxBreadcrumbs',
  'beforeSend', 'beforeBreadcrumb', 'sendDefaultPii', 'denyKeys', 'timeout', 'verifySsl', 'maxPayloadSize', 'transport',
  'ringSize', 'maxQueuedEvents', 'workers', 'maxInFlight', 'maxEventsPerSecond', 'maxAttempts', 'shutdownTimeout',
  'captureUnhandled', 'unhandledRejections', 'handleSignals', 'spool', 'spoolDir', 'spoolMaxBytes', 'spoolMaxAge',
  'integrations', 'defaultIntegrations', 'sourceMaps'
] as const satisfies ReadonlyArray<keyof Options>

/** Compiles only when Missing is empty; else tsc names what is missing. */
export type NoneMissing<Missing extends never> = Missing

// A key added to Options but not to OPTION_KEYS would be refused as unknown: tsc names it here instead.
type UnlistedOptionKeys = NoneMissing<Exclude<keyof Options, typeof OPTION_KEYS[number]>>
