import type { WireEvent } from '../shared/types'

// The collector's public shapes (exported by the package as Collector, CollectorOptions, Fault).

export interface Fault {
  /** Answer with this status instead of storing (e.g. 500, 429, 401). */
  status?: number
  /** For 429: the Retry-After header value (seconds or an HTTP date). */
  retryAfter?: string | number
  /** Delay before answering, ms. */
  latencyMs?: number
  /** How many store requests the fault applies to; unlimited when absent. */
  count?: number
}

export interface CollectorOptions {
  host?: string
  port?: number
  /**
   * When set, store requests must carry X-Xrayradar-Token with this value (401 otherwise),
   * and so must the page's API and the /__xrayradar/ endpoints, which then answer on any
   * interface the collector listens on (on a loopback Host name only when it listens on
   * loopback). Without it those answer only on loopback. Requests a browser made (Origin,
   * Sec-Fetch-Site) are refused on the store endpoint either way unless they come from the
   * collector's own origin (docs/collector.md, "Who may reach it").
   */
  token?: string | null
  /** When set, only these project ids exist (404 otherwise). */
  projects?: string[] | null
  /** Largest accepted body, bytes (413 above). Default 1 MiB. */
  maxBodyBytes?: number
  /** Append every accepted event to this JSONL file. */
  file?: string | null
  /** Print one summary line per event: true for stdout, or a function. */
  log?: boolean | ((line: string) => void)
  /** Events kept in memory, the oldest dropped first. Default 100,000. */
  keep?: number
  fault?: Fault | null
  /**
   * Also count events posted as Sentry envelopes (POST /api/{id}/envelope/), so
   * bench/ can run @sentry/node against the same server. They are counted per
   * project, not validated or stored.
   */
  acceptSentryEnvelopes?: boolean
}

export interface StoreRequest { at: number, project: string, status: number }

export interface Collector {
  readonly url: string
  /** The page that shows the events grouped into issues (GET /). */
  readonly pageUrl: string
  readonly port: number
  /** A DSN for this collector and project id. */
  dsn (projectId?: string): string
  /** Accepted events, oldest first: the same array at every read (brought up to date when read). */
  readonly events: WireEvent[]
  /** Every store request with the status it got (bounded like events). */
  readonly requests: StoreRequest[]
  /** Events stored per project id (Sentry envelopes under "sentry:{id}"). */
  readonly counts: Record<string, number>
  setFault (fault: Fault | null): void
  /** Resolves true once at least n events are stored, false at the timeout. */
  waitForEvents (n: number, timeoutMs: number): Promise<boolean>
  close (): Promise<void>
}
