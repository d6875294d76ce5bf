import { hostname } from 'node:os'
import { workerData } from 'node:worker_threads'
import { ConfigurationError } from '../shared/errors'
import { defaultSpoolDir } from './spool-dir'
import { spoolKey } from '../shared/spool-target'
import { parseDsn, type ParsedDsn } from './dsn'
import type { Breadcrumb, WireEvent } from '../shared/types'
import type { Transport } from '../transports/transport'
import { isSdkWorker } from '../shared/worker-protocol'
import type { Integration, IntegrationsOption } from '../shared/integration'

/** What beforeSend sees: the wire event before the worker parsed frames; see docs/configuration.md. */
export type BeforeSend = (event: WireEvent) => WireEvent | null | undefined
export type BeforeBreadcrumb = (crumb: Breadcrumb) => Breadcrumb | null | undefined

export interface Options {
  dsn?: string | undefined
  authToken?: string | undefined
  debug?: boolean | undefined
  environment?: string | undefined
  release?: string | undefined
  serverName?: string | undefined
  sampleRate?: number | undefined
  maxBreadcrumbs?: number | undefined
  beforeSend?: BeforeSend | undefined
  beforeBreadcrumb?: BeforeBreadcrumb | undefined
  sendDefaultPii?: boolean | undefined
  /** More secret-like keys: values under a key containing one (case and separators ignored) become "[Filtered]". See docs/privacy.md. */
  denyKeys?: string[] | undefined
  /** Seconds for one HTTP attempt (as in the Python SDK and the config file). */
  timeout?: number | undefined
  verifySsl?: boolean | undefined
  /** Bytes; an event is truncated to fit, or dropped as too_large. */
  maxPayloadSize?: number | undefined
  transport?: Transport | undefined
  /** Bytes of the record ring between capture and the workers (plus a quarter for the blob area). */
  ringSize?: number | undefined
  /** Events accepted and not yet settled, at most; more are dropped as queue_full. */
  maxQueuedEvents?: number | undefined
  workers?: number | undefined
  /** Concurrent HTTP requests, over all workers. */
  maxInFlight?: number | undefined
  /** Events sent per second, over all workers; 0 for no cap. */
  maxEventsPerSecond?: number | undefined
  /** Attempts per event for 5xx and network errors (the first included). */
  maxAttempts?: number | undefined
  /** ms the process may wait at exit for events still in flight. */
  shutdownTimeout?: number | undefined
  /** Capture uncaught exceptions (level fatal, handled: false) without changing Node's behaviour. Default true. */
  captureUnhandled?: boolean | undefined
  /** Unhandled rejections: 'crash' keeps Node's default (capture, print, exit 1), 'warn' captures and keeps running, 'none' ignores them. */
  unhandledRejections?: 'crash' | 'warn' | 'none' | undefined
  /** Drain on these signals, then let the signal end the process as it would have. true: SIGTERM and SIGINT. Default off. */
  handleSignals?: boolean | NodeJS.Signals[] | undefined
  /** Keep events that cannot be delivered in time on disk and send them later. Default true. */
  spool?: boolean | undefined
  /** Default: ~/.cache/xrayradar/spool/<hash of the DSN's host and project> (see docs/configuration.md). */
  spoolDir?: string | undefined
  /** Bytes on disk at most; beyond, events are dropped as spool_full. Default 64 MiB. */
  spoolMaxBytes?: number | undefined
  /** ms a spooled event is kept; older ones are deleted unsent (spool.expired). Default 24 h. */
  spoolMaxAge?: number | undefined
  /** Integrations to set up besides the defaults (a name listed again replaces the default), or a function given the defaults that returns the list. See docs/integrations.md. */
  integrations?: IntegrationsOption | undefined
  /** Set up the default integrations (incoming and outgoing HTTP, console breadcrumbs). Default true. */
  defaultIntegrations?: boolean | undefined
  /** Map frames of compiled code (TypeScript, bundles) to their sources with their source maps, in the workers. Default true. See docs/source-maps.md. */
  sourceMaps?: boolean | undefined
}

/** Where an empty DSN came from (it disables the client, as no DSN does); `hides`: the option hid a set XRAYRADAR_DSN. */
export interface EmptyDsn {
  source: 'the dsn option' | 'XRAYRADAR_DSN'
  hides: boolean
}

