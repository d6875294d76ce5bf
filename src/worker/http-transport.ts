import type { Pool } from 'undici'
import { RetryableTransportError, TransportError } from '../shared/errors'
import type { DropReason } from '../ring/layout'
import type { WorkerConfig } from '../shared/worker-protocol'
import { setMaxListeners } from 'node:events'
import type { Why } from './diagnostics'
import type Bottleneck from 'bottleneck'
import { NodeHttpPool, undiciUsable } from './node-http-pool'
import { openLimiter } from './bottleneck-limiter'
import { PostHandler, type PostAnswer } from './post-handler'

// Delivery from a worker: one keep-alive connection pool per worker, a bottleneck
// limiter for concurrency and events per second, p-retry for 5xx and network
// errors. 429 switches the worker into a "rate limited until" state instead of
// retrying; other 4xx are final.

export type SendOutcome = 'delivered' | 'spooled' | DropReason
/** A request body: JSON text, or its UTF-8 bytes (kept off the worker's heap while in flight). */
export type Body = string | Uint8Array
/** One body's result; why is set when it was not delivered (what the diagnostic line says). */
export type OnResult = (index: number, outcome: SendOutcome, why?: Why) => void
type Result = SendOutcome | { outcome: SendOutcome, why: Why }

// After an event exhausted its attempts, the ingest is taken as down for this long:
// events meanwhile fail at once (and go to the spool) instead of each retrying.
const DOWN_MS = 3000

type PRetry = typeof import('p-retry', { with: { 'resolution-mode': 'import' } })
// p-retry 7 is ESM-only; loaded once, asynchronously, from this CommonJS module.
let pRetryModule: Promise<PRetry> | null = null
const loadPRetry = (): Promise<PRetry> => (pRetryModule ??= import('p-retry'))

const DEFAULT_RETRY_AFTER_MS = 60_000

/** Retry-After in seconds or as an HTTP date; 60 s when absent or unreadable. */
export function parseRetryAfter (value: string | string[] | undefined, now = Date.now()): number {
  const v = Array.isArray(value) ? value[0] : value
  if (v === undefined || v.trim() === '') return DEFAULT_RETRY_AFTER_MS
  const secs = Number(v)
  if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, 24 * 3600 * 1000)
  const date = Date.parse(v)
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now)
}

/**
 * Node 25+ under --permission refuses sockets without --allow-net: the same answer on every
 * attempt, so it is not retried, and the line names the flag.
 */
function deniedByPermissions (err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_ACCESS_DENIED'
}

/**
 * undici's index also loads fetch, WebSocket, caches and mocks: ~7 MiB more per
 * worker, measured. A worker needs a Pool only (it sends with the Pool's dispatch(),
 * post-handler.ts), so it takes that module; if a future undici moves it, the full
 * package still works.
 */
function loadUndici (): { PoolClass: typeof Pool, slim: boolean } {
  try {
    return { PoolClass: require('undici/lib/dispatcher/pool') as typeof Pool, slim: true }
  } catch {
    return { PoolClass: (require('undici') as typeof import('undici')).Pool, slim: false }
  }
}
const undici = loadUndici()
/** For a test: false means the slim load broke and the full package is in use. */
export const undiciSlim = undici.slim

// Idle keep-alive connections are closed after this long: the ingest may be quiet for a while.
const KEEP_ALIVE_MS = 30_000

function openPool (cfg: WorkerConfig, origin: string): Pool | NodeHttpPool {
  // Without WebAssembly (node --jitless) undici cannot parse a response: Node's http module sends.
  if (!undiciUsable()) return new NodeHttpPool(origin, { connections: cfg.maxInFlight, keepAliveTimeout: KEEP_ALIVE_MS, timeoutMs: cfg.timeoutMs, rejectUnauthorized: cfg.verifySsl })
  return new undici.PoolClass(origin, {
    connections: cfg.maxInFlight,
    pipelining: 1,
    keepAliveTimeout: KEEP_ALIVE_MS,
    headersTimeout: cfg.timeoutMs,
    bodyTimeout: cfg.timeoutMs,
    connect: { timeout: cfg.timeoutMs, rejectUnauthorized: cfg.verifySsl }
  })
}

