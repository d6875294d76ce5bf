import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { performance, type EventLoopUtilization } from 'node:perf_hooks'
import { createHook, type AsyncHook } from 'node:async_hooks'
import { ConfigurationError } from '../../shared/errors'
import { workerExecArgv } from '../../pool/exec-argv'
import { nodeMapsStacks } from '../../pool/node-source-maps'
import { describeThrown } from '../../capture/normalize'
import { getGlobalScope, getIsolationScope, scopeStorageTracksPromises } from '../../capture/hub'
import { claimEpisode } from '../../shared/loop-block'
import type { Integration, IntegrationClient } from '../../shared/integration'
import { blockedError } from './report'
import { eventLoopBlockWatcher, WATCH_DEBUGGER, WATCH_EXITING, WATCH_IDLE, WATCH_IDLE_POLLED, WATCH_ON, type WatchConfig, type WatchMessage } from './watcher'

// Event-loop block detection. The main thread proves it is alive by writing, from an unref'd
// timer, when its next heartbeat is due into shared memory; a dedicated watcher thread
// (watcher.ts) notices when that stops for thresholdMs and takes the main thread's stack
// through node:inspector.
//
// Idle: once the loop has done next to nothing for a second, the heartbeat stops and the
// watcher sleeps on the state word with no timeout, so an idle process is not woken at all
// (on a VM every wake-up of a thread is billed about 0.1% of the time it slept). An async hook
// armed only while idle (its `before` runs ahead of the next callback of any kind: I/O, timer,
// signal, message) brings both back before that callback runs, so a block that starts from
// idle is timed from its first callback. Nothing of it runs while the loop is busy. The hook
// must not track promises: an async hook that does makes Node install V8's promise hooks, and
// once they have been on, every await of the host is about 2x slower for good (measured on 20,
// 24 and 26). Node versions whose createHook takes trackPromises (24 and 26 as CI installs
// them) let a hook leave promises alone; on the others (20, 22) the hook is used only once the
// scope storage has turned promise hooks on anyway. Else the
// heartbeat stops all the same, and the watcher alone wakes, once a thresholdMs, to read the
// process's CPU time: when the process has used at least POLL_ACTIVE_SHARE of a core since its
// last look, it starts the watch again (it counts from now and asks the main thread for beats;
// a main thread stuck in a CPU-bound block never answers). A block spent asleep in a system
// call (Atomics.wait, execSync) that starts while idle is not seen then.
//
// Who sends the event: the ring has one producer, the main thread (its cursors and blob table
// are written without atomics), so the watcher cannot write a record while the main thread is
// stopped mid-anything. The watcher posts the paused frames on a MessagePort; if the loop
// resumes soon (within HANDOFF_AFTER_MS of the pause), the main thread captures them as one
// ordinary event, with how long the block lasted. If it is still stuck then (an endless loop,
// a process about to be killed), the watcher posts the frames and the scope snapshot on the
// delivery workers' BroadcastChannel, and one worker builds and sends the event there (the
// same enrichment, scrubbing, rate limit and transport; worker/block-handoff.ts). Each episode
// is claimed once in shared memory (CLAIM_INDEX): the main thread, on resume, sends nothing
// for an episode a worker took. The scope: the heartbeat re-packs it when it changed and posts
// it to the watcher, so the workers get the one current when the main thread last proved alive
// (the process-wide scope the heartbeat runs in). If the block ends in process.exit(), the
// 'exit' handler reads the port synchronously, so the event still goes out with the exit flush.

export interface EventLoopBlockOptions {
  /** A block is reported once the event loop has run no timer for this long (ms). Default 1000, at least 50. */
  thresholdMs?: number
  /** At most this many block events per hour (a rolling hour); the rest are counted as dropped: rate_limited. Default 6. */
  maxEventsPerHour?: number
}

