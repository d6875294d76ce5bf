import { workerData } from 'node:worker_threads'
import { MIN_SCRUBBABLE_TOKEN } from '../config/defaults'
import type { ResolvedOptions } from '../config/types'
import { scrubEvent, type ScrubOptions } from '../privacy/scrub'
import type { Pipeline } from '../pool/pipeline'
import type { ExitDrain } from '../lifecycle/exit-drain'
import { isSdkWorker, type SinkKind } from '../shared/worker-protocol'
import { REC_FULL, DROP_REASONS, type DropReason } from '../ring/layout'
import { WORKER_SINK } from '../transports/transport'
import { assembleEvent, toCrumbList, type EventDefaults, type EventPart } from '../event/assemble'
import { SDK_NAME, SDK_VERSION } from '../shared/version'
import { LEVELS, type Breadcrumb, type CaptureOptions, type Level, type RequestInfo, type Stats, type User } from '../shared/types'
import { readException } from './error-info'
import { normalize, tagValue, truncateString, describeThrown } from './normalize'
import { packCopy } from './packer'
import { enqueueEvent } from './record'
import { newEventId } from './event-id'
import { activeTraceIds } from './trace-context'
import { getGlobalScope, getIsolationScope, recordBreadcrumb } from './hub'
import { normalizeUser, type Scope } from './scope'
import { absorb, inSdkCallback, isThenable, runSdkCallback } from './callback-guard'
import { BEFORE_SEND_LIMITS, MAX_FINGERPRINT_PARTS, MAX_SHORT_STRING, MAX_STRING_LENGTH, TAG_LIMITS } from '../shared/limits'
import { sayOnce } from './say-once'
import { SeenMarks } from './seen-marks'
import { guardToken } from '../privacy/cut'
import { timeoutOr } from '../config/timeout'

const KNOWN_CAPTURE_KEYS = new Set(['level', 'message', 'tags', 'extra', 'user', 'fingerprint', 'contexts', 'mechanism'])

function readCaptureOptions (o: Record<string, unknown>, part: EventPart): void {
  const level = o.level
  if (typeof level === 'string' && (LEVELS as readonly string[]).includes(level)) part.level = level as Level
  const message = o.message
  if (typeof message === 'string') part.message = truncateString(message, MAX_STRING_LENGTH)
  const tags = o.tags
  if (tags !== null && typeof tags === 'object') {
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(normalize(tags, TAG_LIMITS) as object)) out[k] = tagValue(v)
    part.tags = out
  }
  const given = o.extra
  let extra: Record<string, unknown> | null = given !== null && typeof given === 'object' ? normalize(given) as Record<string, unknown> : null
  for (const key of Object.keys(o)) {
    // Python's **extra_context: unknown keys are extra.
    if (!KNOWN_CAPTURE_KEYS.has(key)) (extra ??= {})[key] = normalize(readOr(o, key))
  }
  part.extra = extra
  const user = o.user
  if (user !== null && typeof user === 'object') part.user = normalizeUser(user as User)
  const fingerprint = o.fingerprint
  if (Array.isArray(fingerprint)) part.fingerprint = fingerprint.slice(0, MAX_FINGERPRINT_PARTS).map((f) => truncateString(String(normalize(f)), MAX_SHORT_STRING))
  const contexts = o.contexts
  if (contexts !== null && typeof contexts === 'object') part.contexts = normalize(contexts) as Record<string, unknown>
  const mechanism = o.mechanism as { type?: unknown, handled?: unknown } | null | undefined
  if (mechanism !== null && typeof mechanism === 'object') {
    // How the event was caught, as the Python SDK's mechanism: a type and whether the app handled it.
    const type = typeof mechanism.type === 'string' && mechanism.type !== '' ? truncateString(mechanism.type, MAX_SHORT_STRING) : 'generic'
    part.contexts = { ...part.contexts, mechanism: { type, handled: mechanism.handled !== false } }
  }
}

