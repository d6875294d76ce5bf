import * as dc from 'node:diagnostics_channel'
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { types } from 'node:util'
import type { Integration } from '../../shared/integration'
import { sayOnce } from '../../capture/say-once'
import { type LoggingOptions, Registry, enter, handleRecord, ignored, leave, levelFromPinoNumber, resolveLogging } from './levels'

// pino records through pino's own tracing channel (pino ≥ 9.10): its start event runs
// synchronously inside logger.info(), in the caller's async context, so a breadcrumb lands on
// the request that logged it (a pino transport runs in a worker thread and could not). The
// message is { instance, arguments: [mergeObject, msg, levelNumber, time] }; a logged Error is
// the merge object's error key (logger.error(err) becomes { err } before it).

const START = 'tracing:pino_asJson:start'
const registry = new Registry()

// pino keeps its settings under Symbol('pino.chindings') etc., one set per installed copy of
// pino: found by description once per copy, then read directly.
interface PinoKeys { chindings: symbol, errorKey: symbol | null }
const known: PinoKeys[] = []

function keysOf (instance: Record<symbol, unknown>): PinoKeys | null {
  for (const k of known) if (typeof instance[k.chindings] === 'string') return k
  let chindings: symbol | null = null
  let errorKey: symbol | null = null
  for (let o: object | null = instance; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const s of Object.getOwnPropertySymbols(o)) {
      if (s.description === 'pino.chindings' && chindings === null) chindings = s
      else if (s.description === 'pino.errorKey' && errorKey === null) errorKey = s
    }
  }
  if (chindings === null || typeof instance[chindings] !== 'string') return null
  const k = { chindings, errorKey }
  known.push(k)
  return k
}

// Logger name per logger instance (pino's `name` binding; a child's own `name` wins, as in
// JSON), parsed once per instance and held weakly: pino-http and the like make a child logger
// per request whose chindings hold the serialized request, so a cache keyed by that string
// would fill with multi-KB keys.
const names = new WeakMap<object, string | null>()

function nameOf (instance: object, chindings: unknown): string | null {
  let name = names.get(instance)
  if (name !== undefined) return name
  name = null
  if (typeof chindings === 'string') {
    try {
      const parsed = JSON.parse(`{${chindings.slice(1)}}`) as { name?: unknown }
      if (typeof parsed.name === 'string') name = parsed.name
    } catch {}
  }
  names.set(instance, name)
  return name
}

function onStart (message: unknown): void {
  const reg = registry.current()
  if (reg === null) return
  const m = message as { instance?: Record<symbol | string, unknown>, arguments?: ArrayLike<unknown> } | null
  const args = m?.arguments
  const num = args?.[2]
  if (typeof num !== 'number' || m === null || typeof m.instance !== 'object' || m.instance === null) return
  const level = levelFromPinoNumber(num)
  const keys = keysOf(m.instance)
  const logger = keys === null ? null : nameOf(m.instance, m.instance[keys.chindings])
  if (ignored(reg.resolved, level, logger) || !enter()) return
  try {
    const obj = args?.[0]
    const errKey = keys !== null && keys.errorKey !== null ? m.instance[keys.errorKey] : undefined
    const errorKey = typeof errKey === 'string' ? errKey : 'err'
    let error: Error | null = null
    let fields: Record<string, unknown> | null = null
    if (obj !== null && typeof obj === 'object') {
      const o = obj as Record<string, unknown>
      const e = o[errorKey]
      if (e instanceof Error || types.isNativeError(e)) {
        error = e as Error
        for (const k in o) {
          if (k === errorKey) continue
          fields ??= {}
          fields[k] = o[k]
        }
      } else {
        // No error to leave out: the object itself (the breadcrumb and event copy it).
        for (const _ in o) { fields = o; break }
      }
    }
    const msg = args?.[1]
    const text = typeof msg === 'string' ? msg : error !== null ? error.message : ''
    const instance = m.instance
    handleRecord(reg.client, reg.resolved, 'pino', { level, logger, message: text, error, fields, eventContext: () => bindingsOf(instance) })
  } catch {} finally { leave() }
}

/** A logger's child bindings (pino's bindings() without `name`, which is the logger tag), or null. */
function bindingsOf (instance: Record<symbol | string, unknown>): Record<string, unknown> | null {
  try {
    const fn = instance.bindings
    if (typeof fn !== 'function') return null
    const b = fn.call(instance) as Record<string, unknown> | null
    if (b === null || typeof b !== 'object') return null
    const { name: _name, ...rest } = b
    for (const _ in rest) return rest
    return null
  } catch {
    return null
  }
}

/** The app's pino version when it is older than 9.10 (no tracing channel), else null. */
function oldPino (): string | null {
  try {
    const main = createRequire(join(process.cwd(), '/')).resolve('pino')
    const v = (JSON.parse(readFileSync(join(dirname(main), 'package.json'), 'utf8')) as { version?: unknown }).version
    if (typeof v !== 'string') return null
    const [major = 0, minor = 0] = v.split('.').map((p) => parseInt(p, 10))
    return major < 9 || (major === 9 && minor < 10) ? v : null
  } catch {
    return null
  }
}

function install (): void {
  dc.subscribe(START, onStart)
  const v = oldPino()
  if (v !== null) {
    sayOnce('pino-version', `pinoIntegration() needs pino 9.10 or later (it reads pino's tracing channel); this app has pino ${v}, whose records are not reported. Upgrade pino (npm install pino@latest).`)
  }
}

function uninstall (): void { dc.unsubscribe(START, onStart) }

/**
 * pino records as events (≥ eventLevel, default 'warning') and breadcrumbs (≥ breadcrumbLevel,
 * default 'info'), for pino 9.10+ and 10. Level numbers: ≥60 fatal, ≥50 error, ≥40 warning,
 * ≥30 info, lower debug (custom levels by their number). Logger name: pino's `name`.
 */
export function pinoIntegration (options?: LoggingOptions): Integration {
  const resolved = resolveLogging('pinoIntegration', options, { eventLevel: 'warning' })
  return {
    name: 'Pino',
    setup (client) {
      return registry.add({ client, resolved }, install, uninstall)
    }
  }
}
