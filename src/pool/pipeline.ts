import type Piscina from 'piscina'
import { createRing, count, readStat, DONE, ENQ, SETTLED, CLOSED, EXITING, WAITERS, WAKE_AT, DROP_REASONS, type RingViews, type DropReason } from '../ring/layout'
import { RingProducer, TOO_LARGE } from '../ring/producer'
import { BlobWriter } from '../ring/blob-writer'
import { RingConsumer } from '../ring/consumer'
import type { Transport } from '../transports/transport'
import type { Stats } from '../shared/types'
import type { WorkerConfig, WorkerData, CollectTask, Collected } from '../shared/worker-protocol'
import { hasSpoolFiles } from '../shared/spool-target'
import { workerEntry } from './worker-entry'
import { timeoutOr } from '../config/timeout'
import { workerExecArgv } from './exec-argv'
import { exitHooks, type ExitParticipant } from './exit-hooks'

// The main thread's half of the pipeline: owns the ring and the piscina pool,
// and answers flush/close/stats from the shared counters.

export interface PipelineOptions {
  ringSize: number
  maxQueuedEvents: number
  workers: number
  shutdownTimeout: number
  debug: boolean
  worker: WorkerConfig
  /** Set for custom transports: events come back to the main thread to be sent. */
  mainTransport: Transport | null
}

function describeStartFailure (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message
}

const WORKER_YOUNG_GENERATION_MB = 4
// A cap the worker never nears (its live heap is ~20 MiB), set for V8's growing
// factor: without a cap a worker inherits a limit from the machine's memory (4 GiB
// on 16 GiB and up), and from a 2 GiB limit on V8 lets the old generation grow to
// 4× what survived the last full GC before collecting again; at 1 GiB the factor
// is ~1.6. On Node 24, whose worker keeps more alive, 4× took the 50,000-event
// burst to 162-185 MiB RSS; with this cap 138-143 (docs/node-versions.md).
const WORKER_OLD_GENERATION_MB = 1024
// At exit, at least this long (or a quarter of shutdownTimeout) is kept for spooling.
const EXIT_SPOOL_MIN_MS = 250
// A waiting flush() re-checks DONE at least this often: a bound on a missed notify
// (the wait is also woken by the workers when the watermark it needs is reached).
const FLUSH_RECHECK_MS = 200
// flushSync() blocks the whole thread, so its slices are shorter: it notices a
// deadline or a missed notify within this, and the exit handler ends no later.
const FLUSH_SYNC_RECHECK_MS = 50
// Events a custom (main-thread) transport takes back from a worker per task: one
// task's structured clone stays small while a burst still needs few round trips.
const COLLECT_BATCH = 64

export class Pipeline implements ExitParticipant {
  readonly ring: RingViews
  private readonly producer: RingProducer
  /** Shared bytes that records reference instead of carrying (main thread only). */
  readonly blobs: BlobWriter
  /** The record area as a Buffer (for reserve(): UTF-8 is written straight into it). */
  readonly ringBytes: Buffer
  private readonly consumer: RingConsumer
  private pool: Piscina | null = null
  private readonly workerData: WorkerData
  private readonly opts: PipelineOptions
  private closed = false
  private collecting = false
  private startScheduled = false
  /** Why no delivery worker can start in this process (set once, then every event is settled as worker_unavailable). */
  private unavailable: string | null = null
  private exitDrained = false
  /** When this exit's shutdownTimeout ends (set by the exit drain). */
  private exitDeadline = 0
  /** The drain at 'exit' (ExitParticipant); also run by process.exit() called in an earlier 'exit' listener. */
  readonly onExit = (): void => {
    if (this.exitDrained) return
    this.exitDrained = true
    // One shutdownTimeout in all: what beforeExit already waited counts against it.
    const sameBatch = Atomics.load(this.ring.header, ENQ) === this.beforeExitAt
    const timeout = sameBatch ? Math.max(0, this.beforeExitDeadline - Date.now()) : this.opts.shutdownTimeout
    this.exitDeadline = Date.now() + timeout
    if (!sameBatch) this.announceExit(timeout)
    // What is neither sent nor spooled by now is lost with the process: counted, so a
    // later exit listener reading stats() sees where every event went.
    if (!this.flushSync(timeout)) this.abandonUnsettled('exited')
  }

  /**
   * A capture after the exit drain: an 'exit' listener the application added after
   * init() runs after ours, and nothing of ours runs after it (a listener added during
   * 'exit' is not called for it). So the event is drained now, within what is left of
   * the exit's shutdownTimeout, and counted (and said) as lost if it does not settle.
   */
  private drainLate (): void {
    const left = Math.max(0, this.exitDeadline - Date.now())
    this.announceExit(left)
    if (!this.flushSync(left)) this.abandonUnsettled('exited')
  }

