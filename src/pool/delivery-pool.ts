import { randomUUID } from 'node:crypto'
import type Piscina from 'piscina'
import type { RingViews } from '../ring/layout'
import type { RingConsumer } from '../ring/consumer'
import type { WorkerConfig, WorkerData } from '../shared/worker-protocol'
import { hasSpoolFiles } from '../shared/spool-target'
import { workerEntry } from './worker-entry'
import { workerExecArgv } from './exec-argv'
import type { Diagnose } from './diagnose'

// The piscina pool of delivery workers: started lazily, its start failures
// (worker_unavailable) and its crashes (worker_crashed) turned into counted
// outcomes, and stopped at close.

// A worker's garbage is short-lived (one event at a time). With V8's default young
// generation a worker added ~60 MiB RSS, with 4 MiB ~25 MiB, at the same delivery
// rate (docs/benchmarks-notes.md).
const WORKER_YOUNG_GENERATION_MB = 4
// A cap the worker never nears (its live heap is ~20 MiB), set for V8's growing
// factor: without a cap a worker inherits a limit from the machine's memory (4 GiB
// on 16 GiB and up), and from a 2 GiB limit on V8 lets the old generation grow to
// 4× what survived the last full GC before collecting again; at 1 GiB the factor
// is ~1.6. On Node 24, whose worker keeps more alive, 4× took the 50,000-event
// burst to 162-185 MiB RSS; with this cap 138-143 (docs/node-versions.md).
const WORKER_OLD_GENERATION_MB = 1024

export interface DeliveryPoolOptions {
  workers: number
  ring: RingViews
  /** The pipeline's consumer side of the ring, for settling what no worker will take. */
  consumer: RingConsumer
  worker: WorkerConfig
  diagnose: Diagnose
}

function describeStartFailure (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message
}

export class DeliveryPool {
  private pool: Piscina | null = null
  private readonly workers: number
  private readonly workerData: WorkerData
  private readonly consumer: RingConsumer
  private readonly diagnose: Diagnose
  private closed = false
  private startScheduled = false
  /** Why no delivery worker can start in this process (set once, then every event is settled as worker_unavailable). */
  private unavailable: string | null = null

  constructor (opts: DeliveryPoolOptions) {
    this.workers = opts.workers
    this.consumer = opts.consumer
    this.diagnose = opts.diagnose
    this.workerData = {
      xrayradarWorker: true,
      sab: opts.ring.sab,
      capacity: opts.ring.capacity,
      slotCount: opts.ring.slotCount,
      config: opts.worker,
      // Unique to this pool: another client's pool in the process must not take its hand-offs.
      blockChannel: `xrayradar-loop-block:${randomUUID()}`
    }
    // Events left on disk by an earlier run are sent even if this one never captures.
    const w = opts.worker
    if (w.spoolDir !== null && w.origin !== null && w.projectId !== null && hasSpoolFiles(w.spoolDir, { origin: w.origin, project: w.projectId }, w.spoolMaxAge)) this.startSoon()
  }

  get isClosed (): boolean { return this.closed }

  /** Where the workers listen for an event-loop block handed to them off the main thread. */
  get blockChannel (): string { return this.workerData.blockChannel }

  /**
   * Workers start with the first event, not at init: an SDK that never captures
   * never pays for threads, and its process exits as fast as one without it. Once,
   * not per event: a burst in the first tick must not queue an immediate per capture.
   */
  startSoon (): void {
    if (this.startScheduled) return
    this.startScheduled = true
    setImmediate(this.startIfOpen)
  }

  private readonly startIfOpen = (): void => { if (!this.closed) this.start() }

