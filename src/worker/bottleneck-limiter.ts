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
 * start's own timer. Applied only when the datastore has that method (bottleneck
 * 2.19.5, its last release); otherwise bottleneck runs as shipped.
 */
function withoutTimerYields (limiter: Bottleneck): Bottleneck {
  const store = (limiter as unknown as { _store?: { yieldLoop?: unknown } })._store
  if (store !== undefined && typeof store.yieldLoop === 'function') {
    store.yieldLoop = () => Promise.resolve()
  }
  return limiter
}

export function openLimiter (limits: SendLimits): Bottleneck {
  const { maxConcurrent, perSecond } = limits
  return withoutTimerYields(new Bottleneck({
    maxConcurrent,
    ...(perSecond > 0 ? { reservoir: perSecond, reservoirRefreshAmount: perSecond, reservoirRefreshInterval: REFRESH_MS } : {})
  }))
}