  /**
   * The process ends now (the exit handler returns, or a signal is raised again):
   * what is neither sent nor spooled is lost with it. Counted, so a later reader of
   * stats() sees where every event went, and said once, without debug too (stderr
   * to a pipe or file is synchronous here).
   */
  abandonUnsettled (how: 'exited' | 'is ending on a signal'): void {
    const lost = this.consumer.settleAll('shutdown_timeout')
    if (lost > 0) this.diagnose(`the process ${how} with ${lost} event(s) neither sent nor spooled within shutdownTimeout; they are lost (counted as dropped: shutdown_timeout).`, true)
  }

  /** 'beforeExit' (ExitParticipant). */
  readonly onBeforeExit = (): void => {
    // The loop emptied with events still on their way: wait for them asynchronously
    // (a ref'd timer keeps the loop alive), at most shutdownTimeout, once per batch.
    const enq = Atomics.load(this.ring.header, ENQ)
    if (this.pending() > 0 && enq !== this.beforeExitAt) {
      this.beforeExitAt = enq
      this.beforeExitDeadline = Date.now() + this.opts.shutdownTimeout
      this.announceExit(this.opts.shutdownTimeout)
      this.flush(this.opts.shutdownTimeout).catch(() => {}) // never rejects; a background promise must not be able to
    }
  }

  /**
   * The process is ending within timeoutMs. Workers then spool (instead of send)
   * what they cannot send in time: the backlog beyond what the send rate they
   * measure now can clear, and everything still queued in the last quarter of the
   * time. What cannot be delivered now is kept for the next run instead of lost.
   * Nothing pending: nothing to announce. The flush that follows wakes the workers.
   */
  announceExit (timeoutMs: number): void {
    if (this.pending() === 0) return
    const reserve = Math.min(timeoutMs, Math.max(EXIT_SPOOL_MIN_MS, timeoutMs / 4))
    const now = Date.now()
    this.ring.exitTimes[0] = now + timeoutMs - reserve
    this.ring.exitTimes[1] = now + timeoutMs
    Atomics.add(this.ring.header, EXITING, 1) // publishes exitTimes as a new announcement
  }

  private beforeExitAt = -1
  private beforeExitDeadline = 0

  constructor (opts: PipelineOptions) {
    this.opts = opts
    this.ring = createRing(opts.ringSize, opts.maxQueuedEvents)
    this.producer = new RingProducer(this.ring)
    this.blobs = new BlobWriter(this.ring)
    this.ringBytes = Buffer.from(this.ring.sab, this.ring.data.byteOffset, this.ring.capacity)
    this.consumer = new RingConsumer(this.ring)
    this.workerData = {
      xrayradarWorker: true,
      sab: this.ring.sab,
      capacity: this.ring.capacity,
      slotCount: this.ring.slotCount,
      config: opts.worker
    }
    exitHooks.add(this)
    // Events left on disk by an earlier run are sent even if this one never captures.
    const w = opts.worker
    if (w.spoolDir !== null && w.origin !== null && w.projectId !== null && hasSpoolFiles(w.spoolDir, { origin: w.origin, project: w.projectId }, w.spoolMaxAge)) {
      this.startScheduled = true
      setImmediate(this.startSoon)
    }
  }