// How often the main thread proves it is alive while its loop works: a block is noticed at most
// this long after thresholdMs. Nearly free in a busy process, whose loop is awake anyway.
const HEARTBEAT_INTERVAL_MS = 250
// A beat interval counts as idle when the loop was active (event-loop utilization) for less
// than this share of it; a beat itself takes a few µs of 250 ms.
const IDLE_ACTIVE_SHARE = 0.01
// Idle this many beats in a row (1 s) before the heartbeat stops; the next callback restarts it.
const IDLE_BEATS = 4
// Idle with no wake hook to use (above): the share of one core the process must have used since
// the watcher's last look for it to start the watch again. An idle process uses next to nothing
// (the watcher's own wake-up, a GC helper: under 0.2% here); a CPU-bound block a whole core; a
// lightly busy server more than this, so its heartbeat comes back and stays while its loop works.
const POLL_ACTIVE_SHARE = 0.02
// Below this, ordinary GC pauses and timer jitter would read as blocks.
const MIN_THRESHOLD_MS = 50
const DEFAULTS = { thresholdMs: 1000, maxEventsPerHour: 6 }
// A block that ends within this of its stack being taken is sent by the main thread, with how
// long it lasted; one still going on then is sent by the workers without waiting for it. Long
// enough for the usual slow parse to end, short enough that an event reaches the ingest
// before a supervisor's kill (a liveness probe's period is typically several seconds).
const HANDOFF_AFTER_MS = 1000
// The watcher holds a few closures and, during a capture, the URLs of the loaded scripts.
const WATCHER_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 2 }

function resolve (options: EventLoopBlockOptions | undefined): Required<EventLoopBlockOptions> {
  if (options === undefined) return { ...DEFAULTS }
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(`eventLoopBlockIntegration(options) takes an object such as { thresholdMs: 1000 }, not ${options === null ? 'null' : typeof options}.`)
  }
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) throw new ConfigurationError(`eventLoopBlockIntegration() has no option "${key}". The options are thresholdMs and maxEventsPerHour.`)
  }
  const thresholdMs = options.thresholdMs ?? DEFAULTS.thresholdMs
  const maxEventsPerHour = options.maxEventsPerHour ?? DEFAULTS.maxEventsPerHour
  if (typeof thresholdMs !== 'number' || !Number.isFinite(thresholdMs) || thresholdMs < MIN_THRESHOLD_MS) {
    throw new ConfigurationError(`eventLoopBlockIntegration({ thresholdMs }) must be a number of milliseconds of at least ${MIN_THRESHOLD_MS}, not ${String(thresholdMs)}. The default is 1000.`)
  }
  if (typeof maxEventsPerHour !== 'number' || !Number.isInteger(maxEventsPerHour) || maxEventsPerHour < 1) {
    throw new ConfigurationError(`eventLoopBlockIntegration({ maxEventsPerHour }) must be a whole number of at least 1, not ${String(maxEventsPerHour)}. The default is 6.`)
  }
  return { thresholdMs, maxEventsPerHour }
}

function debugLine (client: IntegrationClient, message: string): void {
  if (client.options.debug) process.stderr.write(`[xrayradar] eventLoopBlockIntegration: ${message}\n`)
}

/** node:inspector, or null when this Node was built without it or refuses it. */
function loadInspector (): typeof import('node:inspector') | null {
  try {
    const m = process.getBuiltinModule('node:inspector') as typeof import('node:inspector') | undefined
    return m !== undefined && typeof m.Session === 'function' ? m : null
  } catch {
    return null
  }
}

// The delivery workers start with the first event, not at init (an idle process pays nothing
// for them). A block still going on when the watcher hands it over needs them running, and a
// stuck main thread cannot start them; so the watcher starts them from the paused main thread
// (Debugger.evaluateOnCallFrame) when it takes the stack, through this process-wide registry
// (per watch, by its channel): an inspector expression reaches only what a global does.
const DELIVERY_STARTS = 'xrayradar.eventLoopBlock.deliveryStarts'
function deliveryStarts (): Map<string, () => void> {
  const g = globalThis as unknown as Record<symbol, Map<string, () => void> | undefined>
  return (g[Symbol.for(DELIVERY_STARTS)] ??= new Map())
}

/**
 * Whether this Node honours createHook({ trackPromises: false }) (24 and 26): it refuses that
 * option next to a promiseResolve callback, where one that does not know it ignores both.
 */
function asyncHooksCanSkipPromises (): boolean {
  try {
    createHook({ trackPromises: false, promiseResolve () {} } as Parameters<typeof createHook>[0])
    return false
  } catch (err) {
    return (err as { code?: unknown }).code === 'ERR_INVALID_ARG_VALUE'
  }
}

