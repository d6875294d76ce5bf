import type { BooleanKey, NoneMissing, NumericKey } from './types'
import { MAX_PAYLOAD_BYTES } from '../shared/limits'

// Defaults and bounds of the options, each with why it has its value. docs/configuration.md
// shows the same defaults (test/config/docs-defaults.test.mjs compares them with this file).

export interface NumericOption {
  key: NumericKey
  default: number
  /** The smallest value accepted, or the numeric option whose resolved value is that minimum. */
  min: number | NumericKey
  max: number
  /** Whole numbers only. */
  integer: boolean
  /** Said after the range in the refusal ("from 1024 to 16777216 bytes"); null for counts and ratios. */
  unit: 'bytes' | 'seconds' | 'ms' | null
  /** Said after the range in parentheses, where the bare numbers do not say what a value does. */
  hint?: string
}

const KiB = 1024
const MiB = 1024 * KiB
const SECOND_MS = 1000
const HOUR_MS = 3600 * SECOND_MS
const DAY_MS = 24 * HOUR_MS

export const NUMERIC_OPTIONS = [
  // A probability. 1: every event is sent unless the application samples (the Python SDK's default).
  { key: 'sampleRate', default: 1, min: 0, max: 1, integer: false, unit: null, hint: '1.0 sends every event, 0.5 half of them' },
  // 100 is the Python SDK's default. 1000: every scope holds its own list and each event copies it; the
  // truncation of an event that is too large keeps the newest 100 anyway.
  { key: 'maxBreadcrumbs', default: 100, min: 0, max: 1000, integer: true, unit: null },
  // Seconds, as in the Python SDK's config files. 10 s waits out a slow ingest without holding a
  // connection long; 1 ms is the shortest timer Node arms; past 10 minutes a retry serves better.
  { key: 'timeout', default: 10, min: 0.001, max: 600, integer: false, unit: 'seconds' },
  // 100 KiB: the Python SDK's default max_payload_size. Below 1 KiB truncation would keep almost
  // nothing of an event. The maximum (16 MiB) is also the longest line the spool reads back.
  { key: 'maxPayloadSize', default: 100 * KiB, min: KiB, max: MAX_PAYLOAD_BYTES, integer: true, unit: 'bytes' },
  // 16 MiB holds ~85,000 records of ~200 bytes, more than maxQueuedEvents, so the count bound is met
  // first. 64 KiB still holds a few hundred records; past 1 GiB (1.25 GiB with the blob area) the ring
  // is more memory than an error tracker should take from its host.
  { key: 'ringSize', default: 16 * MiB, min: 64 * KiB, max: 1024 * MiB, integer: true, unit: 'bytes' },
  // 65,536 events absorb a burst (a 50,000-capture loop is delivered in full); 64 is the ring's own
  // floor of settle slots; 2^22 slots are 48 MiB of settle stamps (12 bytes each).
  { key: 'maxQueuedEvents', default: 65536, min: 64, max: 1 << 22, integer: true, unit: null },
  // One worker keeps up with delivery, which waits on the network; more help when enrichment (source
  // maps) is the cost. Each is a thread with its own heap: 16 is past what one process's errors need.
  { key: 'workers', default: 1, min: 1, max: 16, integer: true, unit: null },
  // Over all workers, each taking an equal share: at least one request per worker. 32 requests in
  // flight let a burst through an ingest that answers slowly; 1024 sockets to one ingest is a flood.
  { key: 'maxInFlight', default: 32, min: 'workers', max: 1024, integer: true, unit: null },
  // 0: no cap. 10,000 a second is far above a healthy service's error rate, yet caps what an error
  // loop sends; 10^7 is past what the workers can send.
  { key: 'maxEventsPerSecond', default: 10000, min: 0, max: 1e7, integer: true, unit: null },
  // The first attempt and three retries (back-off about 100, 200, 400 ms) ride out a brief hiccup of
  // the ingest; 20 attempts, at most 5 s apart, already keep one event retrying for about a minute.
  { key: 'maxAttempts', default: 4, min: 1, max: 20, integer: true, unit: null },
  // ms: an exit waits 2 s at most for events in flight, well inside the grace period a supervisor
  // gives (Kubernetes 30 s, systemd 90 s by default); 0 does not wait; 10 minutes is past both.
  { key: 'shutdownTimeout', default: 2000, min: 0, max: 10 * 60 * SECOND_MS, integer: true, unit: 'ms' },
  // 64 MiB is ~650 events of the default maxPayloadSize, many thousands of typical ones; 0 keeps
  // nothing (every spooled event is spool_full); 1 TiB is past any disk a spool should fill.
  { key: 'spoolMaxBytes', default: 64 * MiB, min: 0, max: 2 ** 40, integer: true, unit: 'bytes' },
  // A day covers an ingest outage over a night; an event older than that is stale news. Under a
  // second is a unit mistake (the option is in ms, not hours); over a year, one too.
  { key: 'spoolMaxAge', default: DAY_MS, min: SECOND_MS, max: 365 * DAY_MS, integer: true, unit: 'ms' }
] as const satisfies readonly NumericOption[]

// A numeric option without a row would have no default and no check: tsc names it here instead.
type NumericKeysWithoutRow = NoneMissing<Exclude<NumericKey, typeof NUMERIC_OPTIONS[number]['key']>>

const NUMERIC_ROWS = new Map<NumericKey, NumericOption>(NUMERIC_OPTIONS.map((row) => [row.key, row]))

/** The row of a numeric option. */
export function numericOption (key: NumericKey): NumericOption {
  const row = NUMERIC_ROWS.get(key)
  // Unreachable while the NoneMissing check above compiles.
  if (row === undefined) throw new Error(`${key} has no row in NUMERIC_OPTIONS`)
  return row
}

export const BOOLEAN_DEFAULTS: Readonly<Record<BooleanKey, boolean>> = {
  // Diagnostics are opt-in: a library prints nothing on a healthy path.
  debug: false,
  // Client IPs, cookies and auth headers are personal data: sent only when the application opts in.
  sendDefaultPii: false,
  // An unverified certificate would hand events (and the token) to whoever answers.
  verifySsl: true,
  // An uncaught exception is the error an error tracker exists for.
  captureUnhandled: true,
  // Events that cannot be sent in time are kept rather than lost (the spool is bounded below).
  spool: true,
  // HTTP and console context is what most services need without setup.
  defaultIntegrations: true,
  // Frames of compiled code point into bundles until mapped to the sources.
  sourceMaps: true
}

/** handleSignals: true drains on these: the signals a supervisor (systemd, Kubernetes, Ctrl-C) sends to stop a service. */
export const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']

/** Tokens shorter than this can occur by chance in event text, so scrubbing them cannot be reliable (init() warns). */
export const MIN_SCRUBBABLE_TOKEN = 8
