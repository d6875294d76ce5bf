import type { IntegrationClient } from '../../shared/integration'
import type { Level } from '../../shared/types'
import { ConfigurationError } from '../../shared/errors'
import { LOG_FIELD_BREADTH, LOG_FIELD_DEPTH } from '../../shared/limits'
import { activeClient } from '../active-client'

// What the three logger integrations share, as Python's logging integration: records at or
// above eventLevel are events (an Error in the record → an exception event with that error's
// own stack), records at or above breadcrumbLevel and below eventLevel are `console`
// breadcrumbs on the current isolation scope (the request's, inside a request).

export type LogLevelOption = Level | 'off'

export interface LoggingOptions {
  /** Records at or above this level are events. 'off': none (breadcrumbs only). Default 'warning'. */
  eventLevel?: LogLevelOption
  /** Records at or above this level and below eventLevel are breadcrumbs. 'off': none. Default 'info'. */
  breadcrumbLevel?: LogLevelOption
  /** Logger names whose records are ignored (pino's `name`, winston's service/logger). */
  excludeLoggers?: string[]
}

/** Options checked once: levels as ranks (Infinity for 'off'). */
export interface ResolvedLogging {
  eventRank: number
  breadcrumbRank: number
  exclude: Set<string>
}

const RANK: Record<Level, number> = { debug: 0, info: 1, warning: 2, error: 3, fatal: 4 }
const OFF = Number.POSITIVE_INFINITY

function rankOption (name: string, key: string, value: unknown, fallback: LogLevelOption): number {
  const v = value === undefined ? fallback : value
  if (v === 'off') return OFF
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(RANK, v)) return RANK[v as Level]
  throw new ConfigurationError(`${name}({ ${key} }) must be one of 'debug', 'info', 'warning', 'error', 'fatal' or 'off', not ${describe(v)}. Pass one of those names.`)
}

function describe (v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : typeof v
}

/** Validates { eventLevel, breadcrumbLevel, excludeLoggers }; throws a ConfigurationError naming the fix. */
export function resolveLogging (name: string, options: unknown, defaults: { eventLevel: LogLevelOption }, more = ''): ResolvedLogging {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new ConfigurationError(`${name}(options) takes an object such as { eventLevel: 'error' }, not ${describe(options)}.`)
  }
  const o = (options ?? {}) as LoggingOptions & Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (key !== 'eventLevel' && key !== 'breadcrumbLevel' && key !== 'excludeLoggers') {
      throw new ConfigurationError(`${name}() has no option "${key}". The options are eventLevel, breadcrumbLevel and excludeLoggers${more}.`)
    }
  }
  const eventRank = rankOption(name, 'eventLevel', o.eventLevel, defaults.eventLevel)
  const breadcrumbRank = rankOption(name, 'breadcrumbLevel', o.breadcrumbLevel, 'info')
  const ex = o.excludeLoggers ?? []
  if (!Array.isArray(ex) || !ex.every((n) => typeof n === 'string')) {
    throw new ConfigurationError(`${name}({ excludeLoggers }) must be an array of logger names (strings), e.g. ['db'].`)
  }
  return { eventRank, breadcrumbRank, exclude: new Set(ex) }
}

/** One log record in the SDK's terms. fields: the record's own data (→ extra / breadcrumb data). */
export interface LogRecord {
  level: Level
  logger: string | null
  message: string
  error: Error | null
  fields: Record<string, unknown> | null
  /** Data for events only, under the record's own fields (pino's child bindings): read only when the record is an event. */
  eventContext?: () => Record<string, unknown> | null
}

/** True when a record at this level is an event (else at most a breadcrumb). */
export function isEventLevel (r: ResolvedLogging, level: Level): boolean {
  return RANK[level] >= r.eventRank
}

/** True when a record at this level and logger is neither an event nor a breadcrumb (the cheap early exit). */
export function ignored (r: ResolvedLogging, level: Level, logger: string | null): boolean {
  const rank = RANK[level]
  if (rank < r.breadcrumbRank && rank < r.eventRank) return true
  return logger !== null && r.exclude.size > 0 && r.exclude.has(logger)
}

// True while a record is being handled: a record logged from inside (a beforeBreadcrumb or
// beforeSend that logs, a logger the SDK's own code reaches) is not handled again.
let busy = false

/** Marks a record as being handled; false when one already is (the caller then skips it). Pair with leave() in a finally. */
export function enter (): boolean {
  if (busy) return false
  busy = true
  return true
}

export function leave (): void { busy = false }

/** True between enter() and leave(): the console integration passes such calls straight through. */
export function handlingRecord (): boolean { return busy }

