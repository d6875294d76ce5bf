import { workerData, threadId } from 'node:worker_threads'
import { viewRing, exitGeneration, WRITE, CLAIM, SLEEPERS, ENQ, SETTLED, type DropReason } from '../ring/layout'
import { RingConsumer, type ClaimedRecord } from '../ring/consumer'
import type { WorkerData, CollectTask, Collected } from '../shared/worker-protocol'
import type { EventDefaults } from '../event/assemble'
import type { WireEvent } from '../shared/types'
import { SDK_NAME } from '../shared/version'
import { decodeRecord, enrichEvent } from './build-event'
import { scrubEvent, type ScrubOptions } from '../privacy/scrub'
import { setSourceScrubbing } from './context-lines'
import { setSourceMapping } from './source-maps'
import { AppFiles } from './app-files'
import { fitPayload } from './truncate'
import { HttpTransport, type SendOutcome } from './http-transport'
import { formatDebug } from '../transports/transport'
import { writeStdout } from './stdout'
import { diagnoseOnce, setDiagnosticsHeader, tellOutcome, type Why } from './diagnostics'
import { Spool } from './spool'
import { scheduleReplay } from './replay'

// The piscina worker: drains the ring, turns each record into a finished event
// (frames mapped with their source maps, context lines, fingerprint, modules,
// scrubbing, size limit) and delivers it. For worker-side sinks it runs its own
// loop from start-up, parked in Atomics.waitAsync between bursts, so delivery
// needs no postMessage per event and keeps going while the main thread is
// blocked in its exit handler.

const data = workerData as WorkerData
const cfg = data.config
const ring = viewRing(data.sab, data.capacity, data.slotCount)
const { header } = ring
const consumer = new RingConsumer(ring, threadId)
setDiagnosticsHeader(header)

const defaults: EventDefaults = {
  sdkName: SDK_NAME,
  sdkVersion: cfg.sdkVersion,
  environment: cfg.environment,
  release: cfg.release,
  serverName: cfg.serverName,
  maxBreadcrumbs: cfg.maxBreadcrumbs
}
const scrubOptions: ScrubOptions = { sendDefaultPii: cfg.sendDefaultPii, authToken: cfg.authToken, denyKeys: cfg.denyKeys }
setSourceScrubbing(scrubOptions)
setSourceMapping({ enabled: cfg.sourceMaps, debug: cfg.debug })
const appFiles = new AppFiles({ cwd: cfg.cwd, entryScript: cfg.entryScript, debug: cfg.debug })
const http = cfg.sink === 'http' ? new HttpTransport(cfg) : null
const spool = http !== null && cfg.spoolDir !== null && cfg.origin !== null && cfg.projectId !== null
  ? new Spool(cfg.spoolDir, cfg.spoolMaxBytes, cfg.spoolMaxAge, { origin: cfg.origin, project: cfg.projectId })
  : null

/**
 * Events that could not be delivered in time go to disk (one file for them all):
 * spooled, or dropped as spool_full (over spoolMaxBytes) or spool_error (the
 * directory refused or the write failed; the spool says why once on stderr).
 */
function spoolAll (bodies: readonly string[], seqs: readonly number[], whys: ReadonlyArray<Why | undefined>): SendOutcome {
  const outcome = (spool as Spool).writeBatch(bodies)
  // Told before settling: once settled, flush() may return and the process exit before the line.
  for (const why of new Set(whys)) if (why !== undefined) tellOutcome(why, outcome, cfg.debug)
  for (const seq of seqs) settle(seq, outcome)
  return outcome
}

// At exit the worker first sends for a moment to learn what the network takes now
// (a rate measured earlier reflects the load then, not the capacity), then spools
// the part of the backlog that rate cannot clear before exitTimes[0].
const RATE_PROBE_MS = 250
let delivered = 0 // by this worker
let exitSeen = 0 // the announcement the probe below belongs to
let exitSeenAt = 0
let deliveredAtExit = 0
let exitRate = -1

