// The protocol between the main thread and the delivery workers: what each worker is handed in
// workerData (structured-cloned once) and the shapes of the pool's task. Both sides import it;
// neither imports the other's code for these shapes (no pool <-> worker cycle).
import type { WireEvent } from './types'

export type SinkKind = 'http' | 'debug' | 'null' | 'main'

export interface WorkerConfig {
  sink: SinkKind
  storeUrl: string | null
  origin: string | null
  /** The DSN's project id (decoded); with origin, the target spooled events are kept for. */
  projectId: string | null
  /** Only in worker memory; never logged. */
  authToken: string | null
  userAgent: string
  sdkVersion: string
  environment: string
  release: string | null
  serverName: string
  sendDefaultPii: boolean
  /** More secret-like key fragments for scrubbing (the denyKeys option). */
  denyKeys: string[]
  maxPayloadSize: number
  maxBreadcrumbs: number
  timeoutMs: number
  verifySsl: boolean
  maxInFlight: number // per worker
  maxEventsPerSecond: number // per worker, 0 = no cap
  maxAttempts: number
  debug: boolean
  /**
   * Map frames of compiled code to their sources in the worker: the sourceMaps option,
   * false when the main thread's stacks are already mapped (--enable-source-maps).
   */
  sourceMaps: boolean
  cwd: string
  /** The host's entry script (process.argv[1]), null without one: its directory and package are the app's. */
  entryScript: string | null
  /** null when the spool is off. */
  spoolDir: string | null
  spoolMaxBytes: number
  spoolMaxAge: number
}

export interface WorkerData {
  xrayradarWorker: true
  sab: SharedArrayBuffer
  capacity: number
  slotCount: number
  config: WorkerConfig
  /** The BroadcastChannel on which the event-loop block watcher hands this pool an episode the main thread is stuck in. */
  blockChannel: string
}

/** True inside one of our own workers: init() there must not start another pool. */
export function isSdkWorker (workerData: unknown): boolean {
  return typeof workerData === 'object' && workerData !== null && (workerData as { xrayradarWorker?: unknown }).xrayradarWorker === true
}

/** The pool's one task: collect up to `max` settled events for a main-thread transport. */
export interface CollectTask { op: 'collect', max: number }
export interface Collected { seq: number, event: WireEvent }
