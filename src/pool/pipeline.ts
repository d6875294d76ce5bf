import { createRing, count, readStat, DONE, ENQ, SETTLED, CLOSED, EXITING, WAITERS, WAKE_AT, DROP_REASONS, type RingViews, type DropReason } from '../ring/layout'
import { RingProducer, TOO_LARGE } from '../ring/producer'
import { BlobWriter } from '../ring/blob-writer'
import { RingConsumer } from '../ring/consumer'
import type { Transport } from '../transports/transport'
import type { Stats } from '../shared/types'
import type { WorkerConfig } from '../shared/worker-protocol'
import { timeoutOr } from '../config/timeout'
import { DeliveryPool } from './delivery-pool'
import { MainTransportSender } from './main-transport'
import { diagnoser, type Diagnose } from './diagnose'

// The main thread's half of the pipeline: writes events into the ring, counts them, and
// answers flush/close/stats from the shared counters. The workers are the delivery
// pool's (delivery-pool.ts); a custom transport's sends are main-transport.ts's; the
// process's exit is src/lifecycle/exit-drain.ts's, through the methods below.

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

// A waiting flush() re-checks DONE at least this often: a bound on a missed notify
// (the wait is also woken by the workers when the watermark it needs is reached).
const FLUSH_RECHECK_MS = 200
// flushSync() blocks the whole thread, so its slices are shorter: it notices a
// deadline or a missed notify within this, and the exit handler ends no later.
const FLUSH_SYNC_RECHECK_MS = 50

export class Pipeline {
  readonly ring: RingViews
  private readonly producer: RingProducer
  /** Shared bytes that records reference instead of carrying (main thread only). */
  readonly blobs: BlobWriter
  /** The record area as a Buffer (for reserve(): UTF-8 is written straight into it). */
  readonly ringBytes: Buffer
  private readonly consumer: RingConsumer
  private readonly delivery: DeliveryPool
  /** Null unless a custom transport sends on this thread. */
  private readonly sender: MainTransportSender | null
  private readonly shutdownTimeout: number
  /** One line on stderr: with debug, or always (a condition the user must hear of, said once by its caller). */
  readonly diagnose: Diagnose
  private closed = false
  /** Run after every enqueue once set (the exit drain: a capture after it is drained at once). */
  private afterEnqueue: (() => void) | null = null
  // Captured is counted here, not in the shared counters: only this thread moves it
  // and only stats() (this thread) reads it, while the line of shared counters is
  // written by the workers at every delivery (an atomic add there cost a cache miss
  // per capture).
  private captured = 0

