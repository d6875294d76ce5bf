import { viewRing, count, WRITE, CLAIM, SLEEPERS, type DropReason, type RingViews } from '../ring/layout'
import { RingConsumer, type ClaimedRecord } from '../ring/consumer'
import type { WorkerData, WorkerConfig, CollectTask, Collected } from '../shared/worker-protocol'
import type { WireEvent } from '../shared/types'
import { SDK_NAME } from '../shared/version'
import { scrubEvent, type ScrubOptions } from '../privacy/scrub'
import { formatDebug } from '../transports/transport'
import { EventBuilder } from './build-event'
import { ContextLines } from './context-lines'
import { SourceMaps } from './source-maps'
import { AppFiles } from './app-files'
import { fitPayload } from './truncate'
import { BodyPool } from './body-pool'
import { HttpTransport, type Body, type SendOutcome } from './http-transport'
import { writeStdout } from './stdout'
import { diagnoseOnce, setDiagnosticsHeader, tellOutcome, type Why } from './diagnostics'
import { Spool } from './spool'
import { scheduleReplay } from './replay'
import { ExitWindow } from './exit-window'
import { listenForBlockHandoffs } from './block-handoff'

// A delivery worker: drains the ring, turns each record into a finished event
// (frames mapped with their source maps, context lines, fingerprint, modules,
// scrubbing, size limit) and delivers it. For worker-side sinks it runs its own
// loop from start-up, parked in Atomics.waitAsync between bursts, so delivery
// needs no postMessage per event and keeps going while the main thread is
// blocked in its exit handler.

// How long a trickle of events gathers before it is claimed as one batch (after a wake-up from
// idle, or once a batch emptied the ring): the most a lone event waits for this.
const LINGER_MS = 10
const linger = (): Promise<void> => new Promise((resolve) => { setTimeout(resolve, LINGER_MS) })
const CAPACITY_POLL_MS = 100

const EXIT_WHY: Why = { kind: 'cut', text: 'events still queued when the process was ending (exit, or close()) could not all be sent in the time left' }

type Processed = { event: WireEvent, body: Buffer } | { drop: DropReason }

/** One worker thread's state, made from the workerData it was started with; start() begins its work. */
export class DeliveryWorker {
  private readonly cfg: WorkerConfig
  private readonly ring: RingViews
  private readonly consumer: RingConsumer
  private readonly scrubOptions: ScrubOptions
  private readonly builder: EventBuilder
  /** null unless the sink is the DSN's ingest. */
  private readonly http: HttpTransport | null
  /** null when the spool is off (and without http). */
  private readonly spool: Spool | null
  /** With the spool only: without one, there is nowhere else for queued events to go at exit. */
  private readonly exit: ExitWindow | null
  /** Sending plus waiting in the limiter: the worker's memory bound. */
  private readonly cap: number
  private readonly batchMax: number
  /** Claimed and not yet settled, in this worker. */
  private inFlight = 0
  private delivered = 0
  private wakeOnCapacity: (() => void) | null = null
  private readonly blockChannel: string
  /** For hand-offs when Node maps the main thread's stacks (so this.builder does not): made with the first. */
  private mappingBuilder: EventBuilder | null = null
  private readonly makeBuilder: (sourceMaps: boolean) => EventBuilder
  /** The bodies' memory: given back once nothing can read a body any more (body-pool.ts). */
  private readonly bodies = new BodyPool()

  constructor (data: WorkerData, threadId: number) {
    const cfg = this.cfg = data.config
    this.ring = viewRing(data.sab, data.capacity, data.slotCount)
    this.consumer = new RingConsumer(this.ring, threadId)
    this.blockChannel = data.blockChannel
    setDiagnosticsHeader(this.ring.header)
    this.scrubOptions = { sendDefaultPii: cfg.sendDefaultPii, authToken: cfg.authToken, denyKeys: cfg.denyKeys }
    const app = new AppFiles({ cwd: cfg.cwd, entryScript: cfg.entryScript, debug: cfg.debug })
    const lines = new ContextLines(app, this.scrubOptions)
    this.makeBuilder = (sourceMaps) => new EventBuilder({
      defaults: {
        sdkName: SDK_NAME,
        sdkVersion: cfg.sdkVersion,
        environment: cfg.environment,
        release: cfg.release,
        serverName: cfg.serverName,
        maxBreadcrumbs: cfg.maxBreadcrumbs
      },
      cwd: cfg.cwd,
      blobArea: this.ring.blobArea,
      maps: new SourceMaps({ enabled: sourceMaps, debug: cfg.debug, cwd: cfg.cwd }, app, lines),
      lines
    })
    this.builder = this.makeBuilder(cfg.sourceMaps)
    this.http = cfg.sink === 'http' ? new HttpTransport(cfg) : null
    this.spool = this.http !== null && cfg.spoolDir !== null && cfg.origin !== null && cfg.projectId !== null
      ? new Spool(cfg.spoolDir, cfg.spoolMaxBytes, cfg.spoolMaxAge, { origin: cfg.origin, project: cfg.projectId })
      : null
    this.exit = this.spool !== null && this.http !== null ? new ExitWindow(this.ring, this.http) : null
    this.cap = cfg.maxInFlight * 2
    this.batchMax = this.http?.batchLimit ?? 64
  }