/** The record as an event (≥ eventLevel) or a breadcrumb (≥ breadcrumbLevel), else nothing. */
// Log fields are the values as the app logged them (pino's serializers and redact run later,
// on the JSON side): a request, response or socket object would drag raw headers (cookies,
// tokens), client addresses and whole parsers into events. Only plain data is kept: plain
// objects and arrays (bounded: LOG_FIELD_DEPTH, LOG_FIELD_BREADTH), primitives, Dates and
// Errors; any other object is named.

function plainField (v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'function' ? `[Function ${(v as { name?: string }).name ?? ''}]` : v
  if (v instanceof Date || v instanceof Error) return v
  const proto = Object.getPrototypeOf(v) as object | null
  if (Array.isArray(v)) {
    if (depth >= LOG_FIELD_DEPTH) return '[Array]'
    return v.slice(0, LOG_FIELD_BREADTH).map((x) => plainField(x, depth + 1))
  }
  if (proto !== Object.prototype && proto !== null) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name
    return `[${typeof name === 'string' && name !== '' ? name : 'Object'}]`
  }
  if (depth >= LOG_FIELD_DEPTH) return '[Object]'
  const out: Record<string, unknown> = {}
  let n = 0
  for (const k in v as Record<string, unknown>) {
    if (n++ >= LOG_FIELD_BREADTH) break
    out[k] = plainField((v as Record<string, unknown>)[k], depth + 1)
  }
  return out
}

/** A record's fields with only plain data (see above); never throws (an unreadable field is named so). */
export function plainFields (fields: Record<string, unknown> | null): Record<string, unknown> | null {
  if (fields === null) return null
  const out: Record<string, unknown> = {}
  let n = 0
  for (const k in fields) {
    if (n++ >= LOG_FIELD_BREADTH) break
    try { out[k] = plainField(fields[k], 1) } catch { out[k] = '[Unreadable]' }
  }
  return out
}

export function handleRecord (client: IntegrationClient, r: ResolvedLogging, mechanism: string, rec: LogRecord): void {
  const rank = RANK[rec.level]
  if (rec.logger !== null && r.exclude.has(rec.logger)) return
  if (rank >= r.eventRank) {
    const tags = rec.logger !== null ? { logger: rec.logger } : undefined
    let extra = plainFields(rec.fields)
    const ctx = plainFields(rec.eventContext?.() ?? null)
    if (ctx !== null) extra = { ...ctx, ...extra }
    if (rec.error !== null) {
      // The same Error also thrown to a framework handler is one event: the client returns its first id.
      if (rec.message !== '' && rec.message !== rec.error.message) extra = { ...extra, log_message: rec.message }
      client.captureException(rec.error, { level: rec.level, tags, extra: extra ?? undefined, mechanism: { type: mechanism, handled: true } })
    } else {
      client.captureMessage(rec.message, { level: rec.level, tags, extra: extra ?? undefined, mechanism: { type: mechanism, handled: true } })
    }
    return
  }
  if (rank >= r.breadcrumbRank) {
    const data = rec.fields !== null ? plainFields(rec.fields) ?? undefined : undefined
    client.addBreadcrumb({ type: 'console', category: rec.logger ?? 'console', level: rec.level, message: rec.message, data })
  }
}

// Integrations of one kind set up by several clients: the records go to the newest open
// one only (the scope is process-wide, so two would add every breadcrumb twice). A listener
// or patch is installed while the list is not empty.
export interface Registration { client: IntegrationClient, resolved: ResolvedLogging }

export class Registry {
  private list: Registration[] = []
  /** Adds one; returns its removal. onFirst runs when the list becomes non-empty, onEmpty when it empties. */
  add (reg: Registration, onFirst: () => void, onEmpty: () => void): () => void {
    this.list.push(reg)
    if (this.list.length === 1) onFirst()
    let removed = false
    return () => {
      if (removed) return
      removed = true
      const i = this.list.indexOf(reg)
      if (i >= 0) this.list.splice(i, 1)
      if (this.list.length === 0) onEmpty()
    }
  }

  /** The newest registration whose client is open, or null. */
  current (): Registration | null {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const reg = this.list[i] as Registration
      if (!reg.client.isClosed) return reg
    }
    return null
  }
}

/** The client a winston transport reports to: the one given, else the active one. */
export function clientFor (given: IntegrationClient | null | undefined): IntegrationClient | null {
  return activeClient(given ?? undefined)
}

/** Level from a number on pino's scale: 60 fatal, 50 error, 40 warning, 30 info, lower debug (custom levels fall between). */
export function levelFromPinoNumber (n: number): Level {
  return n >= 60 ? 'fatal' : n >= 50 ? 'error' : n >= 40 ? 'warning' : n >= 30 ? 'info' : 'debug'
}
