import { TransportError } from '../shared/errors'

// The worker's caps on sending: requests in flight (maxInFlight) and events per
// second (maxEventsPerSecond), each job weighted by the events it carries, first
// come first served. A job that fits starts in the same call, with no timer and no
// promise of the limiter's own: bottleneck, used before, cost 0.1-0.4 ms of CPU and
// ~5 ms of latency per job even with room to spare (a timer and a chain of async
// steps per job, measured), more than the HTTP request of the events it carried.

// maxEventsPerSecond counts events in windows of one second.
const WINDOW_MS = 1000

interface Waiting {
  weight: number
  run: () => Promise<unknown>
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

export interface SendLimits {
  /** Sum of the weights of running jobs. */
  maxConcurrent: number
  /** Weight started per window; 0: no per-second cap. */
  perSecond: number
}

export class SendLimiter {
  private readonly limits: SendLimits
  private running = 0
  private budget = 0
  /** When the per-second budget is next refilled (ms since the epoch). */
  private windowEnd = 0
  private readonly queue: Waiting[] = []
  private timer: NodeJS.Timeout | null = null
  private stopped = false

  constructor (limits: SendLimits) {
    this.limits = limits
  }

  /** Runs fn once `weight` fits both caps; rejects if stop() comes first. */
  schedule<T> (weight: number, fn: () => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new TransportError('the send limiter was stopped (close)'))
    if (this.queue.length === 0 && this.fits(weight)) return this.start(weight, fn)
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ weight, run: fn, resolve: resolve as (v: unknown) => void, reject })
      this.pump()
    })
  }

  /** Rejects every waiting job; running ones finish on their own. */
  stop (): void {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    const err = new TransportError('the send limiter was stopped (close)')
    for (const w of this.queue.splice(0)) w.reject(err)
  }

  private fits (weight: number): boolean {
    // A job heavier than the cap runs alone rather than never.
    if (this.running > 0 && this.running + weight > this.limits.maxConcurrent) return false
    const { perSecond } = this.limits
    if (perSecond <= 0) return true
    const now = Date.now()
    if (now >= this.windowEnd) {
      this.budget = perSecond
      this.windowEnd = now + WINDOW_MS
    }
    return this.budget >= Math.min(weight, perSecond)
  }

  private start<T> (weight: number, fn: () => Promise<T>): Promise<T> {
    this.running += weight
    this.budget -= weight
    let p: Promise<T>
    try {
      p = fn()
    } catch (err) {
      p = Promise.reject(err)
    }
    const done = (): void => {
      this.running -= weight
      if (this.queue.length > 0) this.pump()
    }
    p.then(done, done)
    return p
  }

  private pump (): void {
    while (this.queue.length > 0 && !this.stopped) {
      const head = this.queue[0] as Waiting
      if (!this.fits(head.weight)) {
        // Waiting for the budget (a finishing job calls pump() for the concurrency cap).
        if (this.limits.perSecond > 0 && this.budget < Math.min(head.weight, this.limits.perSecond) && this.timer === null) {
          this.timer = setTimeout(() => { this.timer = null; this.pump() }, Math.max(1, this.windowEnd - Date.now()))
        }
        return
      }
      this.queue.shift()
      this.start(head.weight, head.run).then(head.resolve, head.reject)
    }
  }
}