  /** Worker-side sinks: the drain loop; with a spool, its replay. A main-thread sink waits for collect(). */
  start (): void {
    if (this.cfg.sink !== 'main') {
      void this.drainLoop()
      if (typeof this.blockChannel === 'string') listenForBlockHandoffs(this.blockChannel, (payload, flags, mapFrames) => { void this.deliverOffThread(payload, flags, mapFrames) })
    }
    if (this.spool !== null && this.http !== null) scheduleReplay(this.spool, this.http, this.ring, this.cfg.debug)
  }

  /** For main-thread transports: build up to max events and hand them back. */
  collect (msg: CollectTask): Collected[] {
    const out: Collected[] = []
    if (msg?.op !== 'collect') return out
    for (let i = 0; i < msg.max; i++) {
      const rec = this.consumer.claim()
      if (rec === null) break
      const done = this.process(rec)
      if ('drop' in done) this.consumer.settle(rec.seq, done.drop)
      else {
        // The main thread's transport sends the event, not these bytes.
        this.bodies.give(done.body)
        out.push({ seq: rec.seq, event: done.event })
      }
    }
    return out
  }

  /** Build, scrub and fit to maxPayloadSize (the JSON to send), or why the event is dropped. */
  private process (rec: ClaimedRecord, builder = this.builder): Processed {
    const { cfg } = this
    try {
      const event = scrubEvent(builder.build(rec.payload, rec.flags), this.scrubOptions)
      const body = fitPayload(event, cfg.maxPayloadSize, this.bodies)
      return body === null ? { drop: 'too_large' } : { event, body }
    } catch (err) {
      if (cfg.debug) diagnoseOnce('internal', `[xrayradar] could not build an event (${(err as Error).message}); counted as dropped: internal_error.`)
      return { drop: 'internal_error' }
    }
  }

  /**
   * An event built off the main thread (block-handoff.ts), not in the ring: counted captured in
   * the shared counters first, then its one outcome there. Same build, scrub, size limit, rate
   * limit and transport as any event; not spooled (the process is likely about to be killed).
   */
  private async deliverOffThread (payload: Uint8Array, flags: number, mapFrames: boolean): Promise<void> {
    const { header } = this.ring
    count(header, 'captured_off_thread')
    const builder = mapFrames && !this.cfg.sourceMaps ? (this.mappingBuilder ??= this.makeBuilder(true)) : this.builder
    const done = this.process({ seq: -1, flags, payload }, builder)
    if ('drop' in done) return count(header, done.drop)
    if (this.http === null) {
      this.bodies.give(done.body)
      if (this.cfg.sink === 'debug') writeStdout(formatDebug(done.event))
      return count(header, 'delivered')
    }
    let counted = false
    try {
      await this.http.sendBatch([done.body], (_i, outcome, why) => {
        if (why !== undefined) tellOutcome(why, outcome, this.cfg.debug)
        counted = true
        count(header, outcome)
      }, () => { this.bodies.give(done.body) })
    } finally {
      if (!counted) count(header, 'internal_error')
    }
  }

  // Claiming resumes only when a whole batch fits again: freeing slots one by one
  // would turn batches into single events, each paying a turn of the drain loop and a bottleneck
  // job (~0.2 ms of CPU, bench/limiter-cost.mjs).
  private settle (seq: number, outcome: SendOutcome): void {
    this.consumer.settle(seq, outcome)
    if (outcome === 'delivered') this.delivered++
    this.inFlight--
    if (this.wakeOnCapacity !== null && this.cap - this.inFlight >= this.batchMax) {
      const wake = this.wakeOnCapacity
      this.wakeOnCapacity = null
      wake()
    }
  }