  /** The running pool, started now if it is not; null when no worker can run (the ring's events are then settled). */
  start (): Piscina | null {
    if (this.pool !== null) return this.pool
    if (this.unavailable !== null) {
      this.settleUnavailable()
      return null
    }
    try {
      this.pool = this.create()
    } catch (err) {
      // Called from setImmediate, flush(), flushSync() and the exit handler: a throw
      // here would crash the host or hang a flush. Say so once, count every event.
      this.unavailable = describeStartFailure(err)
      this.diagnose(`cannot start delivery worker threads (${this.unavailable}); events are not sent and are counted as dropped: worker_unavailable. Allow this process to create worker threads (e.g. --allow-worker with Node's permission model).`, true)
      this.settleUnavailable()
      return null
    }
    return this.pool
  }

  /** True when no worker can run: every event in the ring has been settled as worker_unavailable. */
  settleIfUnavailable (): boolean {
    if (this.unavailable === null) return false
    this.settleUnavailable()
    return true
  }

  /** Stops the workers: what they hold in memory is gone (the pipeline counts it). Never rejects. */
  async close (): Promise<void> {
    this.closed = true
    try {
      await this.pool?.destroy()
    } catch {
      // The threads are going away either way; a failed destroy must not make close() reject.
    }
  }

  /**
   * A worker failed. piscina replaces a worker that dies after it started, but not
   * one that fails while it starts (a preload that throws in worker threads, a
   * loader the thread refuses): then no worker is left and none will come, and the
   * events would wait forever. That is a failure to start, counted as such.
   */
  private onWorkerError (pool: Piscina, err: Error): void {
    this.diagnose(`a delivery worker failed (${err.message}).`)
    // After piscina's own handling of the failure, which may start a replacement.
    setImmediate(() => {
      if (this.pool !== pool || this.closed || pool.threads.length > 0) return
      this.unavailable = `every delivery worker failed while starting; the last: ${describeStartFailure(err)}`
      this.diagnose(`cannot run delivery worker threads (${this.unavailable}); events are not sent and are counted as dropped: worker_unavailable. A preload (--require or --import, also in NODE_OPTIONS) that throws in worker threads is the usual cause.`, true)
      this.pool = null
      pool.destroy().catch(() => {})
      this.settleUnavailable()
    })
  }

  /** Settles every event in the ring as worker_unavailable: no worker will ever take it. */
  private settleUnavailable (): void {
    for (let rec = this.consumer.claim(); rec !== null; rec = this.consumer.claim()) this.consumer.settle(rec.seq, 'worker_unavailable')
  }

  private create (): Piscina {
    const { Piscina: Pool, filename } = workerEntry((message) => this.diagnose(message))
    const argv = workerExecArgv()
    if (argv.refused.length > 0) this.diagnose(`the delivery workers run without ${argv.refused.join(' ')} (a worker thread does not accept it).`)
    const pool = new Pool({
      filename,
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: Infinity,
      // Idle workers must keep running their event loop (sockets, timers, the drain loop).
      atomics: 'disabled',
      concurrentTasksPerWorker: 4,
      workerData: this.workerData,
      execArgv: argv.accepted,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB }
    })
    // A worker that dies must never take the host with it: piscina reports it as an
    // 'error' event, which would throw without a listener. It starts a replacement;
    // what the dead one had claimed is counted, what it had not stays in the ring.
    pool.on('error', (err: Error) => this.onWorkerError(pool, err))
    // A dead Worker reports threadId -1, so remember the ids while they are alive.
    const known = new Set<number>(pool.threads.map((w) => w.threadId))
    pool.on('workerCreate', (worker: { id: number }) => { known.add(worker.id) })
    pool.on('workerDestroy', () => {
      if (this.closed) return
      const alive = new Set(pool.threads.map((w) => w.threadId))
      for (const id of known) {
        if (alive.has(id)) continue
        known.delete(id)
        const lost = this.consumer.settleOrphans(id)
        if (lost > 0) this.diagnose(`a delivery worker exited holding ${lost} event(s); they are counted as dropped: worker_crashed.`, true)
      }
    })
    return pool
  }
}
