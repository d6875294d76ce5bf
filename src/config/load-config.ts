import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { ConfigurationError } from '../shared/errors'
import { resolveOptions } from './options'
import { camelToSnake, snakeToCamel } from './names'
import { OPTION_KEYS, type Options } from './types'
import { redactDsn } from './dsn'

// Functions and objects cannot come from a file.
const CODE_ONLY = new Set(['beforeSend', 'beforeBreadcrumb', 'transport', 'integrations'])
const FILE_KEYS = new Map<string, keyof Options>(
  OPTION_KEYS.filter((k) => !CODE_ONLY.has(k)).map((k) => [camelToSnake(k), k])
)

/**
 * Reads an xrayradar.json / .yaml / .yml file (snake_case keys, as the Python SDK's
 * load_config) or an object of the same shape, checks it, and returns options for
 * init() / new ErrorTracker().
 */
export function loadConfig (source: string | Record<string, unknown>): Options {
  let raw: unknown
  let where = 'the configuration object'
  if (typeof source === 'string') {
    where = source
    let text: string
    try {
      text = readFileSync(source, 'utf8')
    } catch (err) {
      throw new ConfigurationError(`Cannot read the configuration file ${source}: ${(err as NodeJS.ErrnoException).code ?? 'error'}. Check the path (relative paths start at ${process.cwd()}).`)
    }
    const ext = extname(source).toLowerCase()
    try {
      // yaml is loaded only here: it costs ~40 ms of import time nobody else should pay.
      raw = ext === '.json' ? JSON.parse(text) : (require('yaml') as typeof import('yaml')).parse(text)
    } catch (err) {
      throw new ConfigurationError(`${source} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${redactDsn((err as Error).message.split('\n')[0] ?? '')}`)
    }
  } else {
    raw = source
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigurationError(`${where} must hold an object of settings such as { "dsn": "https://xrayradar.com/your_project_id" }.`)
  }
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    const option = FILE_KEYS.get(key)
    if (option === undefined) {
      const code = CODE_ONLY.has(snakeToCamel(key)) || CODE_ONLY.has(key)
      const hint = code
        ? ` It is code (a function, an object or a list of integrations), which a file cannot hold: pass it to init() beside the file's settings, as init({ ...loadConfig(file), ${snakeToCamel(key)}: ... }).`
        : FILE_KEYS.has(camelToSnake(key)) ? ` Use "${camelToSnake(key)}" (snake_case) in files.` : ''
      throw new ConfigurationError(`Unknown key "${key}" in ${where}.${hint} Known keys: ${[...FILE_KEYS.keys()].join(', ')}.`)
    }
    out[option] = value
  }
  try {
    resolveOptions(out as Options, {})
  } catch (err) {
    if (err instanceof ConfigurationError) {
      let msg = err.message
      for (const [snake, camel] of FILE_KEYS) msg = msg.replace(new RegExp(`\\b${camel}\\b`, 'g'), snake)
      err.message = `In ${where}: ${msg}`
    }
    throw err
  }
  return out as Options
}