export class HttpTransport {
  private readonly pool: Pool | NodeHttpPool
  private readonly limiter: Bottleneck
  private readonly path: string
  private readonly headers: Record<string, string>
  private readonly cfg: WorkerConfig
  private disabledUntil = 0
  private downUntil = 0
  /** What the ingest last did wrong, for events failed at once while it counts as down / rate limiting. */
  private downWhy: Why = { kind: 'network', text: 'XrayRadar could not be reached' }
  private limitWhy: Why = { kind: '429', text: 'XrayRadar rate limited this project (429)' }
  /** Aborts the requests awaiting an answer at a hard cut (see cut), for NodeHttpPool; replaced after each. */
  private abort = HttpTransport.controller()
  /** undici's requests under way, each aborted at a hard cut (see cut). */
  private readonly posts = new Set<PostHandler>()
  /** One per batch under way: stops it at a cut (see cut). */
  private readonly cutters = new Set<(hard: boolean) => void>()

  constructor (cfg: WorkerConfig) {
    if (cfg.storeUrl === null || cfg.origin === null) throw new TransportError('HttpTransport needs a DSN')
    this.cfg = cfg
    this.path = new URL(cfg.storeUrl).pathname
    this.headers = { 'content-type': 'application/json', 'user-agent': cfg.userAgent }
    if (cfg.authToken !== null) this.headers['x-xrayradar-token'] = cfg.authToken
    this.pool = openPool(cfg, cfg.origin)
    this.limiter = openLimiter({ maxConcurrent: cfg.maxInFlight, perSecond: cfg.maxEventsPerSecond })
  }

  private static controller (): AbortController {
    const c = new AbortController()
    // Every request under way listens on it: no leak, so no listener-count warning.
    setMaxListeners(0, c.signal)
    return c
  }

  /**
   * The deadline (close() or exit) is near: batches under way stop. A soft cut
   * settles at once, as shutdown_timeout (the worker spools them), the events
   * queued in the limiter or waiting in retry back-off, and makes no further
   * attempt; a request already awaiting its answer may still finish (aborting it
   * could lose the answer to an event the ingest stored, and send it twice). A
   * hard cut aborts those too. Sends submitted afterwards run normally.
   */
  cut (hard: boolean): void {
    if (hard) {
      const c = this.abort
      this.abort = HttpTransport.controller()
      c.abort()
      const reason = new TransportError('stopped at the close()/exit deadline')
      for (const post of [...this.posts]) post.abort(reason)
    }
    for (const cutter of [...this.cutters]) cutter(hard)
  }

  /** ms until sending resumes after a 429, 0 when not limited. */
  rateLimitedFor (): number { return Math.max(0, this.disabledUntil - Date.now()) }

  /** ms until the next attempt after the ingest was found unreachable, 0 when not. */
  downFor (): number { return Math.max(0, this.downUntil - Date.now()) }

  /** Events one limiter job may carry: it may not outweigh the concurrency or the per-second budget. */
  get batchLimit (): number {
    const perSecond = this.cfg.maxEventsPerSecond
    return Math.max(1, Math.min(64, Math.floor(this.cfg.maxInFlight / 2), perSecond > 0 ? perSecond : Infinity))
  }

