import { hostname } from 'node:os'
import { ConfigurationError } from '../shared/errors'
import { spoolKey } from '../shared/spool-target'
import type { Transport } from '../transports/transport'
import { parseDsn } from './dsn'
import { warnUnknownEnv, optionsFromEnv } from './env'
import { closestName, snakeToCamel } from './names'
import { defaultSpoolDir } from './spool-dir'
import { OPTION_KEYS, type BeforeBreadcrumb, type BeforeSend, type EmptyDsn, type Options, type ResolvedOptions } from './types'
import { bool, denyKeys, describe, integrations, numeric, rejectionMode, signals, stringOption, syncFn, token } from './validate'

// From what the application gave (and the XRAYRADAR_* variables) to the options the SDK runs
// with: unknown keys refused, every value checked (src/config/validate.ts), defaults filled in
// (src/config/defaults.ts).

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

/** Validates and fills defaults. Throws ConfigurationError naming the fix. */
export function resolveOptions (given: Options = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (given === null || typeof given !== 'object') {
    throw new ConfigurationError(`init() takes an options object such as { dsn: 'https://xrayradar.com/your_project_id' }; got ${describe(given)}.`)
  }
  for (const key of Object.keys(given)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      // Only the snake_case spelling of a key (as in files and the Python SDK) is guessed; the list follows.
      const meant = closestName(key, OPTION_KEYS, { form: snakeToCamel, typos: false })
      throw new ConfigurationError(`Unknown option "${key}".${meant === null ? '' : ` Did you mean "${meant}"?`} Known options: ${OPTION_KEYS.join(', ')}.`)
    }
  }
  warnUnknownEnv(env)
  const opts: Options = { ...optionsFromEnv(env) }
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (opts as Record<string, unknown>)[k] = v

  const dsnRaw = stringOption(opts, 'dsn')
  const emptyDsn = emptyDsnSource(given, dsnRaw, env)
  const transport = opts.transport ?? null
  if (transport !== null && (typeof transport !== 'object' || typeof (transport as Transport).send !== 'function')) {
    throw new ConfigurationError('transport must be an object with a send(event) method (see the Transport interface), DebugTransport or NullTransport.')
  }
  const environment = stringOption(opts, 'environment') ?? 'development'
  if (environment === '') throw new ConfigurationError('environment must not be empty; use a name such as "production".')
  const workers = numeric(opts, 'workers')
  // Empty from any source is "no DSN": `dsn: process.env.X` with X set but empty must not stop a service.
  const dsn = dsnRaw === null || emptyDsn !== null ? null : parseDsn(dsnRaw)
  const spoolDirGiven = stringOption(opts, 'spoolDir')
  const spoolDir = !bool(opts, 'spool') || dsn === null
    ? null
    : spoolDirGiven ?? defaultSpoolDir(spoolKey(dsn.origin, dsn.projectId), env)
  // One check after another in this order: of several bad options, the one refused is the first here.
  return {
    dsn,
    emptyDsn,
    authToken: token(opts),
    debug: bool(opts, 'debug'),
    environment,
    release: stringOption(opts, 'release'),
    serverName: stringOption(opts, 'serverName') ?? hostname(),
    sampleRate: numeric(opts, 'sampleRate'),
    maxBreadcrumbs: numeric(opts, 'maxBreadcrumbs'),
    beforeSend: syncFn<BeforeSend>(opts, 'beforeSend'),
    beforeBreadcrumb: syncFn<BeforeBreadcrumb>(opts, 'beforeBreadcrumb'),
    sendDefaultPii: bool(opts, 'sendDefaultPii'),
    denyKeys: denyKeys(opts),
    timeoutMs: Math.round(numeric(opts, 'timeout') * 1000),
    verifySsl: bool(opts, 'verifySsl'),
    maxPayloadSize: numeric(opts, 'maxPayloadSize'),
    transport,
    ringSize: numeric(opts, 'ringSize'),
    maxQueuedEvents: numeric(opts, 'maxQueuedEvents'),
    workers,
    maxInFlight: numeric(opts, 'maxInFlight'),
    maxEventsPerSecond: numeric(opts, 'maxEventsPerSecond'),
    maxAttempts: numeric(opts, 'maxAttempts'),
    shutdownTimeout: numeric(opts, 'shutdownTimeout'),
    captureUnhandled: bool(opts, 'captureUnhandled'),
    unhandledRejections: rejectionMode(opts),
    handleSignals: signals(opts),
    spoolDir,
    spoolMaxBytes: numeric(opts, 'spoolMaxBytes'),
    spoolMaxAge: numeric(opts, 'spoolMaxAge'),
    integrations: integrations(opts),
    defaultIntegrations: bool(opts, 'defaultIntegrations'),
    sourceMaps: bool(opts, 'sourceMaps')
  }
}
