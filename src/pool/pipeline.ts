import { resolve } from 'node:path'
import type Piscina from 'piscina'
import { createRing, count, readStat, DONE, ENQ, CLOSED, EXITING, WAITERS, WAKE_AT, DROP_REASONS, type RingViews, type DropReason } from '../ring/layout'
import { RingProducer, TOO_LARGE } from '../ring/producer'
import { BlobWriter } from '../ring/blob-writer'
import { RingConsumer } from '../ring/consumer'
import type { Transport } from '../transports/transport'
import type { Stats } from '../types'
import type { WorkerConfig, WorkerData } from './worker-config'
import type { CollectTask, Collected } from '../worker/index'
import { hasSpoolFiles } from '../worker/spool'

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

// Preloads (--require/--import/--loader) would run the host's instrumentation
// again in every worker; the worker needs none of them.
function workerExecArgv (): string[] {
  const out: string[] = []
  const argv = process.execArgv
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (/^(--require|-r|--import|--loader|--experimental-loader)$/.test(a)) { i++; continue }
    if (/^(--require|--import|--loader|--experimental-loader)=/.test(a)) continue
    out.push(a)
  }
  return out
}

const WORKER_YOUNG_GENERATION_MB = 4
// A cap the worker never nears (its live heap is ~20 MiB), set for V8's growing
// factor: without a cap a worker inherits a limit from the machine's memory (4 GiB
// on 16 GiB and up), and from a 2 GiB limit on V8 lets the old generation grow to
// 4× what survived the last full GC before collecting again; at 1 GiB the factor
// is ~1.6. On Node 24, whose worker keeps more alive, 4× took the 50,000-event
// burst to 162-185 MiB RSS; with this cap 138-143 (docs/benchmarks-notes.md).
const WORKER_OLD_GENERATION_MB = 1024
// At exit, at least this long (or a quarter of shutdownTimeout) is kept for spooling.
const EXIT_SPOOL_MIN_MS = 250