  /**
   * Sends a batch: one bottleneck job per batch, weighted by its size, so the
   * limiter's per-job cost (bottleneck-limiter.ts) is paid per batch, while the
   * in-flight and per-second caps count events. onResult is called exactly once per body.
   * onFree(i), just before a body's result, when no socket can still hold it: its only
   * attempt was answered 2xx (the ingest answers success once it has read the whole body).
   * After a failed attempt a socket may still be writing it (an answer that came before the
   * body was read), so a body that needed a retry is never said to be free.
   */
  async sendBatch (bodies: readonly Body[], onResult: OnResult, onFree?: (index: number) => void): Promise<void> {
    const n = bodies.length
    const done = new Array<boolean>(n).fill(false)
    const asking = new Array<boolean>(n).fill(false) // a request awaiting its answer
    const tries = new Array<number>(n).fill(0) // attempts that reached the pool
    let open = n // bodies without a result yet
    let stopping = false
    // Once every body has its result: after a cut the job may still hold p-retry timers.
    let allDone = (): void => {}
    const settled = new Promise<void>((resolve) => { allDone = resolve })
    const finish = (i: number, result: Result): void => {
      if (done[i] === true) return
      done[i] = true
      if (onFree !== undefined && tries[i] === 1 && result === 'delivered') onFree(i)
      if (typeof result === 'string') onResult(i, result)
      else onResult(i, result.outcome, result.why)
      if (--open === 0) allDone()
    }
    const cutWhy: Why = { kind: 'cut', text: `sends to ${this.cfg.origin ?? 'XrayRadar'} still under way (retrying, queued, or awaiting an answer) at the close()/exit deadline were stopped` }
    const cutter = (hard: boolean): void => {
      stopping = true
      for (let i = 0; i < n; i++) if (hard || asking[i] !== true) finish(i, { outcome: 'shutdown_timeout', why: cutWhy })
    }
    // Wraps each attempt, so a cut can tell a request awaiting its answer from one in back-off.
    const attempt = async (i: number, signal: AbortSignal): Promise<Result> => {
      if (stopping || done[i] === true) throw new TransportError('stopped at the deadline')
      asking[i] = true
      tries[i]++
      try {
        return await this.attempt(bodies[i] as Body, signal)
      } finally {
        asking[i] = false
      }
    }
    this.cutters.add(cutter)
    try {
      if (this.rateLimitedFor() > 0) return bodies.forEach((_, i) => finish(i, { outcome: 'rate_limited', why: this.limitWhy }))
      if (this.downFor() > 0) return bodies.forEach((_, i) => finish(i, { outcome: 'network_error', why: this.downWhy }))
      // Loaded ahead of need, awaited only once an attempt has failed (retry).
      void loadPRetry().catch(() => {})
      const signal = this.abort.signal
      const isStopping = (): boolean => stopping
      // A batch stopped while queued in the limiter sends nothing when its turn comes.
      // No promise per event beyond the send's own: the job ends when every body has its result.
      const job = this.limiter.schedule({ weight: n }, () => {
        if (stopping) return Promise.resolve()
        for (let i = 0; i < n; i++) {
          this.sendOne(() => attempt(i, signal), isStopping).then((r) => finish(i, r), () => finish(i, { outcome: 'network_error', why: this.downWhy }))
        }
        return settled
      })
      await Promise.race([job, settled])
    } catch {
      // the limiter was stopped (close): whatever did not finish is counted below
    } finally {
      this.cutters.delete(cutter)
      const rest: Result = stopping ? { outcome: 'shutdown_timeout', why: cutWhy } : { outcome: 'network_error', why: this.downWhy }
      for (let i = 0; i < n; i++) finish(i, rest)
    }
  }

  /**
   * One event: its first attempt directly (almost every send succeeds at once, and
   * p-retry's set-up per call is then pure overhead), p-retry only once it failed.
   */
  private sendOne (attempt: () => Promise<Result>, stopping: () => boolean): Promise<Result> {
    // Checked again here: the batch may have waited in the limiter since it was submitted.
    if (this.rateLimitedFor() > 0) return Promise.resolve({ outcome: 'rate_limited', why: this.limitWhy })
    if (this.downFor() > 0) return Promise.resolve({ outcome: 'network_error', why: this.downWhy })
    return attempt().catch((err: unknown) => this.retry(err, attempt, stopping))
  }

  /**
   * The rest of an event's attempts after the first failed with `first`: p-retry
   * judges that failure as its own first attempt (same back-off, same limits), so
   * the schedule is the one a send made wholly through p-retry gets.
   */
  private async retry (first: unknown, attempt: () => Promise<Result>, stopping: () => boolean): Promise<Result> {
    let attempts = 1
    let failed: { err: unknown } | null = { err: first }
    try {
      const { default: pRetry } = await loadPRetry()
      return await pRetry(() => {
        if (failed !== null) {
          const { err } = failed
          failed = null
          throw err
        }
        attempts++
        return attempt()
      }, {
        retries: this.cfg.maxAttempts - 1,
        factor: 2,
        minTimeout: 100,
        maxTimeout: 5000,
        randomize: true,
        // Once another event found the ingest down, or the deadline came, stop retrying this one too.
        shouldRetry: ({ error }) => !stopping() && this.downFor() === 0 && !deniedByPermissions(error) && (error instanceof RetryableTransportError || !(error instanceof TransportError))
      })
    } catch (err) {
      // Stopped at the deadline: the batch reports it; the ingest is not known to be down.
      if (stopping()) return 'shutdown_timeout'
      this.downUntil = Date.now() + DOWN_MS
      const origin = this.cfg.origin ?? 'XrayRadar'
      this.downWhy = {
        kind: 'network',
        // A 5xx is an answer: "could not reach" would send the reader to the network.
        text: err instanceof RetryableTransportError
          ? `XrayRadar at ${origin} answered ${err.status ?? 'an error'} to ${attempts} attempt(s)`
          : deniedByPermissions(err)
            ? `Node's permission model denies network access, so nothing can reach ${origin}: add --allow-net to the node command (or NODE_OPTIONS)`
            : `could not reach ${origin} in ${attempts} attempt(s) (${(err as Error).message})`
      }
      return { outcome: 'network_error', why: this.downWhy }
    }
  }