  /**
   * Events that could not be delivered in time go to disk (one file for them all):
   * spooled, or dropped as spool_full (over spoolMaxBytes) or spool_error (the
   * directory refused or the write failed; the spool says why once on stderr).
   * neverSent: no socket was given these bodies, so their memory is reused.
   */
  private spoolAll (spool: Spool, bodies: readonly Body[], seqs: readonly number[], whys: ReadonlyArray<Why | undefined>, neverSent: boolean): void {
    const outcome = spool.writeBatch(bodies.map((b) => typeof b === 'string' ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')))
    if (neverSent) for (const b of bodies) this.bodies.give(b)
    // Told before settling: once settled, flush() may return and the process exit before the line.
    for (const why of new Set(whys)) if (why !== undefined) tellOutcome(why, outcome, this.cfg.debug)
    for (const seq of seqs) this.settle(seq, outcome)
  }

  /** Builds each event, then sends the batch as one limiter job weighted by its size (or spools it). */
  private async deliverBatch (recs: ClaimedRecord[], spooling: boolean): Promise<void> {
    const { cfg, http, spool } = this
    const bodies: Body[] = []
    const seqs: number[] = []
    for (const rec of recs) {
      const done = this.process(rec)
      if ('drop' in done) this.settle(rec.seq, done.drop)
      else if (http === null) {
        this.bodies.give(done.body)
        if (cfg.sink === 'debug') writeStdout(formatDebug(done.event))
        this.settle(rec.seq, 'delivered')
      } else {
        // Bytes, off the heap: an event waiting for its answer (or a retry) is not
        // copied by every young-generation GC meanwhile, and the socket needs bytes anyway.
        bodies.push(done.body)
        seqs.push(rec.seq)
      }
    }
    if (http === null || bodies.length === 0) return
    // At exit, once the backlog outgrows the time left, the disk and not the network sets the pace.
    if (spooling && spool !== null) {
      this.spoolAll(spool, bodies, seqs, [EXIT_WHY], true)
      return
    }
    const failed: number[] = []
    const whys: Array<Why | undefined> = []
    // A body's memory is reused once its only attempt was answered 2xx (sendBatch's onFree).
    const free = (i: number): void => { this.bodies.give(bodies[i] as Body) }
    await http.sendBatch(bodies, (i, outcome, why) => {
      if (spool !== null && (outcome === 'network_error' || outcome === 'rate_limited' || outcome === 'shutdown_timeout')) {
        failed.push(i)
        whys.push(why)
        return
      }
      // The line first: a settled event lets flush() return, and the process may exit at once.
      if (why !== undefined) tellOutcome(why, outcome, cfg.debug)
      this.settle(seqs[i] as number, outcome)
    }, free)
    if (failed.length === 0 || spool === null) return
    // One line per cause and outcome: the events of a batch mostly share their cause.
    this.spoolAll(spool, failed.map((i) => bodies[i] as Body), failed.map((i) => seqs[i] as number), whys, false)
  }

  private async sleepUntilWork (): Promise<void> {
    const { header } = this.ring
    const seen = Atomics.load(header, WRITE)
    Atomics.add(header, SLEEPERS, 1)
    try {
      // Re-check after announcing ourselves: a write before the increment saw no sleeper.
      if (Atomics.load(header, CLAIM) !== seen) return
      const res = Atomics.waitAsync(header, WRITE, seen, 1000)
      if (res.async) await res.value
    } finally {
      Atomics.sub(header, SLEEPERS, 1)
    }
  }

  private async drainLoop (): Promise<void> {
    const { consumer, batchMax } = this
    // waitAsync keeps nothing alive; piscina unrefs this thread, so this keeps the
    // worker, never the process.
    setInterval(() => {}, 1 << 30)
    for (;;) {
      // Spooling needs no network capacity: at exit, sends stuck on a slow ingest must not hold it up.
      const spooling = this.exit?.spooling(this.delivered) ?? false
      const room = spooling ? batchMax : Math.min(this.cap - this.inFlight, batchMax)
      if (room >= batchMax || (room > 0 && this.inFlight === 0)) {
        const batch: ClaimedRecord[] = []
        for (let rec = consumer.claim(); rec !== null; rec = batch.length < room ? consumer.claim() : null) batch.push(rec)
        if (batch.length > 0) {
          this.inFlight += batch.length
          // deliverBatch settles every record it was given, whatever happens.
          void this.deliverBatch(batch, spooling)
          // Spooling runs synchronously: let replies to sends still under way be handled between batches.
          if (spooling) await new Promise((resolve) => setImmediate(resolve))
          // The batch emptied the ring: what arrives next gathers for LINGER_MS before it is
          // claimed. Claimed at once, the events that came in while this batch was built went out
          // as batches of one or two (at 1,000/s a quarter of the batches, each a bottleneck job).
          else if (batch.length < room) await linger()
          continue
        }
      }
      if (this.cap - this.inFlight < batchMax) {
        // Polled as well: the spool window can open while every send is stuck.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, CAPACITY_POLL_MS)
          this.wakeOnCapacity = () => { clearTimeout(timer); resolve() }
        })
        this.wakeOnCapacity = null
      }
      else {
        await this.sleepUntilWork()
        // Woken from idle: let a few more events arrive so a trickle still travels in
        // batches (a wake-up, a turn of this loop and a bottleneck job cost the same for one event
        // as for many).
        await linger()
      }
    }
  }
}
