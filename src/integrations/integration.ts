import type { ErrorTracker } from '../capture/client'

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
  setup?: (client: ErrorTracker) => (() => void) | undefined | void
}

/** The integrations option: a list, or a function given the defaults that returns the list. */
export type IntegrationsOption = Integration[] | ((defaults: Integration[]) => Integration[])

/** How an event was caught: sent as contexts.mechanism. handled: false for crashes and unhandled errors. */
export interface Mechanism {
  type: string
  handled: boolean
}