  private async attempt (body: Body, signal: AbortSignal): Promise<Result> {
    if (this.rateLimitedFor() > 0) return { outcome: 'rate_limited', why: this.limitWhy }
    const answer = this.pool instanceof NodeHttpPool ? await this.nodePost(this.pool, body, signal) : await this.post(this.pool, body)
    const status = answer.statusCode
    if (status >= 200 && status < 300) return 'delivered'
    if (status >= 500 || status === 408) throw new RetryableTransportError(`XrayRadar answered ${status}`, status)
    if (status === 429) {
      const wait = parseRetryAfter(answer.retryAfter)
      this.disabledUntil = Math.max(this.disabledUntil, Date.now() + wait)
      this.limitWhy = { kind: '429', text: `XrayRadar rate limited this project (429); no events are sent for ${Math.ceil(wait / 1000)} s` }
      return { outcome: 'rate_limited', why: this.limitWhy }
    }
    return refusal(status, answer.location, this.cfg.storeUrl ?? '')
  }

  /** One POST with undici: dispatch() and a PostHandler, which a hard cut aborts. */
  private post (pool: Pool, body: Body): Promise<PostAnswer> {
    return new Promise((resolve, reject) => {
      pool.dispatch({ path: this.path, method: 'POST', headers: this.headers, body }, new PostHandler(resolve, reject, this.posts))
    })
  }

  /** One POST with Node's http module (no WebAssembly for undici): the signal aborts it at a hard cut. */
  private async nodePost (pool: NodeHttpPool, body: Body, signal: AbortSignal): Promise<PostAnswer> {
    const res = await pool.request({ path: this.path, method: 'POST', headers: this.headers, body, signal })
    await res.body.dump()
    return { statusCode: res.statusCode, retryAfter: res.headers['retry-after'], location: res.headers.location }
  }

  async close (): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => {})
    await this.pool.close().catch(() => {})
  }
}

/** A final answer that is not a success: the outcome and the line that names the fix. */
function refusal (status: number, location: string | string[] | undefined, storeUrl: string): Result {
  if (status === 401 || status === 403) {
    return { outcome: 'rejected', why: { kind: 'auth', text: `XrayRadar refused the auth token (${status}). Verify XRAYRADAR_AUTH_TOKEN (or the authToken option) for project ${storeUrl}. Not retried` } }
  }
  if (status === 404) {
    return { outcome: 'rejected', why: { kind: '404', text: `XrayRadar does not know this project (404 from ${storeUrl}). Verify your DSN / project id. Not retried` } }
  }
  if (status === 413) {
    return { outcome: 'too_large', why: { kind: '413', text: 'XrayRadar refused an event as too large (413); lower maxPayloadSize. Not retried' } }
  }
  if (status >= 300 && status < 400) {
    // Only the target's origin: a redirect URL may carry anything.
    let to = ''
    try { to = ` to ${new URL(String(Array.isArray(location) ? location[0] : location)).origin}` } catch {}
    return { outcome: 'rejected', why: { kind: '3xx', text: `XrayRadar answered ${status} (a redirect${to}), which the SDK does not follow: put the ingest's final address (scheme, host, port) in the DSN. Not retried` } }
  }
  return { outcome: 'rejected', why: { kind: '4xx', text: `XrayRadar refused an event (${status}) from ${storeUrl}. Not retried` } }
}
