import { LEVELS } from '../shared/types'

// The ingest contract (docs/wire-protocol.md) as checks. Returns what is
// wrong, so a 400 says which field broke the contract.

const LEVEL_SET: ReadonlySet<string> = new Set(LEVELS)

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)
const isStrOrNull = (v: unknown): boolean => v === null || typeof v === 'string'
const isIso = (v: unknown): boolean => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT/.test(v)

function frameProblems (f: unknown, at: string, out: string[]): void {
  if (!isObj(f)) { out.push(`${at} is not an object`); return }
  for (const k of ['filename', 'function', 'abs_path']) if (!isStrOrNull(f[k])) out.push(`${at}.${k} must be a string or null`)
  for (const k of ['lineno', 'colno']) if (!(f[k] === null || Number.isInteger(f[k]))) out.push(`${at}.${k} must be an integer or null`)
  if (typeof f.in_app !== 'boolean') out.push(`${at}.in_app must be a boolean`)
  if ('context_line' in f && !isStrOrNull(f.context_line)) out.push(`${at}.context_line must be a string or null`)
  for (const k of ['pre_context', 'post_context']) {
    if (k in f && !(Array.isArray(f[k]) && (f[k] as unknown[]).every((l) => typeof l === 'string'))) out.push(`${at}.${k} must be an array of strings`)
  }
}

export function validateEvent (e: unknown): string[] {
  const out: string[] = []
  if (!isObj(e)) return ['the body must be one JSON object']
  if (typeof e.event_id !== 'string' || e.event_id === '') out.push('event_id must be a non-empty string')
  if (!isIso(e.timestamp)) out.push('timestamp must be an ISO 8601 string')
  if (!LEVEL_SET.has(e.level as string)) out.push(`level must be one of ${LEVELS.join(', ')}`)
  if (typeof e.message !== 'string') out.push('message must be a string')
  if (typeof e.platform !== 'string') out.push('platform must be a string')
  if (!isObj(e.sdk) || typeof e.sdk.name !== 'string' || typeof e.sdk.version !== 'string') out.push('sdk must be { name, version }')
  const c = e.contexts
  if (!isObj(c)) out.push('contexts must be an object')
  else {
    if (!(c.user === null || isObj(c.user))) out.push('contexts.user must be an object or null')
    if (!(c.request === null || isObj(c.request))) out.push('contexts.request must be an object or null')
    if (!isObj(c.tags) || !Object.values(c.tags).every((v) => typeof v === 'string')) out.push('contexts.tags must map strings to strings')
    if (!isObj(c.extra)) out.push('contexts.extra must be an object')
    for (const k of ['server_name', 'release']) if (!isStrOrNull(c[k])) out.push(`contexts.${k} must be a string or null`)
    if (typeof c.environment !== 'string') out.push('contexts.environment must be a string')
  }
  if ('exception' in e) {
    const ex = e.exception
    if (!isObj(ex) || !Array.isArray(ex.values)) out.push('exception must be { values: [...] }')
    else {
      ex.values.forEach((v, i) => {
        const at = `exception.values[${i}]`
        if (!isObj(v)) { out.push(`${at} is not an object`); return }
        if (typeof v.type !== 'string') out.push(`${at}.type must be a string`)
        if (typeof v.value !== 'string') out.push(`${at}.value must be a string`)
        if (!isStrOrNull(v.module)) out.push(`${at}.module must be a string or null`)
        if (v.stacktrace !== null) {
          if (!isObj(v.stacktrace) || !Array.isArray(v.stacktrace.frames)) out.push(`${at}.stacktrace must be { frames: [...] } or null`)
          else v.stacktrace.frames.forEach((f, j) => frameProblems(f, `${at}.stacktrace.frames[${j}]`, out))
        }
      })
    }
  }
  if (!Array.isArray(e.breadcrumbs)) out.push('breadcrumbs must be an array')
  else {
    e.breadcrumbs.forEach((b, i) => {
      if (!isObj(b) || !isIso(b.timestamp)) out.push(`breadcrumbs[${i}] needs an ISO timestamp`)
      else if (!(b.data === null || isObj(b.data))) out.push(`breadcrumbs[${i}].data must be an object or null`)
    })
  }
  if (!Array.isArray(e.fingerprint) || !e.fingerprint.every((f) => typeof f === 'string')) out.push('fingerprint must be an array of strings')
  if (!isObj(e.modules) || !Object.values(e.modules).every((v) => typeof v === 'string')) out.push('modules must map package names to versions')
  return out
}
