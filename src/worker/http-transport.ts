import type { Dispatcher, Pool } from 'undici'
import Bottleneck from 'bottleneck'
import { TransportError } from '../errors'
import type { DropReason } from '../ring/layout'
import type { WorkerConfig } from '../pool/worker-config'
import { diagnoseOnce } from './diagnostics'
import { NodeHttpPool, undiciUsable } from './node-http-pool'

// Delivery from a worker: one keep-alive connection pool per worker, a bottleneck
// limiter for concurrency and events per second, p-retry for 5xx and network
// errors. 429 switches the worker into a "rate limited until" state instead of
// retrying; other 4xx are final.

export type SendOutcome = 'delivered' | 'spooled' | DropReason

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

class RetryableError extends TransportError {}

type RequestFn = (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>

/**
 * undici's index also loads fetch, WebSocket, caches and mocks: ~7 MiB more per
 * worker, measured. A worker needs a Pool and request() only, so it takes those
 * two modules; if a future undici moves them, the full package still works.
 */
function loadUndici (): { PoolClass: typeof Pool, request: RequestFn, slim: boolean } {
  try {
    return { PoolClass: require('undici/lib/dispatcher/pool') as typeof Pool, request: require('undici/lib/api/api-request') as RequestFn, slim: true }
  } catch {
    const u = require('undici') as typeof import('undici')
    return { PoolClass: u.Pool, request: function (this: Dispatcher, opts) { return this.request(opts) }, slim: false }
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

  constructor (cfg: WorkerConfig) {
    if (cfg.storeUrl === null || cfg.origin === null) throw new TransportError('HttpTransport needs a DSN')
    this.cfg = cfg
    this.path = new URL(cfg.storeUrl).pathname
    this.headers = { 'content-type': 'application/json', 'user-agent': cfg.userAgent }
    if (cfg.authToken !== null) this.headers['x-xrayradar-token'] = cfg.authToken
    this.pool = openPool(cfg, cfg.origin)
    const perSecond = cfg.maxEventsPerSecond
    this.limiter = new Bottleneck({
      maxConcurrent: cfg.maxInFlight,
      ...(perSecond > 0 ? { reservoir: perSecond, reservoirRefreshAmount: perSecond, reservoirRefreshInterval: 1000 } : {})
    })
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
   * limiter's per-job overhead (milliseconds) is paid per batch, while in-flight
   * and per-second caps still count events. onResult is called exactly once per body.
   */
  async sendBatch (bodies: string[], onResult: (index: number, outcome: SendOutcome) => void): Promise<void> {
    const done = new Array<boolean>(bodies.length).fill(false)
    const finish = (i: number, outcome: SendOutcome): void => {
      if (done[i] === true) return
      done[i] = true
      onResult(i, outcome)
    }
    try {
      if (this.rateLimitedFor() > 0) return bodies.forEach((_, i) => finish(i, 'rate_limited'))
      if (this.downFor() > 0) return bodies.forEach((_, i) => finish(i, 'network_error'))
      const { default: pRetry } = await loadPRetry()
      await this.limiter.schedule({ weight: bodies.length }, () => Promise.all(bodies.map(async (body, i) => finish(i, await this.sendOne(pRetry, body)))))
    } catch {
      // the limiter was stopped (close): whatever did not finish is counted below
    } finally {
      for (let i = 0; i < bodies.length; i++) finish(i, 'network_error')
    }
  }

  private async sendOne (pRetry: PRetry['default'], body: string): Promise<SendOutcome> {
    // Checked again here: the batch may have waited in the limiter since it was submitted.
    if (this.rateLimitedFor() > 0) return 'rate_limited'
    if (this.downFor() > 0) return 'network_error'
    try {
      return await pRetry(() => this.attempt(body), {
        retries: this.cfg.maxAttempts - 1,
        factor: 2,
        minTimeout: 100,
        maxTimeout: 5000,
        randomize: true,
        // Once another event found the ingest down, stop retrying this one too.
        shouldRetry: ({ error }) => this.downFor() === 0 && (error instanceof RetryableError || !(error instanceof TransportError))
      })
    } catch (err) {
      this.downUntil = Date.now() + DOWN_MS
      if (this.cfg.debug) diagnoseOnce('network', `[xrayradar] could not reach ${this.cfg.origin} after ${this.cfg.maxAttempts} attempts (${(err as Error).message}); events are counted as dropped: network_error.`)
      return 'network_error'
    }
  }

  private async attempt (body: string): Promise<SendOutcome> {
    if (this.rateLimitedFor() > 0) return 'rate_limited'
    const opts = { path: this.path, method: 'POST' as const, headers: this.headers, body }
    const res = this.pool instanceof NodeHttpPool ? await this.pool.request(opts) : await undici.request.call(this.pool, opts)
    await res.body.dump()
    const status = res.statusCode
    if (status >= 200 && status < 300) return 'delivered'
    if (status >= 500 || status === 408) throw new RetryableError(`XrayRadar answered ${status}`, status)
    if (status === 429) {
      const wait = parseRetryAfter(res.headers['retry-after'])
      this.disabledUntil = Math.max(this.disabledUntil, Date.now() + wait)
      if (this.cfg.debug) diagnoseOnce('429', `[xrayradar] XrayRadar rate limited this project (429); not sending for ${Math.ceil(wait / 1000)} s. Events meanwhile are dropped and counted as rate_limited.`)
      return 'rate_limited'
    }
    if (status === 401 || status === 403) {
      diagnoseOnce('auth', `[xrayradar] XrayRadar refused the auth token (${status}). Verify XRAYRADAR_AUTH_TOKEN (or the authToken option) for project ${this.cfg.storeUrl}. Events are not retried; they are counted as dropped: rejected.`)
      return 'rejected'
    }
    if (status === 404) {
      diagnoseOnce('404', `[xrayradar] XrayRadar does not know this project (404 from ${this.cfg.storeUrl}). Verify your DSN / project id. Events are counted as dropped: rejected.`)
      return 'rejected'
    }
    if (status === 413) {
      if (this.cfg.debug) diagnoseOnce('413', `[xrayradar] XrayRadar refused an event as too large (413); lower maxPayloadSize. Counted as dropped: too_large.`)
      return 'too_large'
    }
    if (this.cfg.debug) diagnoseOnce('4xx', `[xrayradar] XrayRadar rejected an event (${status}); not retried, counted as dropped: rejected.`)
    return 'rejected'
  }

  async close (): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => {})
    await this.pool.close().catch(() => {})
  }
}
