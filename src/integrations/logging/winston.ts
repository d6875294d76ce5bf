import { createRequire } from 'node:module'
import { join } from 'node:path'
import { types } from 'node:util'
import type { IntegrationClient } from '../../shared/integration'
import type { Level } from '../../shared/types'
import { ConfigurationError } from '../../shared/errors'
import { type LoggingOptions, clientFor, enter, handleRecord, ignored, leave, resolveLogging } from './levels'

// A winston 3 transport. The SDK does not depend on winston: the base class comes from the
// application's own `winston-transport` (the one its winston uses). winston calls a
// transport's log() synchronously inside logger.info() (measured on winston 3), so the
// record sees the caller's isolation scope.

// npm and syslog level names; anything else (custom levels) is info.
const LEVEL_OF: Record<string, Level> = {
  error: 'error', warn: 'warning', info: 'info', http: 'info', verbose: 'debug', debug: 'debug', silly: 'debug',
  emerg: 'fatal', alert: 'fatal', crit: 'fatal', warning: 'warning', notice: 'info'
}
const LEVEL = Symbol.for('level')
const SPLAT = Symbol.for('splat')
// Keys winston puts on every record: not the record's own fields.
const NOT_FIELDS = new Set(['level', 'message', 'stack', 'service', 'logger'])

export interface WinstonTransportOptions extends LoggingOptions {
  /** The client to report to; default: the client init() (or the latest `new ErrorTracker`) set up. */
  client?: IntegrationClient
  /** Passed to winston-transport (level, silent, handleExceptions, …) as for any transport. */
  transportOptions?: Record<string, unknown>
}

type TransportClass = new (opts?: Record<string, unknown>) => object

function loadTransportClass (): TransportClass {
  const from: string[] = [join(process.cwd(), '/')]
  try { if (typeof __filename === 'string') from.push(__filename) } catch {}
  for (const base of from) {
    try {
      const mod = createRequire(base)('winston-transport') as TransportClass | { default?: TransportClass }
      const cls = typeof mod === 'function' ? mod : mod.default
      if (typeof cls === 'function') return cls
    } catch {}
  }
  throw new ConfigurationError(`winstonTransport() needs the winston-transport package, which winston 3 installs; it was not found from ${process.cwd()}. Install winston (npm install winston) in the application, or pass your own transport.`)
}

function isError (v: unknown): v is Error {
  return v instanceof Error || types.isNativeError(v)
}

function loggerName (info: Record<string | symbol, unknown>): string | null {
  const s = info.service ?? info.logger
  return typeof s === 'string' ? s : null
}

/**
 * A winston 3 transport: records ≥ eventLevel (default 'warning') are events,
 * ≥ breadcrumbLevel (default 'info') breadcrumbs. `logger.error(err)` and
 * `logger.error('msg', err)` are exception events with err's own stack.
 */
// The return type is left to the caller (`any` by default): the SDK has no winston types to
// name, and winston's Transport type is a whole Writable stream, which no structural type short
// of it satisfies; a TypeScript app can write winstonTransport<TransportStream>().
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function winstonTransport<T = any> (options?: WinstonTransportOptions): T {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new ConfigurationError('winstonTransport(options) takes an object such as { eventLevel: \'error\' }.')
  }
  const { client, transportOptions, ...logging } = options ?? {}
  const resolved = resolveLogging('winstonTransport', logging, { eventLevel: 'warning' },
    ', plus client and transportOptions (winston\'s own transport options, e.g. { transportOptions: { level: \'info\' } })')
  const Base = loadTransportClass()

  class XrayRadarTransport extends Base {
    log (info: Record<string | symbol, unknown>, callback?: () => void): void {
      try { record(info) } catch {}
      if (typeof callback === 'function') callback()
    }
  }

  function record (info: Record<string | symbol, unknown>): void {
    if (info === null || typeof info !== 'object') return
    const raw = info[LEVEL] ?? info.level
    const level = typeof raw === 'string' ? LEVEL_OF[raw] ?? 'info' : 'info'
    const logger = loggerName(info)
    if (ignored(resolved, level, logger)) return
    const c = clientFor(client)
    if (c === null || !enter()) return
    try {
      let error: Error | null = isError(info) ? info : null
      const splat = info[SPLAT]
      if (error === null && Array.isArray(splat)) {
        for (const s of splat) if (isError(s)) { error = s; break }
      }
      let fields: Record<string, unknown> | null = null
      for (const k of Object.keys(info)) {
        if (NOT_FIELDS.has(k)) continue
        fields ??= {}
        fields[k] = info[k]
      }
      const m = info.message
      let message = typeof m === 'string' ? m : error !== null ? error.message : ''
      // logger.error('msg', err): winston appends err.message to the message; keep the caller's text.
      if (error !== null && (error as unknown) !== info && message.endsWith(` ${error.message}`)) message = message.slice(0, -error.message.length - 1)
      handleRecord(c, resolved, 'winston', { level, logger, message, error, fields })
    } finally { leave() }
  }

  if (transportOptions !== undefined && (transportOptions === null || typeof transportOptions !== 'object')) {
    throw new ConfigurationError('winstonTransport({ transportOptions }) takes winston\'s transport options as an object, e.g. { level: \'info\' }.')
  }
  return new XrayRadarTransport(transportOptions) as T
}
