import type { Breadcrumb, CaptureOptions, Level, Stats } from './types'

// The integration interface (as Sentry's): a small named object. setupOnce() runs once per
// process for its name, whatever the number of clients; setup(client) runs for each client
// that lists it and returns the teardown that client's close() runs. An integration
// registers nothing its teardown cannot undo.

export interface Integration {
  /** One integration of a name is set up per client; the last one listed wins. */
  name: string
  /** Process-wide work done once, the first time a client sets this name up. */
  setupOnce?: () => void
  /** Per-client work; the returned function undoes it (run by the client's close()). */
  setup?: (client: IntegrationClient) => (() => void) | undefined | void
}

/**
 * What an integration may use of a client (capture's Client, and so ErrorTracker, implements
 * it): the public capture API and the options integrations need. A structural type, so an
 * integration depends on this contract, not on the client class; and so a client of a bundled
 * copy of the SDK and one of the installed copy are both accepted.
 */
export interface IntegrationClient {
  captureException: (error?: unknown, opts?: CaptureOptions) => string | undefined
  captureMessage: (message: string, opts?: CaptureOptions | Level) => string | undefined
  addBreadcrumb: (crumb: Breadcrumb) => void
  /** True once this client reported (or dropped) this error object: one event per error. */
  hasSeen: (error: unknown) => boolean
  /**
   * Errors an integration folded into one event it captured (eventId, or undefined when that
   * event was not sent or there is none): counted as captured and dropped as `grouped`, and
   * marked seen. Errors already seen are skipped.
   */
  countGrouped: (errors: readonly unknown[], eventId?: string) => void
  flush: (timeoutMs?: number) => Promise<boolean>
  stats: () => Stats
  readonly isClosed: boolean
  /**
   * @internal — an event an integration decided not to build (its own limit): counted as
   * captured and dropped for `reason`, so stats() stays exact.
   */
  countUnsent?: (reason: 'rate_limited') => void
  /**
   * @internal — the delivery workers' channel for an event an integration hands them while the
   * main thread is stuck (event-loop block), and how to start the workers before it comes;
   * null when there is none.
   */
  offThreadDelivery?: () => { channel: string, start: () => void } | null
  readonly options: {
    readonly sendDefaultPii: boolean
    readonly debug: boolean
    readonly maxBreadcrumbs: number
    readonly beforeBreadcrumb: ((crumb: Breadcrumb) => Breadcrumb | null | undefined) | null
    /** The ingest's origin, so integrations leave the SDK's own requests out of breadcrumbs. */
    readonly dsn: { readonly origin: string } | null
  }
}

/** The integrations option: a list, or a function given the defaults that returns the list. */
export type IntegrationsOption = Integration[] | ((defaults: Integration[]) => Integration[])

/** How an event was caught: sent as contexts.mechanism. handled: false for crashes and unhandled errors. */
export interface Mechanism {
  type: string
  handled: boolean
}