/** One client's watch: the heartbeat, the watcher thread, the port, the exit hook. */
class Watch {
  private readonly beat: Float64Array
  private readonly state: Int32Array
  /** The same shared memory as Int32 words: CLAIM_INDEX is the latest episode claimed. */
  private readonly words: Int32Array
  /** The workers' hand-off channel; null: the main thread alone sends the event, on resume. */
  private readonly channel: string | null
  /** Where the watcher finds this watch's start of the delivery workers (DELIVERY_STARTS), or null. */
  private readonly startKey: string | null
  /** Ids of the scope bytes last posted to the watcher (global data, crumbs, isolation data, crumbs). */
  private scopeIds: number[] = []
  private readonly port: MessagePort
  private readonly worker: Worker
  /** The heartbeat's timer; null while the loop is idle (the wake hook is armed instead). */
  private timer: NodeJS.Timeout | null = null
  /** Armed only while idle: its `before` runs ahead of the loop's next callback and restarts the heartbeat. */
  private readonly wakeHook: AsyncHook
  /** The wake hook leaves promises alone (trackPromises: false is honoured). */
  private readonly hookSkipsPromises = asyncHooksCanSkipPromises()
  /** Idle beats in a row (IDLE_BEATS), and the loop's utilization at the latest beat. */
  private idleBeats = 0
  private elu: EventLoopUtilization = performance.eventLoopUtilization()
  private readonly mapHere = nodeMapsStacks()
  private saidDebugger = false
  private saidIdle = false
  /** Settles once: true when the watcher thread runs its checks, false when it never will. */
  readonly watching: Promise<boolean>
  private settleWatching: (on: boolean) => void = () => {}

  constructor (private readonly client: IntegrationClient, private readonly opts: Required<EventLoopBlockOptions>, private readonly inspector: typeof import('node:inspector')) {
    this.watching = new Promise<boolean>((resolve) => { this.settleWatching = resolve })
    const sab = new SharedArrayBuffer(16)
    this.beat = new Float64Array(sab, 0, 1)
    this.state = new Int32Array(sab, 8, 1)
    this.words = new Int32Array(sab)
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    const delivery = client.offThreadDelivery?.() ?? null
    this.channel = delivery?.channel ?? null
    this.startKey = delivery === null ? null : delivery.channel
    if (delivery !== null) deliveryStarts().set(delivery.channel, delivery.start)
    this.tick()
    const watch: WatchConfig = {
      sab,
      port: port2,
      thresholdMs: opts.thresholdMs,
      intervalMs: HEARTBEAT_INTERVAL_MS,
      idleState: WATCH_IDLE,
      polledState: WATCH_IDLE_POLLED,
      pollActiveShare: POLL_ACTIVE_SHARE,
      hookSkipsPromises: this.hookSkipsPromises,
      maxEventsPerHour: opts.maxEventsPerHour,
      ownFunctions: [xrayradarHeartbeat.name, xrayradarLoopBlockExit.name, xrayradarLoopBlockWake.name],
      debug: client.options.debug,
      handoff: this.channel,
      handoffAfterMs: HANDOFF_AFTER_MS,
      mapFrames: this.mapHere,
      startExpression: this.startKey === null ? null : `void globalThis[Symbol.for(${JSON.stringify(DELIVERY_STARTS)})]?.get(${JSON.stringify(this.startKey)})?.()`
    }
    // xrayradarWorker: a preload that calls init() in every thread starts no SDK in this one.
    this.worker = new Worker(`(${eventLoopBlockWatcher.toString()})()`, {
      eval: true,
      workerData: { xrayradarWorker: true, watch },
      transferList: [port2],
      execArgv: workerExecArgv().accepted,
      resourceLimits: WATCHER_LIMITS
    })
    // Never holds the process: it ends exactly when it would without the watcher.
    this.worker.unref()
    this.worker.on('error', (err) => {
      this.settleWatching(false)
      debugLine(client, `the watcher thread failed (${describeThrown(err)}); blocks are not reported.`)
    })
    this.worker.on('exit', () => this.settleWatching(false))
    this.port.on('message', (m: WatchMessage) => this.onMessage(m))
    this.port.unref()
    this.wakeHook = createHook({ before: () => { xrayradarLoopBlockWake(this) }, trackPromises: false } as Parameters<typeof createHook>[0])
    this.startBeats()
    // First, before the pipeline's exit flush (which may block for shutdownTimeout): that is not a block.
    process.prependListener('exit', this.onExit)
  }