/** A beforeSend result worth sending: an object carrying at least one of the event's own fields. Never throws. */
function looksLikeEvent (v: object): boolean {
  try {
    if (Array.isArray(v)) return false
    const e = v as Record<string, unknown>
    return typeof e.event_id === 'string' || typeof e.message === 'string' || (e.exception !== null && typeof e.exception === 'object')
  } catch {
    return false
  }
}

function readOr (o: Record<string, unknown>, key: string): unknown {
  try { return o[key] } catch (err) { return `[Unreadable: ${describeThrown(err)}]` }
}

/** Counts of a client that has recorded nothing (and of a disabled one, which counts locally). */
export function zeroStats (): Stats {
  return {
    captured: 0,
    delivered: 0,
    spooled: 0,
    pending: 0,
    dropped: Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Stats['dropped'],
    spool: { delivered: 0, rejected: 0, corrupt: 0, expired: 0 }
  }
}

/**
 * What a client is built from, by the composition root (src/sdk.ts; not part of the public
 * API): its options, and for a client that sends, its delivery (null for one that does not).
 */
export interface ClientParts {
  options: ResolvedOptions
  sink: SinkKind | null
  delivery: ClientDelivery | null
}

/** A sending client's pipeline, with what ends it and what hooks the process up to it. */
export interface ClientDelivery {
  pipeline: Pipeline
  /** Drains the pipeline when the process ends, and closes it (close() goes through it too). */
  exitDrain: ExitDrain
  /** Installs the process hooks and integrations, once, with the client; returns their teardowns. */
  install: (client: Client) => Array<() => void>
}

/**
 * The client (ErrorTracker, in src/sdk.ts, is this built from options). Capture methods
 * only snapshot scope and copy packed bytes into the ring; the workers do the rest.
 * Nothing here throws on bad input: a capture that cannot be recorded is counted as
 * dropped with a reason.
 */
export class Client {
  readonly options: ResolvedOptions
  private readonly pipeline: Pipeline | null
  private readonly exitDrain: ExitDrain | null
  private closed = false
  private readonly local: Stats = zeroStats()
  private readonly defaults: EventDefaults
  /** For the beforeSend path only: the callback sees the event scrubbed (the workers scrub again). */
  private readonly scrubOptions: ScrubOptions
  private readonly uninstall: Array<() => void> = []
  /**
   * Errors this client has already decided on, with the event id (undefined when dropped): one
   * error seen by several paths (a framework handler, then the unhandled-rejection hook or a
   * logger) is one event. Holds no error alive (seen-marks.ts).
   */
  private readonly seen = new SeenMarks()
  /** Set by accept() when the capture under way was dropped as queue_full (such an error is not marked seen). */
  private queueWasFull = false

  constructor (parts: ClientParts) {
    this.options = parts.options
    const o = this.options
    const sink = parts.sink
    this.defaults = { sdkName: SDK_NAME, sdkVersion: SDK_VERSION, environment: o.environment, release: o.release, serverName: o.serverName, maxBreadcrumbs: o.maxBreadcrumbs }
    this.scrubOptions = { sendDefaultPii: o.sendDefaultPii, authToken: o.authToken, denyKeys: o.denyKeys }
    if (o.authToken !== null && o.authToken.length < MIN_SCRUBBABLE_TOKEN) {
      sayOnce('short-token', `the auth token is shorter than ${MIN_SCRUBBABLE_TOKEN} characters, so it cannot be scrubbed from events reliably: every occurrence of it in event text is replaced by [Filtered]. Use the full token from your project settings.`)
    }
    // Strings cut on the main thread keep this token whole until close(), so the worker can replace it.
    this.uninstall.push(guardToken(o.authToken))
    const d = parts.delivery
    this.pipeline = d === null ? null : d.pipeline
    this.exitDrain = d === null ? null : d.exitDrain
    // Hooks and integrations only for a client that sends: a disabled one would pay per request for nothing.
    if (d !== null) this.uninstall.push(...d.install(this))
    // A missing XRAYRADAR_DSN is the usual reason nothing arrives: said even without debug.
    if (sink === null && !o.debug && !isSdkWorker(workerData)) {
      const why = o.emptyDsn === null ? '' : ` (${o.emptyDsn.source} is empty)`
      sayOnce('disabled', `disabled: no DSN${why}, nothing will be sent. Set XRAYRADAR_DSN or the dsn option (https://xrayradar.com/your_project_id); captures are counted in stats().dropped.disabled.`)
    }
    if (o.debug && o.emptyDsn !== null && !isSdkWorker(workerData)) {
      process.stderr.write(`[xrayradar] no DSN: ${o.emptyDsn.source} is empty${o.emptyDsn.hides ? ' (it wins over XRAYRADAR_DSN, which is set)' : ''}; an empty DSN disables sending, as no DSN does.\n`)
    }
    if (o.debug) {
      process.stderr.write(`[xrayradar] ${this.pipeline === null ? 'disabled: no dsn and no transport (set XRAYRADAR_DSN or the dsn option)' : `sending to ${o.dsn?.redacted ?? `a ${sink} transport`}`}, environment ${o.environment}\n`)
    }
  }