export interface ResolvedOptions {
  dsn: ParsedDsn | null
  /** Set when dsn is null because a source held an empty (or whitespace-only) DSN. */
  emptyDsn: EmptyDsn | null
  authToken: string | null
  debug: boolean
  environment: string
  release: string | null
  serverName: string
  sampleRate: number
  maxBreadcrumbs: number
  beforeSend: BeforeSend | null
  beforeBreadcrumb: BeforeBreadcrumb | null
  sendDefaultPii: boolean
  denyKeys: string[]
  timeoutMs: number
  verifySsl: boolean
  maxPayloadSize: number
  transport: Transport | null
  ringSize: number
  maxQueuedEvents: number
  workers: number
  maxInFlight: number
  maxEventsPerSecond: number
  maxAttempts: number
  shutdownTimeout: number
  captureUnhandled: boolean
  unhandledRejections: 'crash' | 'warn' | 'none'
  handleSignals: NodeJS.Signals[]
  spoolDir: string | null
  spoolMaxBytes: number
  spoolMaxAge: number
  integrations: IntegrationsOption | null
  defaultIntegrations: boolean,
  sourceMaps: boolean
}

export const OPTION_KEYS: ReadonlyArray<keyof Options> = [
  'dsn', 'authToken', 'debug', 'environment', 'release', 'serverName', 'sampleRate', 'maxBreadcrumbs',
  'beforeSend', 'beforeBreadcrumb', 'sendDefaultPii', 'denyKeys', 'timeout', 'verifySsl', 'maxPayloadSize', 'transport',
  'ringSize', 'maxQueuedEvents', 'workers', 'maxInFlight', 'maxEventsPerSecond', 'maxAttempts', 'shutdownTimeout',
  'captureUnhandled', 'unhandledRejections', 'handleSignals', 'spool', 'spoolDir', 'spoolMaxBytes', 'spoolMaxAge',
  'integrations', 'defaultIntegrations', 'sourceMaps'
]

/** Environment variable → option, and how to read it. */
const ENV: Array<[string, keyof Options, 'string' | 'number' | 'integer' | 'boolean']> = [
  ['XRAYRADAR_DSN', 'dsn', 'string'],
  ['XRAYRADAR_AUTH_TOKEN', 'authToken', 'string'],
  ['XRAYRADAR_ENVIRONMENT', 'environment', 'string'],
  ['XRAYRADAR_RELEASE', 'release', 'string'],
  ['XRAYRADAR_SERVER_NAME', 'serverName', 'string'],
  ['XRAYRADAR_SAMPLE_RATE', 'sampleRate', 'number'],
  ['XRAYRADAR_SEND_DEFAULT_PII', 'sendDefaultPii', 'boolean'],
  ['XRAYRADAR_DEBUG', 'debug', 'boolean'],
  ['XRAYRADAR_MAX_BREADCRUMBS', 'maxBreadcrumbs', 'integer'],
  ['XRAYRADAR_TIMEOUT', 'timeout', 'number'],
  ['XRAYRADAR_VERIFY_SSL', 'verifySsl', 'boolean'],
  ['XRAYRADAR_MAX_PAYLOAD_SIZE', 'maxPayloadSize', 'integer'],
  ['XRAYRADAR_SOURCE_MAPS', 'sourceMaps', 'boolean']
]

const camelToSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())

function suggest (key: string): string {
  const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
  if (camel !== key && (OPTION_KEYS as readonly string[]).includes(camel)) return ` Did you mean "${camel}"?`
  return ''
}

function envValue (name: string, raw: string, kind: 'string' | 'number' | 'integer' | 'boolean'): unknown {
  const v = raw.trim()
  if (kind === 'string') return v
  if (kind === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(v)) return true
    if (/^(0|false|no|off)$/i.test(v)) return false
    throw new ConfigurationError(`${name}="${v}" is not a boolean. Use true or false.`)
  }
  const n = Number(v)
  if (v === '' || !Number.isFinite(n) || (kind === 'integer' && !Number.isInteger(n))) {
    throw new ConfigurationError(`${name}="${v}" is not ${kind === 'integer' ? 'a whole number' : 'a number'}. Set it to a plain number such as ${kind === 'integer' ? '100' : '0.5'}, or unset it.`)
  }
  return n
}

