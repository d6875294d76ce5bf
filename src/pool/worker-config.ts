import type { ResolvedOptions } from '../config/types'
import type { SinkKind, WorkerConfig } from '../shared/worker-protocol'
import { SDK_NAME, SDK_VERSION } from '../shared/version'
import { WORKER_SINK } from '../transports/transport'
import { nodeMapsStacks } from './node-source-maps'

// From a client's resolved options to what its workers are started with.

/** What every worker needs to build and deliver events, structured-cloned once. */
export function workerConfig (o: ResolvedOptions, sink: SinkKind): WorkerConfig {
  return {
    sink,
    storeUrl: o.dsn?.storeUrl ?? null,
    origin: o.dsn?.origin ?? null,
    projectId: o.dsn?.projectId ?? null,
    authToken: o.authToken,
    userAgent: `${SDK_NAME}/${SDK_VERSION}`,
    sdkVersion: SDK_VERSION,
    environment: o.environment,
    release: o.release,
    serverName: o.serverName,
    sendDefaultPii: o.sendDefaultPii,
    denyKeys: o.denyKeys,
    maxPayloadSize: o.maxPayloadSize,
    maxBreadcrumbs: o.maxBreadcrumbs,
    timeoutMs: o.timeoutMs,
    verifySsl: o.verifySsl,
    // Caps are over all workers; each worker enforces its share.
    maxInFlight: Math.max(1, Math.floor(o.maxInFlight / o.workers)),
    maxEventsPerSecond: Math.ceil(o.maxEventsPerSecond / o.workers),
    maxAttempts: o.maxAttempts,
    debug: o.debug,
    // Node already maps the stacks with --enable-source-maps: the workers leave them alone.
    sourceMaps: o.sourceMaps && !nodeMapsStacks(),
    cwd: process.cwd(),
    entryScript: typeof process.argv[1] === 'string' && process.argv[1] !== '' ? process.argv[1] : null,
    spoolDir: sink === 'http' ? o.spoolDir : null,
    spoolMaxBytes: o.spoolMaxBytes,
    spoolMaxAge: o.spoolMaxAge
  }
}

/** Where this client's events go: a DSN's HTTP, a debug/null transport the workers run, a custom transport on the main thread, or nowhere. */
export function sinkOf (o: ResolvedOptions): SinkKind | null {
  if (o.transport !== null) {
    const kind = (o.transport as unknown as Record<symbol, unknown>)[WORKER_SINK]
    return kind === 'debug' || kind === 'null' ? kind : 'main'
  }
  if (o.dsn !== null) return 'http'
  if (o.debug) return 'debug'
  return null
}
