// The watcher: a small dedicated thread that notices when the main thread's heartbeat stops
// and takes the main thread's stack through node:inspector. A dedicated thread, not one of the
// piscina delivery workers: those run short tasks and drain the ring; a watcher must be free at
// any moment to open an inspector session while a delivery worker may be busy sending, and
// a task that never ends would take a pool thread for good.
//
// It runs from its own source text (new Worker(source, { eval: true })), so it needs no file
// on disk: it works unchanged in a bundle. Hence the rules for this function: self-contained
// (no import, no outside helper), built-ins through process.getBuiltinModule() (which no
// bundler rewrites), plain ES2022.

import type { PausedFrame, BlockHandoff } from '../../shared/loop-block'
export type { PausedFrame } from '../../shared/loop-block'

/** What the main thread gives the watcher (workerData.watch). */
export interface WatchConfig {
  /** [0] Float64: Date.now() when the next heartbeat is due (the latest one wrote it). At byte 8, Int32: WATCH_* state; at byte 12, Int32: the latest episode claimed (shared/loop-block.ts). */
  sab: SharedArrayBuffer
  port: import('node:worker_threads').MessagePort
  thresholdMs: number
  /** The heartbeat's interval while the main thread's loop works: also how often the watcher re-checks during a block and re-posts a hand-off. */
  intervalMs: number
  /** The state word's WATCH_IDLE and WATCH_IDLE_POLLED (this function's source cannot import them). */
  idleState: number
  polledState: number
  /** Idle and polled: the share of one core the process must have used since the last look to resume the watch. */
  pollActiveShare: number
  /** The main thread arms a wake hook when idle on this Node: the watcher then never polls (and keeps no CPU baseline). */
  hookSkipsPromises: boolean
  maxEventsPerHour: number
  /** Functions of ours the main thread may be in when a late pause lands: such a pause says nothing about the block. */
  ownFunctions: string[]
  /** The client's `debug` option: the watcher then says itself where the main thread is stuck. */
  debug: boolean
  /** The delivery workers' BroadcastChannel, or null: then only the main thread, once it resumes, sends the event. */
  handoff: string | null
  /** How long after the stack was taken a main thread still stuck has its event sent by the workers. */
  handoffAfterMs: number
  /** Node maps the main thread's stacks (--enable-source-maps): the workers then map the paused frames. */
  mapFrames: boolean
  /**
   * Evaluated on the paused main thread when a block is seen (null: nothing): starts the
   * delivery workers if they are not running yet, so they are there to take a hand-off.
   */
  startExpression: string | null
}

/** State word (Int32 at byte 8): the main thread writes it, the watcher reads it. */
export const WATCH_ON = 0
/** The process is exiting (its own exit handlers may block for shutdownTimeout): not a block to report. */
export const WATCH_EXITING = 1
/** A debugger is attached (inspector.url() set): ours would clash with it. */
export const WATCH_DEBUGGER = 2
/** The main thread's loop is idle and its heartbeat stopped; it notifies the word when it runs a callback again. */
export const WATCH_IDLE = 3
/** Idle, heartbeat stopped, no wake hook: the watcher reads the process's CPU time and posts 'resume' when it works again. */
export const WATCH_IDLE_POLLED = 4

/** From the main thread to the watcher: the scope as it was at the latest heartbeat that saw it change. */
export interface ScopeMessage { type: 'scope', scope: Uint8Array[] }

/** Messages from the watcher to the main thread. since: Date.now() when the missed heartbeat was due (the loop has been stuck at least since then). */
export type WatchMessage =
  | { type: 'ready' }
  | { type: 'resume' }
  | { type: 'block', since: number, frames: PausedFrame[], episode: number }
  | { type: 'limited', since: number }
  | { type: 'missed', since: number, why: string }
  | { type: 'unavailable', why: string }

