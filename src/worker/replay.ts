import { count, exitGeneration, type RingViews } from '../ring/layout'
import type { HttpTransport } from './http-transport'
import type { Spool, ReplayOutcome } from './spool'
import { tellOutcome } from './diagnostics'

// Replays the spool from this worker: shortly after start (events left by an
// earlier run) and then every 2 s, skipped while the ingest is down or rate
// limiting, through the same limiter as live events (so maxEventsPerSecond
// bounds it). A pass that found more files than it takes is followed at once by
// the next, so a large spool drains without a 2 s pause per 1,000 files.

const REPLAY_EVERY_MS = 2000
// The first pass runs soon after start (events left by an earlier run go out
// first), but after the worker's drain loop has taken its first live batch.
const FIRST_REPLAY_MS = 50

export function scheduleReplay (spool: Spool, http: HttpTransport, ring: RingViews, debug: boolean): void {
  const { header } = ring
  const counters = {
    delivered: (n: number) => count(header, 'spool_delivered', n),
    rejected: (n: number) => count(header, 'spool_rejected', n),
    corrupt: (n: number) => count(header, 'spool_corrupt', n),
    expired: (n: number) => count(header, 'spool_expired', n)
  }
  // One limiter job per chunk (at most batchLimit events, across files), as for live events.
  const sendChunk = async (bodies: string[]): Promise<ReplayOutcome[]> => {
    const out = new Array<ReplayOutcome>(bodies.length).fill('retry_later')
    await http.sendBatch(bodies, (i, outcome, why) => {
      // Not sent for now (the ingest is down or asks to wait, or the deadline cut the send): the file keeps it.
      if (outcome === 'network_error' || outcome === 'rate_limited' || outcome === 'shutdown_timeout') out[i] = 'retry_later'
      else if (outcome === 'delivered') out[i] = 'delivered'
      else {
        out[i] = 'rejected'
        if (why !== undefined) tellOutcome(why, 'spool_rejected', debug)
      }
    })
    return out
  }
  // Replay is for a process that goes on; one that is exiting leaves the files to the next.
  const exiting = (): boolean => exitGeneration(ring, Date.now()) !== 0
  const pass = (): void => {
    if (http.downFor() > 0 || http.rateLimitedFor() > 0 || exiting()) return
    void spool.replay(sendChunk, counters, http.batchLimit, exiting).then((more) => { if (more) setImmediate(pass) })
  }
  setTimeout(pass, FIRST_REPLAY_MS)
  setInterval(pass, REPLAY_EVERY_MS)
}