/** Options from XRAYRADAR_* variables; explicit options win over them. */
export function optionsFromEnv (env: NodeJS.ProcessEnv = process.env): Options {
  const out: Record<string, unknown> = {}
  for (const [name, key, kind] of ENV) {
    const raw = env[name]
    if (raw === undefined || raw === '') continue
    out[key] = envValue(name, raw, kind)
  }
  return out as Options
}

const ENV_PREFIX = 'XRAYRADAR_'
// Name parts compared without underscores or case: XRAYRADAR_SAMPLERATE and xrayradar_sample_rate
// are XRAYRADAR_SAMPLE_RATE. Two edits (a swap counts as one) catch DNS for DSN and most typos
// without suggesting an unrelated variable for a short name.
const MAX_NAME_EDITS = 2
const bare = (name: string): string => name.slice(ENV_PREFIX.length).replace(/_/g, '').toUpperCase()

/** Edit distance with adjacent swaps as one edit (optimal string alignment). */
function editDistance (a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[]
      const up = d[i - 1] as number[]
      row[j] = Math.min(up[j] as number + 1, row[j - 1] as number + 1, up[j - 1] as number + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, (d[i - 2] as number[])[j - 2] as number + 1)
    }
  }
  return (d[a.length] as number[])[b.length] as number
}

/** The variable a misspelled XRAYRADAR_* name most likely meant, or null. */
function closestEnvName (name: string): string | null {
  const x = bare(name)
  let best: string | null = null
  let bestScore = Infinity
  for (const [known] of ENV) {
    const k = bare(known)
    // Equal without underscores and case; else a few edits; else one name inside the other (TOKEN → AUTH_TOKEN).
    const score = x === k ? 0 : editDistance(x, k) <= Math.min(MAX_NAME_EDITS, Math.floor(k.length / 3)) ? 1 : x.length >= 3 && (k.includes(x) || x.includes(k)) ? 2 : Infinity
    if (score < bestScore) { best = known; bestScore = score }
  }
  return best
}

/** XRAYRADAR_* variables set in env that the SDK does not read, each with the one it likely meant. */
export function unknownEnvVariables (env: NodeJS.ProcessEnv = process.env): Array<{ name: string, suggestion: string | null }> {
  const known = new Set(ENV.map(([name]) => name))
  return Object.keys(env)
    .filter((name) => name.toUpperCase().startsWith(ENV_PREFIX) && !known.has(name))
    .map((name) => ({ name, suggestion: closestEnvName(name) }))
}

// Names already warned about: init() again (or a second client) does not repeat the line.
const warnedEnv = new Set<string>()

/** One stderr line for misspelled variables (their names only: a value may be a secret). */
function warnUnknownEnv (env: NodeJS.ProcessEnv): void {
  // Our own workers resolve options too when a preload calls init(); the main thread already said it.
  if (isSdkWorker(workerData)) return
  const fresh = unknownEnvVariables(env).filter(({ name }) => !warnedEnv.has(name))
  if (fresh.length === 0) return
  for (const { name } of fresh) warnedEnv.add(name)
  const list = fresh.map(({ name, suggestion }) => suggestion === null ? name : `${name} (did you mean ${suggestion}?)`).join(', ')
  process.stderr.write(`[xrayradar] ignoring unknown environment variable${fresh.length > 1 ? 's' : ''} ${list}. The SDK reads ${ENV.map(([name]) => name).join(', ')}.\n`)
}

function num (opts: Options, key: keyof Options, def: number, min: number, max: number, integer: boolean, unit = ''): number {
  const v = opts[key]
  if (v === undefined || v === null) return def
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    const what = integer ? 'a whole number' : 'a number'
    throw new ConfigurationError(`${key} must be ${what} from ${min} to ${max}${unit}; got ${describe(v)}.`)
  }
  return v
}

function str (opts: Options, key: keyof Options): string | null {
  const v = opts[key]
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') throw new ConfigurationError(`${key} must be a string; got ${describe(v)}.`)
  return v
}

/**
 * The auth token: never echoed, whatever its type (a YAML `auth_token: 12345678`
 * arrives as a number, and the number is the secret).
 */