export function eventLoopBlockWatcher (): void {
  const { workerData } = process.getBuiltinModule('node:worker_threads')
  const cfg = workerData.watch
  const port = cfg.port
  // When the main thread's next heartbeat is due.
  const beat = new Float64Array(cfg.sab, 0, 1)
  const state = new Int32Array(cfg.sab, 8, 1)
  const claimed = new Int32Array(cfg.sab)
  // Never sooner than this between two checks.
  const MIN_CHECK_MS = 50
  // Never later: a beat is due at most intervalMs ahead (more only after a clock step).
  const MAX_CHECK_MS = cfg.thresholdMs + cfg.intervalMs
  // Idle and polled: the process's CPU time (µs) and Date.now() at the latest look, or null.
  let lookedAt: { cpuUs: number, at: number } | null = null
  // A reported block is the same episode until the heartbeat moves: one event per episode.
  let episodeDue = -1
  // When the episodes reported this past hour were taken (the maxEventsPerHour window).
  const reported: number[] = []
  // Numbers the episodes whose stack was taken: the claim word (shared/loop-block.ts) holds the latest one someone took.
  let episode = 0
  // The main thread's latest scope snapshot (ScopeMessage), for an event the workers send.
  let scope: Uint8Array[] = []
  port.on('message', (m: any) => { if (m?.type === 'scope' && Array.isArray(m.scope)) scope = m.scope })
  const WorkerChannel = process.getBuiltinModule('node:worker_threads').BroadcastChannel
  let channel: any = null
  let inspector: any = null
  try {
    inspector = process.getBuiltinModule('node:inspector')
  } catch {}
  if (inspector === null || inspector === undefined || typeof inspector.Session !== 'function') {
    port.postMessage({ type: 'unavailable', why: 'node:inspector is not available in this Node build' })
    return
  }

  // Written straight to fd 2: a worker's process.stderr goes through the main thread, which is
  // the one stuck. It says who will send the event, not that it was sent: stats() tells that.
  function sayStuck (due: number, top: PausedFrame | undefined): void {
    const where = top === undefined ? 'no JavaScript frame' : `${top.fn === '' ? '<anonymous>' : top.fn} (${top.url}:${top.line}:${top.col})`
    try {
      process.getBuiltinModule('node:fs').writeSync(2, `[xrayradar] eventLoopBlockIntegration: the main thread has run no timer for ${Date.now() - due} ms; it is in ${where}. ` +
        (cfg.handoff === null
          ? 'The event is captured when its event loop runs again or it calls process.exit(); not if it never does (an endless loop, a kill): its transport sends on the main thread.\n'
          : `If it is still stuck ${cfg.handoffAfterMs} ms from now, the delivery workers send the event; otherwise the main thread does.\n`))
    } catch {}
  }

  function schedule (delay: number): void {
    setTimeout(check, Math.max(MIN_CHECK_MS, Math.min(delay, MAX_CHECK_MS)))
  }

  // Wakes once per thresholdMs or so while the main thread beats (an idle process's wake-ups
  // are its cost): when a beat missed from now on would be thresholdMs late.
  function check (): void {
    // The main thread's loop is idle and its heartbeat stopped: sleep, with no timer, until it
    // runs a callback again (it notifies). Terminating this thread interrupts the wait.
    while (Atomics.load(state, 0) === cfg.idleState) Atomics.wait(state, 0, cfg.idleState)
    const now = Date.now()
    if (Atomics.load(state, 0) === cfg.polledState) return look(now)
    // The baseline of the first look once the main thread goes idle.
    if (cfg.hookSkipsPromises !== true) lookedAt = { cpuUs: cpuNow(), at: now }
    const due = beat[0] as number
    if (Atomics.load(state, 0) !== 0 || due === episodeDue) return schedule(cfg.intervalMs)
    // How late the due heartbeat is: the main thread has run no timer for at least this long.
    const late = now - due
    if (late < cfg.thresholdMs) return schedule(due + cfg.thresholdMs - now)
    episodeDue = due
    while (reported.length > 0 && (reported[0] as number) <= now - 3600000) reported.shift()
    if (reported.length >= cfg.maxEventsPerHour) {
      // Over the limit: the main thread is not even paused.
      port.postMessage({ type: 'limited', since: due })
      return schedule(cfg.intervalMs)
    }
    reported.push(now)
    capture(due)
  }

  // Idle with no wake hook: has the process worked since the last look? Then count from now and
  // ask the main thread for beats; if it is stuck, none comes and check() sees the block.
  function cpuNow (): number {
    const used = process.cpuUsage()
    return used.user + used.system
  }

  function look (now: number): void {
    const cpuUs = cpuNow()
    const before = lookedAt
    lookedAt = { cpuUs, at: now }
    if (before !== null && (cpuUs - before.cpuUs) / 1000 >= cfg.pollActiveShare * (now - before.at) &&
        Atomics.compareExchange(state, 0, cfg.polledState, 0) === cfg.polledState) {
      lookedAt = null
      beat[0] = now + cfg.intervalMs
      port.postMessage({ type: 'resume' })
      return schedule(cfg.intervalMs + cfg.thresholdMs)
    }
    schedule(cfg.thresholdMs)
  }

  function capture (due: number): void {
    let session: any
    try {
      session = new inspector.Session()
      session.connectToMainThread()
    } catch (err: any) {
      port.postMessage({ type: 'unavailable', why: `cannot open an inspector session on the main thread (${String(err?.message ?? err)})` })
      return
    }
    const urls = new Map<string, string>()
    let finished = false
    // An inspector session holds nothing open: without this the watcher's loop would end (and
    // the thread exit) while it waits for the pause. The thread itself is unref'd.
    const keepAlive = setInterval(() => {}, 60000)
    // Resume first, then disable (the debugger slows the whole process while enabled), then disconnect.
    const finish = (): void => {
      if (finished) return
      finished = true
      session.post('Debugger.resume', () => {
        session.post('Debugger.disable', () => {
          try { session.disconnect() } catch {}
          clearInterval(keepAlive)
          schedule(cfg.intervalMs)
        })
      })
    }
    session.on('Debugger.scriptParsed', (m: any) => { urls.set(m.params.scriptId, m.params.url) })
    session.once('Debugger.paused', (m: any) => {
      // The delivery workers' start, run on the paused main thread before it resumes.
      let start: { callFrameId: string, expression: string } | null = null
      try {
        const callFrames: any[] = m.params.callFrames ?? []
        const frames: PausedFrame[] = callFrames.map((cf) => ({
          fn: typeof cf.functionName === 'string' ? cf.functionName : '',
          url: typeof cf.url === 'string' && cf.url !== '' ? cf.url : (urls.get(cf.location.scriptId) ?? ''),
          line: cf.location.lineNumber + 1,
          col: (cf.location.columnNumber ?? 0) + 1
        }))
        // The pause lands at the next JavaScript the main thread runs. Within the block that is
        // where it is stuck (or, after native code, the JS that called it); if the loop ran
        // again meanwhile (the heartbeat moved) or exit began, it landed somewhere unrelated.
        const top = frames[0]
        if (beat[0] !== due) port.postMessage({ type: 'missed', since: due, why: 'the block ended before the stack could be taken' })
        else if (Atomics.load(state, 0) !== 0) port.postMessage({ type: 'missed', since: due, why: 'the process began to exit' })
        else if (top !== undefined && cfg.ownFunctions.includes(top.fn)) port.postMessage({ type: 'missed', since: due, why: 'the block ended before the stack could be taken' })
        else {
          episode++
          port.postMessage({ type: 'block', since: due, frames, episode })
          if (cfg.debug) sayStuck(due, top)
          if (cfg.handoff !== null) handOffLater(due, frames, episode)
          const id = callFrames[0]?.callFrameId
          if (cfg.startExpression !== null && typeof id === 'string') start = { callFrameId: id, expression: cfg.startExpression }
        }
      } catch {
        start = null
      }
      if (start === null) return finish()
      try {
        session.post('Debugger.evaluateOnCallFrame', { ...start, silent: true }, () => finish())
      } catch {
        finish()
      }
    })
    session.post('Debugger.enable', (err: unknown) => {
      if (err !== null && err !== undefined) {
        port.postMessage({ type: 'missed', since: due, why: `Debugger.enable failed (${String((err as any)?.message ?? err)})` })
        finished = true
        try { session.disconnect() } catch {}
        clearInterval(keepAlive)
        return schedule(cfg.intervalMs)
      }
      session.post('Debugger.pause')
    })
  }

  // The main thread may never run again (an endless loop, a kill on the way): if it is still
  // stuck a while after the stack was taken, the delivery workers send the event. Whoever
  // claims the episode first sends it, the main thread when it resumes or one worker. Posted
  // again each heartbeat interval until someone claims it: workers started at the pause may
  // not listen yet (a message to a channel nobody listens on is lost), within a bound.
  const HANDOFF_POSTS = 40
  function handOffLater (due: number, frames: PausedFrame[], n: number, posts = 0): void {
    setTimeout(() => {
      if (beat[0] !== due || Atomics.load(state, 0) !== 0 || Atomics.load(claimed, 3) >= n) return
      try {
        if (channel === null) {
          channel = new WorkerChannel(cfg.handoff)
          channel.unref?.()
        }
        const h: BlockHandoff = { type: 'xrayradar-loop-block', episode: n, claim: cfg.sab, frames, scope, thresholdMs: cfg.thresholdMs, since: due, mapFrames: cfg.mapFrames }
        channel.postMessage(h)
      } catch {
        return
      }
      if (posts + 1 < HANDOFF_POSTS) handOffLater(due, frames, n, posts + 1)
    }, posts === 0 ? cfg.handoffAfterMs : cfg.intervalMs)
  }

  // From here on a block is seen: the main thread may rely on that (whenWatching()).
  schedule(cfg.thresholdMs)
  port.postMessage({ type: 'ready' })
}