/**
 * The process is ending and what is queued cannot all be sent in time: queued
 * events go to the disk instead, oldest first (they are claimed in order). From
 * exitTimes[0] on, everything still queued does.
 */
function spoolWindow (): boolean {
  const now = Date.now()
  const gen = spool === null ? 0 : exitGeneration(ring, now)
  if (gen === 0) return false
  if (gen !== exitSeen) {
    exitSeen = gen
    exitSeenAt = now
    deliveredAtExit = delivered
    exitRate = -1
    scheduleCut(gen)
  }
  const left = (ring.exitTimes[0] as number) - now
  if (left <= 0) return true
  if (exitRate < 0) {
    const probed = now - exitSeenAt
    if (probed < RATE_PROBE_MS) return false
    // Fixed once measured: while the worker spools it sends less, which is no news about the network.
    exitRate = (delivered - deliveredAtExit) / probed // events per ms
  }
  const backlog = (Atomics.load(header, ENQ) - Atomics.load(header, SETTLED)) >>> 0
  return backlog > exitRate * left
}

// Sends still under way when the spool window opens (exitTimes[0]) get part of
// what is left before the deadline to finish. Halfway through it, sends not
// awaiting an answer (queued in the limiter, in retry back-off) stop and are
// spooled; at three quarters, requests still awaiting one (a hung ingest) are
// aborted and spooled too. A request that a healthy ingest is answering is not
// aborted before then: the event may already be stored, and a spooled copy would
// be sent twice. The last quarter is for the spool writes (well under a
// millisecond a file) and for the main thread to see them settled in time.
const CUT_WAITING_AT = 0.5
const CUT_ASKING_AT = 0.75
let cutTimers: NodeJS.Timeout[] = []

function scheduleCut (gen: number): void {
  if (http === null) return
  for (const timer of cutTimers) clearTimeout(timer)
  const open = ring.exitTimes[0] as number
  const span = (ring.exitTimes[1] as number) - open
  cutTimers = [CUT_WAITING_AT, CUT_ASKING_AT].map((share, k) => setTimeout(() => {
    // A newer announcement (or none: the process lived on) has its own timers, or none.
    if (exitGeneration(ring, Date.now()) === gen) http.cut(k === 1)
  }, Math.max(0, open + span * share - Date.now())))
}

type Processed = { event: WireEvent, body: string } | { drop: DropReason }

export function processRecord (rec: ClaimedRecord): Processed {
  try {
    const event = scrubEvent(enrichEvent(decodeRecord(rec.payload, rec.flags, defaults, ring.blobArea), cfg.cwd, appFiles), scrubOptions)
    const body = fitPayload(event, cfg.maxPayloadSize)
    return body === null ? { drop: 'too_large' } : { event, body }
  } catch (err) {
    if (cfg.debug) diagnoseOnce('internal', `[xrayradar] could not build an event (${(err as Error).message}); counted as dropped: internal_error.`)
    return { drop: 'internal_error' }
  }
}

const LINGER_MS = 10
const CAPACITY_POLL_MS = 100
let inFlight = 0 // claimed and not yet settled, in this worker
let wakeOnCapacity: (() => void) | null = null

// Claiming resumes only when a whole batch fits again: freeing slots one by one
// would turn batches into single events, each paying the limiter's per-job cost.
const cap = cfg.maxInFlight * 2 // sending plus waiting in the limiter: the worker's memory bound
const batchMax = http?.batchLimit ?? 64

function settle (seq: number, outcome: SendOutcome): void {
  consumer.settle(seq, outcome)
  if (outcome === 'delivered') delivered++
  inFlight--
  if (wakeOnCapacity !== null && cap - inFlight >= batchMax) {
    const wake = wakeOnCapacity
    wakeOnCapacity = null
    wake()
  }
}