  /** Records an error (anything thrown). Returns the event id, or undefined when the event was dropped. */
  captureException (error?: unknown, opts?: CaptureOptions): string | undefined {
    return this.captureExceptionBelow(error, opts, this.captureException)
  }

  /** @internal — `below` is the public function the user called, for synthetic stacks. */
  captureExceptionBelow (error: unknown, opts: CaptureOptions | undefined, below: Function): string | undefined {
    const marked = error !== null && (typeof error === 'object' || typeof error === 'function')
    const mark = marked ? this.seen.get(error) : null
    if (mark !== null) return mark.id
    this.queueWasFull = false
    const id = this.captureExceptionOnce(error, opts, below)
    // A full queue is a moment, not a decision about this error: a later capture may still send it.
    if (marked && !this.closed && !this.queueWasFull) this.seen.set(error, id)
    return id
  }

  private captureExceptionOnce (error: unknown, opts: CaptureOptions | undefined, below: Function): string | undefined {
    if (!this.accept()) return undefined
    try {
      const read = readException(error, below)
      const part = this.part('exception', opts)
      part.exc = read.values
      if (read.nonError !== undefined) part.extra = { ...part.extra, non_error_value: read.nonError }
      if (read.chainCut !== undefined) part.extra = { ...part.extra, exception_chain_cut: read.chainCut }
      return this.submit(part)
    } catch {
      this.drop('internal_error')
      return undefined
    }
  }

  /** @internal — for the process hooks: marked unhandled, with the mechanism that caught it. */
  captureUnhandled (error: unknown, opts: CaptureOptions, mechanism: string): void {
    this.captureExceptionBelow(error, { ...opts, mechanism: { type: mechanism, handled: false } }, this.captureUnhandled)
  }

  /** @internal — an event an integration chose not to build (its own rate limit): one capture with one counted drop. */
  countUnsent (reason: 'rate_limited'): void {
    if (this.accept()) this.drop(reason)
  }

  /** @internal — the delivery workers' channel for an event built off the main thread (event-loop block), or null. */
  offThreadDelivery (): { channel: string, start: () => void } | null {
    return this.closed || this.pipeline === null ? null : this.pipeline.offThreadDelivery()
  }

  /** True when this client has already reported (or dropped) this error object: integrations skip it. */
  hasSeen (error: unknown): boolean {
    return error !== null && (typeof error === 'object' || typeof error === 'function') && this.seen.has(error)
  }

  /**
   * Errors an integration folded into one event it captured (eventId: that event's id, or
   * undefined when it was not sent or there is none): each counted as captured and dropped as
   * `grouped`, and marked seen, so a later capture of one of them by another path returns
   * eventId and sends nothing. Errors already seen (and repeats in the list) are skipped. Never throws.
   */
  countGrouped (errors: readonly unknown[], eventId?: string): void {
    if (this.closed) return
    let n = 0
    try {
      for (const error of errors) {
        const marked = error !== null && (typeof error === 'object' || typeof error === 'function')
        if (marked) {
          if (this.seen.has(error)) continue
          this.seen.set(error, eventId)
        }
        n++
      }
    } catch {}
    if (n === 0) return
    const p = this.pipeline
    if (p === null) {
      this.local.captured += n
      this.local.dropped.disabled += n
      return
    }
    p.countCaptured(n)
    p.drop('grouped', n)
  }

