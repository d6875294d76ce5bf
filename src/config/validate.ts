import { ConfigurationError } from '../shared/errors'
import type { Integration, IntegrationsOption } from '../shared/integration'
import { BOOLEAN_DEFAULTS, DEFAULT_SIGNALS, numericOption } from './defaults'
import type { BooleanKey, NumericKey, Options } from './types'

// One check per kind of option value: each returns the value (or its default) or throws a
// ConfigurationError that names the option and the fix.

/** A value as a refusal may show it: strings cut short, objects only by their type. */
export function describe (v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v)
  return typeof v
}

/** A numeric option: its default when unset, else a finite number within the row's bounds. */
export function numeric (opts: Options, key: NumericKey): number {
  const { default: def, min, max, integer, unit, hint } = numericOption(key)
  const v = opts[key] as unknown
  if (v === undefined || v === null) return def
  const low = typeof min === 'number' ? min : numeric(opts, min)
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < low || v > max) {
    const what = integer ? 'a whole number' : 'a number'
    throw new ConfigurationError(`${key} must be ${what} from ${low} to ${max}${unit === null ? '' : ` ${unit}`}${hint === undefined ? '' : ` (${hint})`}; got ${describe(v)}.`)
  }
  return v
}

export function bool (opts: Options, key: BooleanKey): boolean {
  const v = opts[key] as unknown
  if (v === undefined || v === null) return BOOLEAN_DEFAULTS[key]
  if (typeof v !== 'boolean') throw new ConfigurationError(`${key} must be true or false; got ${describe(v)}.`)
  return v
}

export function stringOption (opts: Options, key: keyof Options): string | null {
  const v = opts[key]
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') throw new ConfigurationError(`${key} must be a string; got ${describe(v)}.`)
  return v
}

/**
 * The auth token: never echoed, whatever its type (a YAML `auth_token: 12345678`
 * arrives as a number, and the number is the secret).
 */
export function token (opts: Options): string | null {
  const v = opts.authToken as unknown
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') {
    throw new ConfigurationError(`authToken must be a string; got a ${Array.isArray(v) ? 'list' : typeof v} (value not shown). In YAML or JSON, quote it: auth_token: "…".`)
  }
  return v
}

export function denyKeys (opts: Options): string[] {
  const v = opts.denyKeys as unknown
  if (v === undefined || v === null) return []
  if (Array.isArray(v) && v.every((k) => typeof k === 'string' && /[a-z0-9]/i.test(k))) return [...v] as string[]
  throw new ConfigurationError(`denyKeys must be a list of key names such as ["ssn", "card_number"] (each with a letter or digit); got ${describe(v)}.`)
}

// Function kinds whose call returns a Promise or an iterator, never the event: the
// callbacks run inside a synchronous capture, which cannot wait for them.
const NOT_SYNC = new Set(['[object AsyncFunction]', '[object AsyncGeneratorFunction]', '[object GeneratorFunction]'])

/** beforeSend / beforeBreadcrumb: a function that returns its result synchronously. */
export function syncFn<T> (opts: Options, key: 'beforeSend' | 'beforeBreadcrumb'): T | null {
  const f = opts[key] as unknown
  if (f === undefined || f === null) return null
  if (typeof f !== 'function') throw new ConfigurationError(`${key} must be a function; got ${describe(f)}.`)
  if (NOT_SYNC.has(Object.prototype.toString.call(f))) {
    const what = key === 'beforeSend' ? 'the event (or null to drop it)' : 'the breadcrumb (or null to skip it)'
    throw new ConfigurationError(`${key} must be a synchronous function that returns ${what}: capture does not wait for a Promise. Remove "async" (or a generator's "*"): do lookups before capturing, or set their results on the scope.`)
  }
  return f as T
}

export function signals (opts: Options): NodeJS.Signals[] {
  const v = opts.handleSignals
  if (v === undefined || v === null || v === false) return []
  if (v === true) return [...DEFAULT_SIGNALS]
  if (Array.isArray(v) && v.every((s) => typeof s === 'string' && /^SIG[A-Z0-9]+$/.test(s) && s !== 'SIGKILL' && s !== 'SIGSTOP')) return [...new Set(v)]
  throw new ConfigurationError(`handleSignals must be true, false or a list of signal names such as ["SIGTERM", "SIGINT"] (not SIGKILL or SIGSTOP); got ${describe(v)}.`)
}

export function integrations (opts: Options): IntegrationsOption | null {
  const v = opts.integrations
  if (v === undefined || v === null) return null
  if (typeof v === 'function') return v
  if (Array.isArray(v)) {
    v.forEach((i: unknown, n) => {
      if (i === null || typeof i !== 'object' || typeof (i as Integration).name !== 'string' || (i as Integration).name === '') {
        throw new ConfigurationError(`integrations[${n}] is not an integration: an integration is an object with a name and setup(client) or setupOnce(), such as httpIntegration(). Call the factory: httpIntegration(), not httpIntegration.`)
      }
    })
    return v
  }
  throw new ConfigurationError(`integrations must be a list such as [httpIntegration()] or a function (defaults) => list; got ${describe(v)}.`)
}

export function rejectionMode (opts: Options): 'crash' | 'warn' | 'none' {
  const v = opts.unhandledRejections
  if (v === undefined || v === null) return 'crash'
  if (v === 'crash' || v === 'warn' || v === 'none') return v
  throw new ConfigurationError(`unhandledRejections must be "crash" (Node's default: capture, print, exit 1), "warn" (capture and keep running) or "none"; got ${describe(v)}.`)
}
