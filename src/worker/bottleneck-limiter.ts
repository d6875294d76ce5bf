import Bottleneck from 'bottleneck'

// The worker's caps on sending, held by bottleneck: requests in flight (maxInFlight)
// and events per second (maxEventsPerSecond, a reservoir refilled every second).
// The transport submits one job per batch, weighted by the events it carries, so
// bottleneck's fixed cost per job is paid per batch, not per event.

export interface SendLimits {
  /** Sum of the weights of running jobs. */
  maxConcurrent: number
  /** Weight started per second; 0: no per-second cap. */
  perSecond: number
}

// The reservoir is refilled to maxEventsPerSecond once a second.
const REFRESH_MS = 1000

/**
 * The local datastore awaits a setTimeout(0) at each of a job's steps (submit,
 * register, free) so that it behaves like its Redis datastore; in Node each is
 * at least 1 ms, and with the start's own timer a job with room to spare began
 * ~3.4 ms after schedule() (bench/limiter-cost.mjs). A resolved promise keeps
 * those steps asynchronous, in the same order, without the timer: ~1.2 ms, the
 * start's own timer (withoutStartTimer removes that one). Applied only when the
 * datastore has that method (bottleneck 2.19.5, its last release); otherwise
 * bottleneck runs as shipped.
 */
function withoutTimerYields (limiter: Bottleneck): Bottleneck {
  const store = (limiter as unknown as { _store?: { yieldLoop?: unknown } })._store
  if (store !== undefined && typeof store.yieldLoop === 'function') {
    store.yieldLoop = () => Promise.resolve()
  }
  return limiter
}

interface EventsInternals { _events?: Record<string, unknown>, trigger?: (name: string, ...args: unknown[]) => Promise<unknown> }
const NOTHING: Promise<undefined> = Promise.resolve(undefined)

/**
 * bottleneck reports each step of a job (received, queued, scheduled, executing, done, and a
 * "debug" event for each of those and for more) through Events.trigger, an async function that
 * makes a promise and a generator, and calls itself once more for "debug", even when nothing
 * listens. With no listener for the event nor for "debug", its promise resolves to undefined:
 * this gives the same resolved promise without the work. Listeners added later are honoured
 * (checked per call).
 */
function withoutIdleEvents (limiter: Bottleneck): Bottleneck {
  const events = (limiter as unknown as { Events?: EventsInternals }).Events
  const trigger = events?.trigger
  if (events === undefined || typeof trigger !== 'function' || typeof events._events !== 'object' || events._events === null) return limiter
  events.trigger = function (this: EventsInternals, name: string, ...args: unknown[]): Promise<unknown> {
    const table = this._events
    if (table !== undefined && table[name] === undefined && table.debug === undefined) return NOTHING
    return trigger.call(this, name, ...args)
  }
  return limiter
}

interface Scheduled { timeout: unknown, expiration: unknown, job: unknown }
interface JobInternals { doRun: () => void, doExecute: (...a: unknown[]) => unknown, retryCount: number, options: { id: string, expiration?: number | null } }
interface RunInternals {
  _run?: (index: string, job: JobInternals, wait: number) => unknown
  _scheduled?: Record<string, Scheduled>
  _clearGlobalState?: (index: string) => boolean
  _free?: (...a: unknown[]) => unknown
  _limiter?: unknown
  jobStatus: (id: string) => string | null
}

/**
 * A job with room starts from a setTimeout(0) (≥ 1 ms in Node) armed by `_run`: each batch
 * waited that long, and a timer was made per job. For a first run with nothing to wait for
 * (wait 0, no expiration), it starts from setImmediate, in the next turn of the loop, after
 * I/O. stop() clears the timer of a job not yet started and drops the job: an immediate is
 * not cleared by that, so the job starts only if it is still the one scheduled under its
 * index and still RUNNING (a dropped job is neither). Retries (wait > 0) run as shipped.
 */
function withoutStartTimer (limiter: Bottleneck): Bottleneck {
  const l = limiter as unknown as RunInternals
  const run = l._run
  if (typeof run !== 'function' || typeof l._scheduled !== 'object' || l._scheduled === null || typeof l._clearGlobalState !== 'function' || typeof l._free !== 'function') return limiter
  l._run = function (this: RunInternals, index: string, job: JobInternals, wait: number): unknown {
    if (wait !== 0 || job.retryCount !== 0 || job.options.expiration != null) return run.call(this, index, job, wait)
    job.doRun()
    const clearGlobalState = (this._clearGlobalState as (i: string) => boolean).bind(this, index)
    const again = (this._run as NonNullable<RunInternals['_run']>).bind(this, index, job)
    const free = (this._free as (...a: unknown[]) => unknown).bind(this, index, job)
    const scheduled: Scheduled = { timeout: undefined, expiration: undefined, job }
    const table = this._scheduled as Record<string, Scheduled>
    table[index] = scheduled
    setImmediate(() => {
      if (table[index] === scheduled && this.jobStatus(job.options.id) === 'RUNNING') void job.doExecute(this._limiter, clearGlobalState, again, free)
    })
    return scheduled
  }
  return limiter
}

export function openLimiter (limits: SendLimits): Bottleneck {
  const { maxConcurrent, perSecond } = limits
  return withoutStartTimer(withoutIdleEvents(withoutTimerYields(new Bottleneck({
    maxConcurrent,
    ...(perSecond > 0 ? { reservoir: perSecond, reservoirRefreshAmount: perSecond, reservoirRefreshInterval: REFRESH_MS } : {})
  }))))
}
