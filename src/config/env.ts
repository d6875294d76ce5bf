import { workerData } from 'node:worker_threads'
import { ConfigurationError } from '../shared/errors'
import { isSdkWorker } from '../shared/worker-protocol'
import { closestName } from './names'
import { numericOption } from './defaults'
import type { BooleanKey, NumericKey, Options, StringKey } from './types'

// The XRAYRADAR_* environment variables: which option each sets, how its text is read, and
// the warning for a set variable the SDK does not read.

const ENV_PREFIX = 'XRAYRADAR_'

/** How a variable's text is read: by the kind of the option it sets (a number is whole when the option's row says so). */
type EnvVariable = { name: string } & (
  | { option: StringKey, kind: 'string' }
  | { option: NumericKey, kind: 'number' }
  | { option: BooleanKey, kind: 'boolean' }
)

/** The variables the SDK reads, in the order the unknown-variable warning lists them. */
export const ENV_VARIABLES: readonly EnvVariable[] = [
  { name: 'XRAYRADAR_DSN', option: 'dsn', kind: 'string' },
  { name: 'XRAYRADAR_AUTH_TOKEN', option: 'authToken', kind: 'string' },
  { name: 'XRAYRADAR_ENVIRONMENT', option: 'environment', kind: 'string' },
  { name: 'XRAYRADAR_RELEASE', option: 'release', kind: 'string' },
  { name: 'XRAYRADAR_SERVER_NAME', option: 'serverName', kind: 'string' },
  { name: 'XRAYRADAR_SAMPLE_RATE', option: 'sampleRate', kind: 'number' },
  { name: 'XRAYRADAR_SEND_DEFAULT_PII', option: 'sendDefaultPii', kind: 'boolean' },
  { name: 'XRAYRADAR_DEBUG', option: 'debug', kind: 'boolean' },
  { name: 'XRAYRADAR_MAX_BREADCRUMBS', option: 'maxBreadcrumbs', kind: 'number' },
  { name: 'XRAYRADAR_TIMEOUT', option: 'timeout', kind: 'number' },
  { name: 'XRAYRADAR_VERIFY_SSL', option: 'verifySsl', kind: 'boolean' },
  { name: 'XRAYRADAR_MAX_PAYLOAD_SIZE', option: 'maxPayloadSize', kind: 'number' },
  { name: 'XRAYRADAR_SOURCE_MAPS', option: 'sourceMaps', kind: 'boolean' }
]

function envValue (variable: EnvVariable, raw: string): unknown {
  const { name } = variable
  const v = raw.trim()
  if (variable.kind === 'string') return v
  if (variable.kind === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(v)) return true
    if (/^(0|false|no|off)$/i.test(v)) return false
    throw new ConfigurationError(`${name}="${v}" is not a boolean. Use true or false.`)
  }
  const integer = numericOption(variable.option).integer
  const n = Number(v)
  if (v === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new ConfigurationError(`${name}="${v}" is not ${integer ? 'a whole number' : 'a number'}. Set it to a plain number such as ${integer ? '100' : '0.5'}, or unset it.`)
  }
  return n
}

/** Options from XRAYRADAR_* variables; explicit options win over them. */
export function optionsFromEnv (env: NodeJS.ProcessEnv = process.env): Options {
  const out: Record<string, unknown> = {}
  for (const variable of ENV_VARIABLES) {
    const raw = env[variable.name]
    if (raw === undefined || raw === '') continue
    out[variable.option] = envValue(variable, raw)
  }
  return out as Options
}

// Name parts compared without prefix, underscores or case: XRAYRADAR_SAMPLERATE and
// xrayradar_sample_rate are XRAYRADAR_SAMPLE_RATE.
const bare = (name: string): string => name.slice(ENV_PREFIX.length).replace(/_/g, '').toUpperCase()
const ENV_NAMES = ENV_VARIABLES.map(({ name }) => name)

/** XRAYRADAR_* variables set in env that the SDK does not read, each with the one it likely meant. */
export function unknownEnvVariables (env: NodeJS.ProcessEnv = process.env): Array<{ name: string, suggestion: string | null }> {
  const known = new Set(ENV_NAMES)
  return Object.keys(env)
    .filter((name) => name.toUpperCase().startsWith(ENV_PREFIX) && !known.has(name))
    .map((name) => ({ name, suggestion: closestName(name, ENV_NAMES, { form: bare, typos: true }) }))
}

// Names already warned about: init() again (or a second client) does not repeat the line.
const warnedEnv = new Set<string>()

/** One stderr line for misspelled variables (their names only: a value may be a secret). */
export function warnUnknownEnv (env: NodeJS.ProcessEnv): void {
  // Our own workers resolve options too when a preload calls init(); the main thread already said it.
  if (isSdkWorker(workerData)) return
  const fresh = unknownEnvVariables(env).filter(({ name }) => !warnedEnv.has(name))
  if (fresh.length === 0) return
  for (const { name } of fresh) warnedEnv.add(name)
  const list = fresh.map(({ name, suggestion }) => suggestion === null ? name : `${name} (did you mean ${suggestion}?)`).join(', ')
  process.stderr.write(`[xrayradar] ignoring unknown environment variable${fresh.length > 1 ? 's' : ''} ${list}. The SDK reads ${ENV_NAMES.join(', ')}.\n`)
}