  private startBeats (): void {
    this.timer = setInterval(xrayradarHeartbeat, HEARTBEAT_INTERVAL_MS, this)
    this.timer.unref()
  }

  /** The heartbeat (also: is a debugger attached now? has the loop gone idle, or come back?). */
  tick (): void {
    const attached = this.inspector.url() !== undefined
    if (attached && !this.saidDebugger) {
      this.saidDebugger = true
      debugLine(this.client, 'a debugger is attached (inspector.url() is set); blocks are not reported while it is.')
    }
    if (this.channel !== null) this.postScope()
    if (!attached && this.timer !== null && this.loopIdle()) return this.sleep()
    // When the next beat is due: the watcher counts a block from then (a beat is not late before it).
    this.beat[0] = Date.now() + HEARTBEAT_INTERVAL_MS
    Atomics.store(this.state, 0, attached ? WATCH_DEBUGGER : WATCH_ON)
  }

  /** Whether the loop has done next to nothing for IDLE_BEATS beats in a row. */
  private loopIdle (): boolean {
    const now = performance.eventLoopUtilization()
    const busy = performance.eventLoopUtilization(now, this.elu).utilization >= IDLE_ACTIVE_SHARE
    this.elu = now
    this.idleBeats = busy ? 0 : this.idleBeats + 1
    return this.idleBeats >= IDLE_BEATS
  }

  /** The wake hook can be armed without a lasting cost to the host (see the top of this file). */
  private canArmWakeHook (): boolean {
    return this.hookSkipsPromises || scopeStorageTracksPromises()
  }

  private sayIdle (what: string): void {
    if (this.saidIdle) return
    this.saidIdle = true
    debugLine(this.client, `the event loop is idle: ${what} (said once).`)
  }

  /**
   * Idle: no more beats. The watcher sleeps until the wake hook sees the loop's next callback,
   * or, with no hook to arm, looks at the process's CPU time once a thresholdMs.
   */
  private sleep (): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    if (!this.canArmWakeHook()) {
      this.sayIdle('the heartbeat stops; the watcher restarts it when the process works again (its CPU time, read once a thresholdMs)')
      Atomics.store(this.state, 0, WATCH_IDLE_POLLED)
      return
    }
    this.sayIdle('the heartbeat stops until its next callback, and the watcher sleeps')
    this.wakeHook.enable()
    Atomics.store(this.state, 0, WATCH_IDLE)
  }

  /**
   * The watcher saw the process work while idle (no wake hook), set the state back to on and
   * counts from now: beat again. Not once exit began or the watch closed (the state then says
   * so): a restarted watch would take the exit flush for a block.
   */
  private resume (): void {
    if (this.timer !== null || Atomics.load(this.state, 0) !== WATCH_ON || this.client.isClosed) return
    this.restart()
  }

  /** The loop runs a callback again after being idle: beat at once, restart the heartbeat, wake the watcher. */
  wake (): void {
    this.wakeHook.disable()
    if (this.timer !== null || Atomics.load(this.state, 0) !== WATCH_IDLE) return
    this.restart()
    Atomics.notify(this.state, 0)
  }

  /** Back from idle: the heartbeat again, and one beat now (which also sees a debugger attached meanwhile and posts the scope). */
  private restart (): void {
    this.idleBeats = 0
    this.elu = performance.eventLoopUtilization()
    this.startBeats()
    this.tick()
  }

  /** The scope as packed for captures, posted to the watcher when it changed: per heartbeat, nothing per capture. */
  private postScope (): void {
    try {
      const g = getGlobalScope()
      const i = getIsolationScope()
      // Packed only if changed since the last capture or heartbeat; otherwise the cached bytes.
      const scope = [g.dataBytes(), g.crumbBytes(), i.dataBytes(), i.crumbBytes()]
      const ids = [g.dataId, g.crumbId, i.dataId, i.crumbId]
      if (ids.every((id, k) => id === this.scopeIds[k])) return
      this.scopeIds = ids
      this.port.postMessage({ type: 'scope', scope })
    } catch {}
  }

  private readonly onExit = (): void => { xrayradarLoopBlockExit(this) }

  /** Exit: stop watching, and capture what the watcher reported during the block that ended in exit. */
  exiting (): void {
    this.wakeHook.disable()
    Atomics.store(this.state, 0, WATCH_EXITING)
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) this.onMessage(m.message as WatchMessage)
  }

  private onMessage (m: WatchMessage): void {
    const client = this.client
    if (m.type === 'ready' || m.type === 'unavailable') this.settleWatching(m.type === 'ready')
    if (m.type === 'resume') return this.resume()
    if (client.isClosed) return
    try {
      if (m.type === 'ready') {
        debugLine(client, `watching the main thread (a block is reported after ${this.opts.thresholdMs} ms).`)
      } else if (m.type === 'block') {
        if (!claimEpisode(this.words, m.episode)) {
          debugLine(client, 'the block was reported by the delivery workers while it lasted; nothing more is sent for it.')
          return
        }
        // The loop runs again (this is the main thread): the block lasted about this long (since the missed beat was due).
        const lasted = Math.max(this.opts.thresholdMs, Math.round(Date.now() - m.since))
        client.captureException(blockedError(this.opts.thresholdMs, m.frames, this.mapHere), {
          level: 'error',
          mechanism: { type: 'event_loop_block', handled: false },
          extra: { event_loop_blocked_ms: lasted, event_loop_block_ended: true, event_loop_block_threshold_ms: this.opts.thresholdMs }
        })
      } else if (m.type === 'limited') {
        client.countUnsent?.('rate_limited')
        debugLine(client, `a block was not reported: maxEventsPerHour (${this.opts.maxEventsPerHour}) reached (counted as dropped: rate_limited).`)
      } else if (m.type === 'missed') {
        debugLine(client, `a block of at least ${this.opts.thresholdMs} ms was seen but not reported: ${m.why}.`)
      } else if (m.type === 'unavailable') {
        debugLine(client, `${m.why}; blocks are not reported.`)
      }
    } catch {}
  }

  close (): void {
    this.settleWatching(false)
    this.wakeHook.disable()
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    process.removeListener('exit', this.onExit)
    if (this.startKey !== null) deliveryStarts().delete(this.startKey)
    Atomics.store(this.state, 0, WATCH_EXITING)
    this.port.close()
    void this.worker.terminate().catch(() => {})
  }
}