function token (opts: Options): string | null {
  const v = opts.authToken as unknown
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') {
    throw new ConfigurationError(`authToken must be a string; got a ${Array.isArray(v) ? 'list' : typeof v} (value not shown). In YAML or JSON, quote it: auth_token: "…".`)
  }
  return v
}

/** Tokens shorter than this can occur by chance in event text, so scrubbing them cannot be reliable (init() warns). */
/** handleSignals: true drains on these: the signals a supervisor (systemd, Kubernetes, Ctrl-C) sends to stop a service. */
const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']

export const MIN_SCRUBBABLE_TOKEN = 8

function denyKeys (opts: Options): string[] {
  const v = opts.denyKeys as unknown
  if (v === undefined || v === null) return []
  if (Array.isArray(v) && v.every((k) => typeof k === 'string' && /[a-z0-9]/i.test(k))) return [...v] as string[]
  throw new ConfigurationError(`denyKeys must be a list of key names such as ["ssn", "card_number"] (each with a letter or digit); got ${describe(v)}.`)
}

function bool (opts: Options, key: keyof Options, def: boolean): boolean {
  const v = opts[key]
  if (v === undefined || v === null) return def
  if (typeof v !== 'boolean') throw new ConfigurationError(`${key} must be true or false; got ${describe(v)}.`)
  return v
}

function fn<T> (opts: Options, key: keyof Options): T | null {
  const v = opts[key]
  if (v === undefined || v === null) return null
  if (typeof v !== 'function') throw new ConfigurationError(`${key} must be a function; got ${describe(v)}.`)
  return v as T
}

// Function kinds whose call returns a Promise or an iterator, never the event: the
// callbacks run inside a synchronous capture, which cannot wait for them.
const NOT_SYNC = new Set(['[object AsyncFunction]', '[object AsyncGeneratorFunction]', '[object GeneratorFunction]'])

/** beforeSend / beforeBreadcrumb: a function that returns its result synchronously. */
function syncFn<T> (opts: Options, key: 'beforeSend' | 'beforeBreadcrumb'): T | null {
  const f = fn<T>(opts, key)
  if (f !== null && NOT_SYNC.has(Object.prototype.toString.call(f))) {
    const what = key === 'beforeSend' ? 'the event (or null to drop it)' : 'the breadcrumb (or null to skip it)'
    throw new ConfigurationError(`${key} must be a synchronous function that returns ${what}: capture does not wait for a Promise. Remove "async" (or a generator's "*"): do lookups before capturing, or set their results on the scope.`)
  }
  return f
}

function describe (v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v)
  return typeof v
}

function signals (opts: Options): NodeJS.Signals[] {
  const v = opts.handleSignals
  if (v === undefined || v === null || v === false) return []
  if (v === true) return [...DEFAULT_SIGNALS]
  if (Array.isArray(v) && v.every((s) => typeof s === 'string' && /^SIG[A-Z0-9]+$/.test(s) && s !== 'SIGKILL' && s !== 'SIGSTOP')) return [...new Set(v)]
  throw new ConfigurationError(`handleSignals must be true, false or a list of signal names such as ["SIGTERM", "SIGINT"] (not SIGKILL or SIGSTOP); got ${describe(v)}.`)
}