  /** Records a message event (level "error" unless opts.level says otherwise, as in the Python SDK). */
  captureMessage (message: string, opts?: CaptureOptions | Level): string | undefined {
    if (!this.accept()) return undefined
    try {
      const part = this.part('message', typeof opts === 'string' ? { level: opts } : opts)
      part.message = typeof message === 'string' ? truncateString(message, MAX_STRING_LENGTH) : describeThrown(message)
      return this.submit(part)
    } catch {
      this.drop('internal_error')
      return undefined
    }
  }

  addBreadcrumb (crumb: Breadcrumb): void {
    recordBreadcrumb(crumb, this.options.beforeBreadcrumb, this.options.maxBreadcrumbs)
  }

  setUser (user: User | null): void { getIsolationScope().setUser(user) }
  setTag (key: string, value: unknown): void { getIsolationScope().setTag(key, value) }
  setTags (tags: Record<string, unknown>): void { getIsolationScope().setTags(tags) }
  setExtra (key: string, value: unknown): void { getIsolationScope().setExtra(key, value) }
  setContext (name: string, data: Record<string, unknown> | null): void { getIsolationScope().setContext(name, data) }
  setRequest (request: RequestInfo | null): void { getIsolationScope().setRequest(request) }
  clearBreadcrumbs (): void { getIsolationScope().clearBreadcrumbs() }

  /** True once everything captured before the call is delivered or dropped-and-counted; false at the timeout. */
  async flush (timeoutArg?: number): Promise<boolean> {
    const timeoutMs = timeoutOr(timeoutArg, this.options.shutdownTimeout)
    const p = this.pipeline
    if (p === null) return true
    const ok = await p.flush(timeoutMs)
    const t = this.options.transport
    if (!ok || t === null || typeof t.flush !== 'function' || WORKER_SINK in t) return ok
    try {
      return await t.flush(timeoutMs)
    } catch (err) {
      // The signal drain and shutdown code await this: a custom transport's failure is "not flushed", not a rejection.
      if (this.options.debug) process.stderr.write(`[xrayradar] the transport's flush() failed (${describeThrown(err)}); flush() returns false.\n`)
      return false
    }
  }

  /** @internal — flush before the process ends: the last part of the time goes to the disk spool. */
  async drainForExit (timeoutArg?: number): Promise<boolean> {
    const timeoutMs = timeoutOr(timeoutArg, this.options.shutdownTimeout)
    this.exitDrain?.announceExit(timeoutMs)
    const ok = await this.flush(timeoutMs)
    // The signal is raised again next and ends the process without an 'exit' event.
    if (!ok) this.exitDrain?.abandonUnsettled('is ending on a signal')
    return ok
  }

  /** Flushes, then stops the workers; later captures are no-ops. */
  async close (timeoutArg?: number): Promise<boolean> {
    if (this.closed) return true
    this.closed = true
    for (const undo of this.uninstall.splice(0).reverse()) {
      try { undo() } catch {}
    }
    return this.exitDrain === null ? true : await this.exitDrain.close(timeoutOr(timeoutArg, this.options.shutdownTimeout))
  }

  /**
   * Blocks the calling thread until everything captured so far is settled, or the
   * timeout: for shutdown code that cannot await (the 'exit' event, a signal handler
   * that must return). Not for request paths: it stops the event loop while it waits.
   */
  flushSync (timeoutArg?: number): boolean {
    return this.pipeline === null ? true : this.pipeline.flushSync(timeoutOr(timeoutArg, this.options.shutdownTimeout))
  }

  get isClosed (): boolean { return this.closed }

  stats (): Stats {
    return this.pipeline === null ? structuredClone(this.local) : this.pipeline.stats()
  }

  // --- internals ---