const EXIT_WHY: Why = { kind: 'cut', text: 'events still queued when the process was ending (exit, or close()) could not all be sent in the time left' }

/** Builds each event, then sends the batch as one limiter job weighted by its size (or spools it). */
async function deliverBatch (recs: ClaimedRecord[], spooling: boolean): Promise<void> {
  const bodies: string[] = []
  const seqs: number[] = []
  for (const rec of recs) {
    const done = processRecord(rec)
    if ('drop' in done) settle(rec.seq, done.drop)
    else if (http === null) {
      if (cfg.sink === 'debug') writeStdout(formatDebug(done.event))
      settle(rec.seq, 'delivered')
    } else {
      bodies.push(done.body)
      seqs.push(rec.seq)
    }
  }
  if (http === null || bodies.length === 0) return
  // At exit, once the backlog outgrows the time left, the disk and not the network sets the pace.
  if (spooling) {
    spoolAll(bodies, seqs, [EXIT_WHY])
    return
  }
  const failed: number[] = []
  const whys: Array<Why | undefined> = []
  await http.sendBatch(bodies, (i, outcome, why) => {
    if (spool !== null && (outcome === 'network_error' || outcome === 'rate_limited' || outcome === 'shutdown_timeout')) {
      failed.push(i)
      whys.push(why)
      return
    }
    // The line first: a settled event lets flush() return, and the process may exit at once.
    if (why !== undefined) tellOutcome(why, outcome, cfg.debug)
    settle(seqs[i] as number, outcome)
  })
  if (failed.length === 0) return
  // One line per cause and outcome: the events of a batch mostly share their cause.
  spoolAll(failed.map((i) => bodies[i] as string), failed.map((i) => seqs[i] as number), whys)
}

async function sleepUntilWork (): Promise<void> {
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

async function drainLoop (): Promise<void> {
  // waitAsync keeps nothing alive; piscina unrefs this thread, so this keeps the
  // worker, never the process.
  setInterval(() => {}, 1 << 30)
  for (;;) {
    // Spooling needs no network capacity: at exit, sends stuck on a slow ingest must not hold it up.
    const spooling = spoolWindow()
    const room = spooling ? batchMax : Math.min(cap - inFlight, batchMax)
    if (room >= batchMax || (room > 0 && inFlight === 0)) {
      const batch: ClaimedRecord[] = []
      for (let rec = consumer.claim(); rec !== null; rec = batch.length < room ? consumer.claim() : null) batch.push(rec)
      if (batch.length > 0) {
        inFlight += batch.length
        // deliverBatch settles every record it was given, whatever happens.
        void deliverBatch(batch, spooling)
        // Spooling runs synchronously: let replies to sends still under way be handled between batches.
        if (spooling) await new Promise((resolve) => setImmediate(resolve))
        continue
      }
    }
    if (cap - inFlight < batchMax) {
      // Polled as well: the spool window can open while every send is stuck.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CAPACITY_POLL_MS)
        wakeOnCapacity = () => { clearTimeout(timer); resolve() }
      })
      wakeOnCapacity = null
    }
    else {
      await sleepUntilWork()
      // Woken from idle: let a few more events arrive so a trickle still travels in
      // batches (each limiter job costs far more than an event's share of one).
      await new Promise((resolve) => setTimeout(resolve, LINGER_MS))
    }
  }
}

if (cfg.sink !== 'main') void drainLoop()

if (spool !== null && http !== null) scheduleReplay(spool, http, ring, cfg.debug)


/** For main-thread transports: build up to max events and hand them back. */
export default function task (msg: CollectTask): Collected[] {
  const out: Collected[] = []
  if (msg?.op !== 'collect') return out
  for (let i = 0; i < msg.max; i++) {
    const rec = consumer.claim()
    if (rec === null) break
    const done = processRecord(rec)
    if ('drop' in done) consumer.settle(rec.seq, done.drop)
    else out.push({ seq: rec.seq, event: done.event })
  }
  return out
}