function integrations (opts: Options): IntegrationsOption | null {
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

/** Where the empty DSN in effect came from, or null when there is a non-empty one or none at all. */
function emptyDsnSource (given: Options, dsn: string | null, env: NodeJS.ProcessEnv): EmptyDsn | null {
  const fromEnv = env.XRAYRADAR_DSN
  const envEmpty = fromEnv !== undefined && fromEnv.trim() === ''
  if (given.dsn !== undefined && given.dsn !== null) {
    return dsn !== null && dsn.trim() === '' ? { source: 'the dsn option', hides: fromEnv !== undefined && !envEmpty } : null
  }
  // optionsFromEnv skips an empty variable; a whitespace-only one arrives here trimmed to ''.
  return envEmpty ? { source: 'XRAYRADAR_DSN', hides: false } : null
}

function rejectionMode (opts: Options): 'crash' | 'warn' | 'none' {
  const v = opts.unhandledRejections
  if (v === undefined || v === null) return 'crash'
  if (v === 'crash' || v === 'warn' || v === 'none') return v
  throw new ConfigurationError(`unhandledRejections must be "crash" (Node's default: capture, print, exit 1), "warn" (capture and keep running) or "none"; got ${describe(v)}.`)
}

/** Validates and fills defaults. Throws ConfigurationError naming the fix. */
export function resolveOptions (given: Options = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (given === null || typeof given !== 'object') {
    throw new ConfigurationError(`init() takes an options object such as { dsn: 'https://xrayradar.com/your_project_id' }; got ${describe(given)}.`)
  }
  for (const key of Object.keys(given)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      throw new ConfigurationError(`Unknown option "${key}".${suggest(key)} Known options: ${OPTION_KEYS.join(', ')}.`)
    }
  }
  warnUnknownEnv(env)
  const opts: Options = { ...optionsFromEnv(env) }
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (opts as Record<string, unknown>)[k] = v

  const dsnRaw = str(opts, 'dsn')
  const emptyDsn = emptyDsnSource(given, dsnRaw, env)
  const transport = opts.transport ?? null
  if (transport !== null && (typeof transport !== 'object' || typeof (transport as Transport).send !== 'function')) {
    throw new ConfigurationError('transport must be an object with a send(event) method (see the Transport interface), DebugTransport or NullTransport.')
  }
  const environment = str(opts, 'environment') ?? 'development'
  if (environment === '') throw new ConfigurationError('environment must not be empty; use a name such as "production".')
  const workers = num(opts, 'workers', 1, 1, 16, true)
  // Empty from any source is "no DSN": `dsn: process.env.X` with X set but empty must not stop a service.
  const dsn = dsnRaw === null || emptyDsn !== null ? null : parseDsn(dsnRaw)
  const spoolDirGiven = str(opts, 'spoolDir')
  const spoolDir = !bool(opts, 'spool', true) || dsn === null
    ? null
    : spoolDirGiven ?? defaultSpoolDir(spoolKey(dsn.origin, dsn.projectId), env)
  return {
    dsn,
    emptyDsn,
    authToken: token(opts),
    debug: bool(opts, 'debug', false),
    environment,
    release: str(opts, 'release'),
    serverName: str(opts, 'serverName') ?? hostname(),
    sampleRate: num(opts, 'sampleRate', 1, 0, 1, false, ' (1.0 sends every event, 0.5 half of them)'),
    maxBreadcrumbs: num(opts, 'maxBreadcrumbs', 100, 0, 1000, true),
    beforeSend: syncFn<BeforeSend>(opts, 'beforeSend'),
    beforeBreadcrumb: syncFn<BeforeBreadcrumb>(opts, 'beforeBreadcrumb'),
    sendDefaultPii: bool(opts, 'sendDefaultPii', false),
    denyKeys: denyKeys(opts),
    timeoutMs: Math.round(num(opts, 'timeout', 10, 0.001, 600, false, ' seconds') * 1000),
    verifySsl: bool(opts, 'verifySsl', true),
    maxPayloadSize: num(opts, 'maxPayloadSize', 100 * 1024, 1024, 16 * 1024 * 1024, true, ' bytes'),
    transport,
    ringSize: num(opts, 'ringSize', 16 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024, true, ' bytes'),
    maxQueuedEvents: num(opts, 'maxQueuedEvents', 65536, 64, 1 << 22, true),
    workers,
    maxInFlight: num(opts, 'maxInFlight', 32, workers, 1024, true),
    maxEventsPerSecond: num(opts, 'maxEventsPerSecond', 10000, 0, 1e7, true),
    maxAttempts: num(opts, 'maxAttempts', 4, 1, 20, true),
    shutdownTimeout: num(opts, 'shutdownTimeout', 2000, 0, 600000, true, ' ms'),
    captureUnhandled: bool(opts, 'captureUnhandled', true),
    unhandledRejections: rejectionMode(opts),
    handleSignals: signals(opts),
    spoolDir,
    spoolMaxBytes: num(opts, 'spoolMaxBytes', 64 * 1024 * 1024, 0, 2 ** 40, true, ' bytes'),
    spoolMaxAge: num(opts, 'spoolMaxAge', 24 * 3600 * 1000, 1000, 365 * 24 * 3600 * 1000, true, ' ms'),
    integrations: integrations(opts),
    defaultIntegrations: bool(opts, 'defaultIntegrations', true),
    sourceMaps: bool(opts, 'sourceMaps', true)
  }
}

export { camelToSnake }
