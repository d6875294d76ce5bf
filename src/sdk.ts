import { workerData } from 'node:worker_threads'
import { resolveOptions } from './config/options'
import type { Options } from './config/types'
import { isSdkWorker } from './shared/worker-protocol'
import type { Transport } from './transports/transport'
import { Pipeline } from './pool/pipeline'
import { sinkOf, workerConfig } from './pool/worker-config'
import { installUnhandledHooks } from './lifecycle/unhandled'
import { installSignalHooks } from './lifecycle/signals'
import { ExitDrain } from './lifecycle/exit-drain'
import { Client, type ClientParts } from './capture/client'
import { currentClient, replaceCurrentClient } from './capture/global'
import { getDefaultIntegrations } from './integrations/defaults'
import { resolveIntegrations, setupIntegrations } from './integrations/setup'

// The composition root: the one place that knows every layer. It turns options into a
// client's parts (the pipeline and its workers, the process hooks, the integrations) and
// hands them to the client, which itself knows none of the layers above it. init() and
// `new ErrorTracker()` both come through here.

function compose (options: Options): ClientParts {
  const o = resolveOptions(options)
  const sink = sinkOf(o)
  // Inside our own workers (a preload that calls init() runs there too) never start another pool.
  if (sink === null || isSdkWorker(workerData)) return { options: o, sink, delivery: null }
  // Before any hook or thread exists: an integrations function that throws fails init() and leaves nothing behind.
  const integrations = resolveIntegrations(getDefaultIntegrations(), o.integrations, o.defaultIntegrations)
  const pipeline = new Pipeline({
    ringSize: o.ringSize,
    maxQueuedEvents: o.maxQueuedEvents,
    workers: o.workers,
    shutdownTimeout: o.shutdownTimeout,
    debug: o.debug,
    mainTransport: sink === 'main' ? o.transport as Transport : null,
    worker: workerConfig(o, sink)
  })
  // Its part in the process's end ('beforeExit', 'exit'), from now until the client closes it.
  const exitDrain = new ExitDrain(pipeline, o.shutdownTimeout)
  const install = (client: Client): Array<() => void> => {
    const undo: Array<() => void> = []
    if (o.captureUnhandled) undo.push(installUnhandledHooks(client, o.unhandledRejections))
    if (o.handleSignals.length > 0) undo.push(installSignalHooks(client, o.handleSignals, o.shutdownTimeout))
    undo.push(...setupIntegrations(client, integrations))
    return undo
  }
  return { options: o, sink, delivery: { pipeline, exitDrain, install } }
}

/** A client: options in, events out. Throws ConfigurationError on bad options. */
export class ErrorTracker extends Client {
  constructor (options: Options = {}) {
    super(compose(options))
  }
}

/** Creates the global client (closing a previous one). Throws ConfigurationError on bad options. */
export function init (options: Options = {}): ErrorTracker {
  const next = new ErrorTracker(options)
  const previous = replaceCurrentClient(next)
  // The old client finishes what it holds (within its shutdownTimeout), then stops.
  // Nobody awaits this promise: it must not be able to become an unhandled rejection
  // (close() resolves false on a failing custom transport; the catch is the last guard).
  if (previous !== null) previous.close().catch(() => {})
  return next
}

/** The client init() created, or null before init() and after close(). */
export function getClient (): ErrorTracker | null {
  // Only init() sets the global client, and it sets an ErrorTracker.
  return currentClient() as ErrorTracker | null
}
