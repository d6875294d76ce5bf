import { count } from '../ring/layout'
import type { HttpTransport } from './http-transport'
import type { Spool, ReplayOutcome } from './spool'

// Replays the spool from this worker: shortly after start (events left by an
// earlier run) and then every 2 s, skipped while the ingest is down or rate
// limiting, through the same limiter as live events.

const REPLAY_EVERY_MS = 2000

export function scheduleReplay (spool: Spool, http: HttpTransport, header: Int32Array): void {
  const counters = {
    delivered: () => count(header, 'spool_delivered'),
    rejected: () => count(header, 'spool_rejected'),
    corrupt: () => count(header, 'spool_corrupt'),
    expired: () => count(header, 'spool_expired')
  }
  const sendOne = (body: string): Promise<ReplayOutcome> => new Promise((resolve) => {
    void http.sendBatch([body], (_, outcome) => {
      resolve(outcome === 'delivered' ? 'delivered' : outcome === 'network_error' || outcome === 'rate_limited' ? 'retry_later' : 'rejected')
    })
  })
  const pass = (): void => {
    if (http.downFor() > 0 || http.rateLimitedFor() > 0) return
    void spool.replay(sendOne, counters)
  }
  setTimeout(pass, 50)
  setInterval(pass, REPLAY_EVERY_MS)
}
