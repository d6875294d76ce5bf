import { exitGeneration, ENQ, SETTLED, type RingViews } from '../ring/layout'
import type { HttpTransport } from './http-transport'

// At exit the worker first sends for a moment to learn what the network takes now
// (a rate measured earlier reflects the load then, not the capacity), then spools
// the part of the backlog that rate cannot clear before exitTimes[0].
const RATE_PROBE_MS = 250

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

/**
 * A worker with a spool, following the process's exit announcements (ring.exitTimes):
 * when queued events go to the disk instead of the network, and when sends under way
 * are cut. One per worker, made at start-up.
 */
export class ExitWindow {
  /** The announcement the probe below belongs to (0: none seen). */
  private seen = 0
  private seenAt = 0
  private deliveredAtSeen = 0
  /** Events per ms the network took during the probe; -1 until measured. */
  private rate = -1
  private cutTimers: NodeJS.Timeout[] = []

  constructor (private readonly ring: RingViews, private readonly http: HttpTransport) {}

  /**
   * The process is ending and what is queued cannot all be sent in time: queued
   * events go to the disk instead, oldest first (they are claimed in order). From
   * exitTimes[0] on, everything still queued does. delivered: events this worker
   * delivered so far (the probe's measure).
   */
  spooling (delivered: number): boolean {
    const now = Date.now()
    const gen = exitGeneration(this.ring, now)
    if (gen === 0) return false
    if (gen !== this.seen) {
      this.seen = gen
      this.seenAt = now
      this.deliveredAtSeen = delivered
      this.rate = -1
      this.scheduleCut(gen)
    }
    const left = (this.ring.exitTimes[0] as number) - now
    if (left <= 0) return true
    if (this.rate < 0) {
      const probed = now - this.seenAt
      if (probed < RATE_PROBE_MS) return false
      // Fixed once measured: while the worker spools it sends less, which is no news about the network.
      this.rate = (delivered - this.deliveredAtSeen) / probed // events per ms
    }
    const { header } = this.ring
    const backlog = (Atomics.load(header, ENQ) - Atomics.load(header, SETTLED)) >>> 0
    return backlog > this.rate * left
  }

  private scheduleCut (gen: number): void {
    for (const timer of this.cutTimers) clearTimeout(timer)
    const open = this.ring.exitTimes[0] as number
    const span = (this.ring.exitTimes[1] as number) - open
    this.cutTimers = [CUT_WAITING_AT, CUT_ASKING_AT].map((share, k) => setTimeout(() => {
      // A newer announcement (or none: the process lived on) has its own timers, or none.
      if (exitGeneration(this.ring, Date.now()) === gen) this.http.cut(k === 1)
    }, Math.max(0, open + span * share - Date.now())))
  }
}