export class Pipeline {
  readonly ring: RingViews
  private readonly producer: RingProducer
  /** Shared bytes that records reference instead of carrying (main thread only). */
  readonly blobs: BlobWriter
  private readonly consumer: RingConsumer
  private pool: Piscina | null = null
  private readonly workerData: WorkerData
  private readonly opts: PipelineOptions
  private closed = false
  private collecting = false
  private startScheduled = false
  private readonly onExit = (): void => {
    // One shutdownTimeout in all: what beforeExit already waited counts against it.
    const sameBatch = Atomics.load(this.ring.header, ENQ) === this.beforeExitAt
    const timeout = sameBatch ? Math.max(0, this.beforeExitDeadline - Date.now()) : this.opts.shutdownTimeout
    if (!sameBatch) this.announceExit(timeout)
    this.flushSync(timeout)
  }
  private readonly onBeforeExit = (): void => {
    // The loop emptied with events still on their way: wait for them asynchronously
    // (a ref'd timer keeps the loop alive), at most shutdownTimeout, once per batch.
    const enq = Atomics.load(this.ring.header, ENQ)
    if (this.pending() > 0 && enq !== this.beforeExitAt) {
      this.beforeExitAt = enq
      this.beforeExitDeadline = Date.now() + this.opts.shutdownTimeout
      this.announceExit(this.opts.shutdownTimeout)
      void this.flush(this.opts.shutdownTimeout)
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
    this.consumer = new RingConsumer(this.ring)
    this.workerData = {
      xrayradarWorker: true,
      sab: this.ring.sab,
      capacity: this.ring.capacity,
      slotCount: this.ring.slotCount,
      config: opts.worker
    }
    process.on('exit', this.onExit)
    process.on('beforeExit', this.onBeforeExit)
    // Events left on disk by an earlier run are sent even if this one never captures.
    if (opts.worker.spoolDir !== null && hasSpoolFiles(opts.worker.spoolDir)) {
      this.startScheduled = true
      setImmediate(this.startSoon)
    }
  }

  /**
   * Workers start with the first event, not at init: an SDK that never captures
   * never pays for threads, and its process exits as fast as one without it.
   */
  private startPool (): Piscina {
    if (this.pool !== null) return this.pool
    const { Piscina: Pool } = require('piscina') as typeof import('piscina')
    this.pool = new Pool({
      filename: resolve(__dirname, '../worker/index.js'),
      minThreads: this.opts.workers,
      maxThreads: this.opts.workers,
      idleTimeout: Infinity,
      // Idle workers must keep running their event loop (sockets, timers, the drain loop).
      atomics: 'disabled',
      concurrentTasksPerWorker: 4,
      workerData: this.workerData,
      execArgv: workerExecArgv(),
      // A worker's garbage is short-lived (one event at a time). With V8's default
      // young generation a worker added ~60 MiB RSS, with 4 MiB ~25 MiB, at the
      // same delivery rate (docs/benchmarks-notes.md).
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB }
    })
    // A worker that dies must never take the host with it: piscina reports it as an
    // 'error' event, which would throw without a listener. It starts a replacement;
    // what the dead one had claimed is counted, what it had not stays in the ring.
    this.pool.on('error', (err: Error) => this.diagnose(`a delivery worker failed (${err.message}); a new one takes over.`))
    // A dead Worker reports threadId -1, so remember the ids while they are alive.
    const pool = this.pool
    const known = new Set<number>(pool.threads.map((w) => w.threadId))
    pool.on('workerCreate', (worker: { id: number }) => { known.add(worker.id) })
    pool.on('workerDestroy', () => {
      if (this.closed) return
      const alive = new Set(pool.threads.map((w) => w.threadId))
      for (const id of known) {
        if (alive.has(id)) continue
        known.delete(id)
        const lost = this.consumer.settleOrphans(id)
        if (lost > 0) this.diagnose(`a delivery worker exited holding ${lost} event(s); they are counted as dropped: worker_crashed.`)
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
    if (!this.startScheduled) {
      // Once, not per event: a burst in the first tick must not queue an immediate per capture.
      this.startScheduled = true
      setImmediate(this.startSoon)
    }
    if (this.opts.mainTransport !== null && !this.collecting) this.startCollecting()
    return true
  }

  drop (reason: DropReason): void { count(this.ring.header, reason) }

  /** The seq the next enqueue() will get (single producer: nothing else can take it). */
  nextSeq (): number { return Atomics.load(this.ring.header, ENQ) }

  /** No room for a typical event: capture drops at once instead of building one. */
  isFull (): boolean { return this.producer.isFull(1024) }
  countCaptured (): void { count(this.ring.header, 'captured') }

  private diagnose (message: string): void {
    if (this.opts.debug) process.stderr.write(`[xrayradar] ${message}\n`)
  }

  pending (): number {
    const h = this.ring.header
    return (Atomics.load(h, ENQ) - Atomics.load(h, DONE)) >>> 0
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
  async flush (timeoutMs: number): Promise<boolean> {
    const h = this.ring.header
    const target = Atomics.load(h, ENQ)
    if (this.reached(target) || this.closed) return this.reached(target)
    this.startPool()
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
          const res = Atomics.waitAsync(h, DONE, seen, Math.min(left, 200))
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
  flushSync (timeoutMs: number): boolean {
    const h = this.ring.header
    const target = Atomics.load(h, ENQ)
    if (this.reached(target)) return true
    // After close the workers are gone; a main-thread transport needs the event loop.
    if (this.closed || this.opts.mainTransport !== null) return false
    this.startPool() // new Worker() starts its thread at once, even from the exit handler
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
        Atomics.wait(h, DONE, seen, Math.min(left, 50))
      } finally {
        this.unpark()
      }
    }
  }

  async close (timeoutMs: number): Promise<boolean> {
    if (this.closed) return true
    const ok = await this.flush(timeoutMs)
    this.closed = true
    Atomics.store(this.ring.header, CLOSED, 1)
    process.removeListener('exit', this.onExit)
    process.removeListener('beforeExit', this.onBeforeExit)
    await this.pool?.destroy()
    await this.opts.mainTransport?.close?.(timeoutMs)
    return ok
  }

  stats (): Stats {
    const h = this.ring.header
    const dropped = {} as Stats['dropped']
    for (const r of DROP_REASONS) dropped[r] = readStat(h, r)
    return {
      captured: readStat(h, 'captured'),
      delivered: readStat(h, 'delivered'),
      spooled: readStat(h, 'spooled'),
      pending: this.pending(),
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
        const batch = await this.startPool().run({ op: 'collect', max: 64 } satisfies CollectTask) as Collected[]
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