  private accept (): boolean {
    if (this.closed) return false
    const p = this.pipeline
    if (p === null) {
      this.local.captured++
      this.local.dropped.disabled++
      return false
    }
    p.countCaptured()
    if (inSdkCallback()) {
      // Running it would call beforeSend again, which may capture again: drop, count, say once.
      p.drop('before_send')
      sayOnce('recursion', 'a capture was made inside beforeSend or beforeBreadcrumb; it was dropped (stats().dropped.before_send) so the callback cannot recurse. Capture from outside the callback.')
      return false
    }
    const rate = this.options.sampleRate
    if (rate < 1 && Math.random() >= rate) {
      p.drop('sampled')
      return false
    }
    if (p.isFull()) {
      p.drop('queue_full')
      this.queueWasFull = true
      return false
    }
    return true
  }

  private drop (reason: DropReason): void {
    if (this.pipeline !== null) this.pipeline.drop(reason)
    else this.local.dropped[reason]++
  }

  private part (kind: 'exception' | 'message', opts: CaptureOptions | undefined): EventPart {
    const part: EventPart = {
      id: newEventId(),
      ts: Date.now(),
      level: null,
      kind,
      message: null,
      exc: null,
      tags: null,
      extra: null,
      user: null,
      fingerprint: null,
      contexts: null,
      blobs: null,
      // Here, on the capturing thread and async path: the only place the active span is known.
      trace: activeTraceIds()
    }
    if (opts === undefined || opts === null || typeof opts !== 'object') return part
    try {
      readCaptureOptions(opts as Record<string, unknown>, part)
    } catch (err) {
      // Options that cannot be read (a Proxy, a throwing getter) do not cost the event.
      part.extra = { ...part.extra, capture_options: `[Unreadable: ${describeThrown(err)}]` }
    }
    return part
  }

  private submit (part: EventPart): string | undefined {
    const p = this.pipeline as Pipeline
    const g = getGlobalScope()
    const i = getIsolationScope()
    if (this.options.beforeSend !== null) return this.submitThroughBeforeSend(part, g, i)
    return enqueueEvent(p, part, g, i) ? part.id : undefined
  }

  private submitThroughBeforeSend (part: EventPart, g: Scope, i: Scope): string | undefined {
    const p = this.pipeline as Pipeline
    const event = scrubEvent(assembleEvent(part, g.data(), toCrumbList(g.breadcrumbs), i.data(), toCrumbList(i.breadcrumbs), this.defaults), this.scrubOptions)
    let result: unknown
    try {
      result = runSdkCallback(this.options.beforeSend as (e: unknown) => unknown, event)
    } catch (err) {
      // Dropped, not sent unfiltered: beforeSend is often where apps scrub.
      if (this.options.debug) process.stderr.write(`[xrayradar] beforeSend threw (${describeThrown(err)}); the event was dropped.\n`)
      p.drop('before_send')
      return undefined
    }
    if (isThenable(result)) {
      // Capture is synchronous and cannot wait; packing the Promise would send an
      // empty event. init() refuses an `async` beforeSend; a plain function can
      // still return a Promise, which only shows here.
      absorb(result)
      p.drop('before_send')
      sayOnce('async-before-send', 'beforeSend returned a Promise; it must return the event (or null) synchronously. The event was dropped (stats().dropped.before_send).')
      return undefined
    }
    if (result === null || result === undefined || typeof result !== 'object') {
      p.drop('before_send')
      return undefined
    }
    if (!looksLikeEvent(result)) {
      // The worker would coerce it into an empty event and count it delivered.
      p.drop('before_send')
      sayOnce('non-event', 'beforeSend returned something that is not an event (an array, or an object without event_id, message or exception); the event was dropped (stats().dropped.before_send). Return the event it was given, changed, or null.')
      return undefined
    }
    const id = typeof (result as { event_id?: unknown }).event_id === 'string' ? (result as { event_id: string }).event_id : part.id
    return p.enqueue([packCopy(normalize(result, BEFORE_SEND_LIMITS))], REC_FULL) ? id : undefined
  }
}