/** What eventLoopBlockIntegration() returns: an Integration, plus a way to know the watch has begun. */
export interface EventLoopBlockIntegration extends Integration {
  /**
   * @internal — settles true once the watcher thread is running its checks (a block from then
   * on is detected), false when it never will (no node:inspector, the thread could not start or
   * ended, the client closed, or init() has not set this integration up). It holds nothing open:
   * a caller that awaits it in an otherwise idle process keeps its own handle. For tests and
   * diagnostics: a block that starts before this settles true may go unseen.
   */
  whenWatching: () => Promise<boolean>
}

// Named: the watcher discards a pause that lands in one of these (the loop was running again).
function xrayradarHeartbeat (w: Watch): void { w.tick() }
function xrayradarLoopBlockExit (w: Watch): void { w.exiting() }
function xrayradarLoopBlockWake (w: Watch): void { w.wake() }

/**
 * Reports a main thread that stopped running its event loop for thresholdMs (a long
 * synchronous parse, a catastrophic regex, a busy wait): one `EventLoopBlocked` event per
 * episode with the stack where it was stuck. Opt-in; see docs/integrations.md.
 */
export function eventLoopBlockIntegration (options?: EventLoopBlockOptions): EventLoopBlockIntegration {
  const opts = resolve(options)
  // The latest client's watch (one per client: the latest setup is the one whenWatching() reports on).
  let watching = Promise.resolve(false)
  return {
    name: 'EventLoopBlock',
    whenWatching: () => watching,
    setup (client) {
      watching = Promise.resolve(false)
      const inspector = loadInspector()
      if (inspector === null) {
        debugLine(client, 'node:inspector is not available in this process; blocks are not reported.')
        return
      }
      let watch: Watch
      try {
        watch = new Watch(client, opts, inspector)
      } catch (err) {
        debugLine(client, `cannot start the watcher thread (${describeThrown(err)}); blocks are not reported.`)
        return
      }
      watching = watch.watching
      return () => watch.close()
    }
  }
}