  constructor (opts: PipelineOptions) {
    this.shutdownTimeout = opts.shutdownTimeout
    this.diagnose = diagnoser(opts.debug)
    this.ring = createRing(opts.ringSize, opts.maxQueuedEvents)
    this.producer = new RingProducer(this.ring)
    this.blobs = new BlobWriter(this.ring)
    this.ringBytes = Buffer.from(this.ring.sab, this.ring.data.byteOffset, this.ring.capacity)
    this.consumer = new RingConsumer(this.ring)
    this.delivery = new DeliveryPool({ workers: opts.workers, ring: this.ring, consumer: this.consumer, worker: opts.worker, diagnose: this.diagnose })
    this.sender = opts.mainTransport === null ? null : new MainTransportSender(opts.mainTransport, this.consumer, this.delivery, this.diagnose)
  }

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
    this.delivery.startSoon()
    if (!this.delivery.settleIfUnavailable() && this.sender !== null) this.sender.wake()
    if (this.afterEnqueue !== null) this.afterEnqueue()
  }

  drop (reason: DropReason, n = 1): void { count(this.ring.header, reason, n) }

  /** The seq the next enqueue() will get (single producer: nothing else can take it). */
  nextSeq (): number { return this.producer.nextSeq() }

  /** No room for a typical event: capture drops at once instead of building one. */
  isFull (): boolean { return this.producer.isFull(1024) }

  countCaptured (n = 1): void { this.captured = (this.captured + n) >>> 0 }

  /**
   * For the event-loop block integration: the channel on which the delivery workers take an
   * event the main thread cannot capture (it is stuck), and how to start them at once;
   * null when the events are sent on this thread (a custom transport).
   */
  offThreadDelivery (): { channel: string, start: () => void } | null {
    if (this.sender !== null || this.closed) return null
    // start() runs on a main thread paused in a block: now, not from a setImmediate that would wait for the block to end.
    return { channel: this.delivery.blockChannel, start: () => { if (!this.closed) this.delivery.start() } }
  }

  get isClosed (): boolean { return this.closed }

  /** True when a custom transport sends on this thread (the workers hand events back instead of sending or spooling them). */
  get sendsOnMainThread (): boolean { return this.sender !== null }

  /** Events enqueued so far (a wrapping 32-bit count): tells one batch of events from the next. */
  enqueuedCount (): number { return Atomics.load(this.ring.header, ENQ) }

  /** Enqueued events not settled yet (in any order: one hung send does not hold later ones back). */
  pending (): number {
    const h = this.ring.header
    return (Atomics.load(h, ENQ) - Atomics.load(h, SETTLED)) >>> 0
  }

  /** Runs fn after every enqueue from now on. */
  afterEachEnqueue (fn: () => void): void { this.afterEnqueue = fn }

  /**
   * Tells the workers the process (or this pipeline) ends at `deadline` (ms since the
   * epoch): from `spoolFrom` on they spool what they still hold instead of sending it.
   */
  announceEnd (spoolFrom: number, deadline: number): void {
    this.ring.exitTimes[0] = spoolFrom
    this.ring.exitTimes[1] = deadline
    Atomics.add(this.ring.header, EXITING, 1) // publishes exitTimes as a new announcement
  }

  /** Settles every unsettled event as shutdown_timeout (nothing will send or spool it any more); returns how many. */
  settleUnsettled (): number {
    return this.consumer.settleAll('shutdown_timeout')
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
   * The wait of both flushes: true once DONE reaches target, false at the deadline.
   * Parked while it sleeps, re-checking at least every recheck ms. Blocking, it
   * sleeps in Atomics.wait and runs to its end in one next(); otherwise it yields
   * each Atomics.waitAsync promise for its caller to await.
   */
  private * waitUntilSettled (target: number, deadline: number, blocking: boolean): Generator<Promise<unknown>, boolean, void> {
    const h = this.ring.header
    const recheck = blocking ? FLUSH_SYNC_RECHECK_MS : FLUSH_RECHECK_MS
    for (;;) {
      if (this.reached(target)) return true
      const left = deadline - Date.now()
      if (left <= 0) return false
      this.park(target)
      try {
        const seen = Atomics.load(h, DONE)
        if (this.reached(target)) return true
        if (blocking) {
          Atomics.wait(h, DONE, seen, Math.min(left, recheck))
        } else {
          const res = Atomics.waitAsync(h, DONE, seen, Math.min(left, recheck))
          if (res.async) yield res.value
        }
      } finally {
        this.unpark()
      }
    }
  }

  /**
   * True once every event enqueued before the call is settled (delivered or
   * dropped and counted); false at the timeout. Holds the process open no longer.
   */
  async flush (timeoutArg: number): Promise<boolean> {
    const timeoutMs = timeoutOr(timeoutArg, this.shutdownTimeout)
    const target = Atomics.load(this.ring.header, ENQ)
    if (this.reached(target) || this.closed) return this.reached(target)
    if (this.delivery.start() === null) return this.reached(target)
    this.producer.notifyNow()
    const wait = this.waitUntilSettled(target, Date.now() + timeoutMs, false)
    // waitAsync holds nothing open; this timer keeps the process alive while we wait, and no longer.
    const keepAlive = setTimeout(() => {}, Math.max(1, timeoutMs))
    try {
      for (;;) {
        const step = wait.next()
        if (step.done === true) return step.value
        await step.value
      }
    } finally {
      wait.return(false) // unparks a wait left at a yield (a no-op once it ended)
      clearTimeout(keepAlive)
    }
  }

  /** Blocking flush for the exit handler, where no callback can run any more. */
  flushSync (timeoutArg: number): boolean {
    const timeoutMs = timeoutOr(timeoutArg, this.shutdownTimeout)
    const target = Atomics.load(this.ring.header, ENQ)
    if (this.reached(target)) return true
    // After close the workers are gone; a main-thread transport needs the event loop.
    if (this.closed || this.sender !== null) return false
    // new Worker() starts its thread at once, even from the exit handler
    if (this.delivery.start() === null) return this.reached(target)
    this.producer.notifyNow()
    // Blocking: the wait never yields, so one step runs it to its end.
    return this.waitUntilSettled(target, Date.now() + timeoutMs, true).next().value as boolean
  }

  /**
   * Flushes for at most timeoutMs, then stops the workers. What is still unsettled
   * once they are gone is counted as shutdown_timeout, so nothing is pending after
   * close(). Never rejects: init() closes the previous client in the background.
   * (The exit drain announces a close like an exit first: see its close().)
   */
  async close (timeoutArg: number): Promise<boolean> {
    if (this.closed) return true
    const timeoutMs = timeoutOr(timeoutArg, this.shutdownTimeout)
    const ok = await this.flush(timeoutMs)
    this.closed = true
    Atomics.store(this.ring.header, CLOSED, 1)
    await this.delivery.close()
    const lost = this.settleUnsettled()
    // A loss, so said without debug too (close runs once: one line at most).
    if (lost > 0) this.diagnose(`close(${timeoutMs}) ended with ${lost} event(s) neither sent nor spooled; they are counted as dropped: shutdown_timeout. Give close() more time, or enable the spool.`, true)
    if (this.sender === null) return ok
    const transportClosed = await this.sender.close(timeoutMs)
    return ok && transportClosed
  }

  /**
   * A snapshot in which captured = delivered + spooled + Σ dropped + pending holds
   * exactly: workers settle while the counters are read one by one, so pending is
   * what the snapshot has not seen settled. captured only moves on this thread, and
   * each event is counted settled at most once, so pending is never negative.
   */
  stats (): Stats {
    const h = this.ring.header
    // Off-thread captures are read first: a worker counts one before its outcome, so the sum holds.
    const captured = (this.captured + readStat(h, 'captured_off_thread')) >>> 0
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
}