  /**
   * Workers start with the first event, not at init: an SDK that never captures
   * never pays for threads, and its process exits as fast as one without it.
   */
  private startPool (): Piscina | null {
    if (this.pool !== null) return this.pool
    if (this.unavailable !== null) {
      this.settleUnavailable()
      return null
    }
    try {
      this.pool = this.createPool()
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

  private createPool (): Piscina {
    const { Piscina: Pool, filename } = workerEntry((message) => this.diagnose(message))
    const argv = workerExecArgv()
    if (argv.refused.length > 0) this.diagnose(`the delivery workers run without ${argv.refused.join(' ')} (a worker thread does not accept it).`)
    const pool = new Pool({
      filename,
      minThreads: this.opts.workers,
      maxThreads: this.opts.workers,
      idleTimeout: Infinity,
      // Idle workers must keep running their event loop (sockets, timers, the drain loop).
      atomics: 'disabled',
      concurrentTasksPerWorker: 4,
      workerData: this.workerData,
      execArgv: argv.accepted,
      // A worker's garbage is short-lived (one event at a time). With V8's default
      // young generation a worker added ~60 MiB RSS, with 4 MiB ~25 MiB, at the
      // same delivery rate (docs/benchmarks-notes.md).
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

  private readonly startSoon = (): void => { if (!this.closed) this.startPool() }

  /** Hot path: copy one event into the ring. Never blocks; a full ring is a counted drop. */
  enqueue (parts: readonly Uint8Array[], flags: number): boolean {
    const seq = this.producer.write(parts, flags)
    if (seq < 0) {
      count(this.ring.header, seq === TOO_LARGE ? 'too_large' : 'queue_full')
      return false
    }
    this.enqueued()
    return true
  }

  /**
   * Hot path, in place: where in `ringBytes` to write a record of up to maxLen bytes,
   * or -1 when there is no room for that many now (nothing counted: the caller falls
   * back to enqueue(), which counts a drop if the exact size does not fit either).
   * Then commit() before anything else touches the ring.
   */
  reserve (maxLen: number): number {
    const at = this.producer.reserve(maxLen)
    return at < 0 ? -1 : at
  }

  /** Publishes what was written after reserve(). */
  commit (len: number, flags: number): void {
    this.producer.commit(len, flags)
    this.enqueued()
  }

  private enqueued (): void {
    if (!this.startScheduled) {
      // Once, not per event: a burst in the first tick must not queue an immediate per capture.
      this.startScheduled = true
      setImmediate(this.startSoon)
    }
    if (this.unavailable !== null) this.settleUnavailable()
    else if (this.opts.mainTransport !== null && !this.collecting) this.startCollecting()
    if (this.exitDrained) this.drainLate()
  }

  drop (reason: DropReason, n = 1): void { count(this.ring.header, reason, n) }

  /** The seq the next enqueue() will get (single producer: nothing else can take it). */
  nextSeq (): number { return this.producer.nextSeq() }

  /** No room for a typical event: capture drops at once instead of building one. */
  isFull (): boolean { return this.producer.isFull(1024) }
  // Captured is counted here, not in the shared counters: only this thread moves it
  // and only stats() (this thread) reads it, while the line of shared counters is
  // written by the workers at every delivery (an atomic add there cost a cache miss
  // per capture).
  private captured = 0
  countCaptured (n = 1): void { this.captured = (this.captured + n) >>> 0 }

  /** always: a condition the user must hear of without debug (said once by its caller). */
  private diagnose (message: string, always = false): void {
    if (always || this.opts.debug) process.stderr.write(`[xrayradar] ${message}\n`)
  }

  /** Enqueued events not settled yet (in any order: one hung send does not hold later ones back). */
  pending (): number {
    const h = this.ring.header
    return (Atomics.load(h, ENQ) - Atomics.load(h, SETTLED)) >>> 0
  }

  private reached (target: number): boolean {
    return ((Atomics.load(this.ring.header, DONE) - target) | 0) >= 0
  }

  /** Announces a parked flush and the watermark it needs; workers notify only then. */
  private park (target: number): void {
    const h = this.ring.header
    if (Atomics.add(h, WAITERS, 1) === 0 || ((target - Atomics.load(h, WAKE_AT)) | 0) < 0) Atomics.store(h, WAKE_AT, target)
  }

  private unpark (): void { Atomics.sub(this.ring.header, WAITERS, 1) }

  /**
   * True once every event enqueued before the call is settled (delivered or
   * dropped and counted); false at the timeout. Holds the process open no longer.
   */
  async flush (timeoutArg: number): Promise<boolean> {
    const timeoutMs = timeoutOr(timeoutArg, this.opts.shutdownTimeout)
    const h = this.ring.header
    const target = Atomics.load(h, ENQ)
    if (this.reached(target) || this.closed) return this.reached(target)
    if (this.startPool() === null) return this.reached(target)
    this.producer.notifyNow()
    const deadline = Date.now() + Math.max(0, timeoutMs)
    // waitAsync holds nothing open; this timer keeps the process alive while we wait, and no longer.
    const keepAlive = setTimeout(() => {}, Math.max(1, timeoutMs))
    try {
      for (;;) {
        if (this.reached(target)) return true
        const left = deadline - Date.now()
        if (left <= 0) return false
        this.park(target)
        try {
          const seen = Atomics.load(h, DONE)
          if (this.reached(target)) return true
          const res = Atomics.waitAsync(h, DONE, seen, Math.min(left, FLUSH_RECHECK_MS))
          if (res.async) await res.value
        } finally {
          this.unpark()
        }
      }
    } finally {
      clearTimeout(keepAlive)
    }
  }

  /** Blocking flush for the exit handler, where no callback can run any more. */
  flushSync (timeoutArg: number): boolean {
    const timeoutMs = timeoutOr(timeoutArg, this.opts.shutdownTimeout)
    const h = this.ring.header
    const target = Atomics.load(h, ENQ)
    if (this.reached(target)) return true
    // After close the workers are gone; a main-thread transport needs the event loop.
    if (this.closed || this.opts.mainTransport !== null) return false
    // new Worker() starts its thread at once, even from the exit handler
    if (this.startPool() === null) return this.reached(target)
    this.producer.notifyNow()
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.reached(target)) return true
      const left = deadline - Date.now()
      if (left <= 0) return false
      this.park(target)
      try {
        const seen = Atomics.load(h, DONE)
        if (this.reached(target)) return true
        Atomics.wait(h, DONE, seen, Math.min(left, FLUSH_SYNC_RECHECK_MS))
      } finally {
        this.unpark()
      }
    }
  }

  /**
   * Flushes for at most timeoutMs, then stops the workers. Like an exit, it is
   * announced first: what cannot be sent in the time (an outage, a hung ingest,
   * sends in retry back-off or queued in the limiter) is spooled instead. What is
   * still unsettled once the workers are gone is counted as shutdown_timeout, so
   * nothing is pending after close(). Never rejects: init() closes the previous
   * client in the background.
   */
  async close (timeoutArg: number): Promise<boolean> {
    if (this.closed) return true
    const timeoutMs = timeoutOr(timeoutArg, this.opts.shutdownTimeout)
    if (this.opts.mainTransport === null) this.announceExit(timeoutMs)
    const ok = await this.flush(timeoutMs)
    this.closed = true
    Atomics.store(this.ring.header, CLOSED, 1)
    exitHooks.remove(this)
    try {
      await this.pool?.destroy()
    } catch {
      // The threads are going away either way; a failed destroy must not make close() reject.
    }
    const lost = this.consumer.settleAll('shutdown_timeout')
    // A loss, so said without debug too (close runs once: one line at most).
    if (lost > 0) this.diagnose(`close(${timeoutMs}) ended with ${lost} event(s) neither sent nor spooled; they are counted as dropped: shutdown_timeout. Give close() more time, or enable the spool.`, true)
    const transport = this.opts.mainTransport
    if (transport === null || typeof transport.close !== 'function') return ok
    try {
      await transport.close(timeoutMs)
      return ok
    } catch (err) {
      // Once per client (close runs once); init() closes the previous client unawaited.
      this.diagnose(`the custom transport's close() failed (${err instanceof Error ? err.message : String(err)}); what it still held may not have been sent.`, true)
      return false
    }
  }

  /**
   * A snapshot in which captured = delivered + spooled + Σ dropped + pending holds
   * exactly: workers settle while the counters are read one by one, so pending is
   * what the snapshot has not seen settled. captured only moves on this thread, and
   * each event is counted settled at most once, so pending is never negative.
   */
  stats (): Stats {
    const h = this.ring.header
    const captured = this.captured
    const delivered = readStat(h, 'delivered')
    const spooled = readStat(h, 'spooled')
    const dropped = {} as Stats['dropped']
    let settled = delivered + spooled
    for (const r of DROP_REASONS) settled += (dropped[r] = readStat(h, r))
    return {
      captured,
      delivered,
      spooled,
      pending: captured - settled,
      dropped,
      spool: { delivered: readStat(h, 'spool_delivered'), rejected: readStat(h, 'spool_rejected'), corrupt: readStat(h, 'spool_corrupt'), expired: readStat(h, 'spool_expired') }
    }
  }

  // Custom transports: workers build events and hand them back in batches.
  private startCollecting (): void {
    this.collecting = true
    setImmediate(() => { void this.collect() })
  }

  private async collect (): Promise<void> {
    const transport = this.opts.mainTransport as Transport
    try {
      while (!this.closed && this.consumer.hasUnclaimed()) {
        const pool = this.startPool()
        if (pool === null) break // the events were settled as worker_unavailable
        const batch = await pool.run({ op: 'collect', max: COLLECT_BATCH } satisfies CollectTask) as Collected[]
        await Promise.all(batch.map(async ({ seq, event }) => {
          try {
            await transport.send(event)
            this.consumer.settle(seq, 'delivered')
          } catch {
            this.consumer.settle(seq, 'network_error')
          }
        }))
      }
    } catch {
      // The pool is gone (close) or a worker died; what is left stays pending in the stats.
    } finally {
      this.collecting = false
      if (!this.closed && this.consumer.hasUnclaimed()) this.startCollecting()
    }
  }
}
