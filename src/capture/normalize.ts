import { MAX_MEMBERS_DESCRIBED, MAX_SHORT_STRING, TAG_VALUE_LIMITS, USER_DATA_LIMITS, type NormalizeLimits } from '../shared/limits'
import { safeCut } from '../privacy/cut'
// Turns anything a user hands the SDK into plain data msgpackr and JSON can carry:
// no cycles, no BigInt, no getters that throw, bounded depth, breadth and string size
// (the bounds: shared/limits.ts). It never throws: whatever cannot be read becomes a marker string.

/** s, or its first max characters (fewer when the cut would split a secret, see cut.ts) and how many were left out. */
export function truncateString (s: string, max: number): string {
  if (s.length <= max) return s
  const c = safeCut(s, max)
  return s.slice(0, c) + `…[${s.length - c} more chars]`
}

export function normalize (value: unknown, limits: NormalizeLimits = USER_DATA_LIMITS): unknown {
  try {
    return walk(value, limits.depth, limits, new Set())
  } catch {
    return '[Unserializable]'
  }
}

function walk (value: unknown, depth: number, limits: NormalizeLimits, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string': return truncateString(value, limits.stringLength)
    case 'number': return Number.isFinite(value) ? value : String(value)
    case 'boolean': return value
    case 'undefined': return null
    case 'bigint': return value.toString()
    case 'symbol': return value.toString()
    case 'function': return `[Function ${safeName(value)}]`
  }
  if (value === null) return null
  const obj = value as object
  if (seen.has(obj)) return '[Circular]'
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString()
  if (obj instanceof Error) return errorToPlain(obj, depth, limits, seen)
  if (ArrayBuffer.isView(obj)) return `[${obj.constructor.name} ${obj.byteLength} bytes]`
  if (obj instanceof ArrayBuffer || obj instanceof SharedArrayBuffer) return `[${obj.constructor.name} ${obj.byteLength} bytes]`
  if (obj instanceof RegExp) return obj.toString()
  if (depth <= 0) return Array.isArray(obj) ? '[Array]' : '[Object]'
  seen.add(obj)
  try {
    if (Array.isArray(obj)) return walkList(obj, depth, limits, seen)
    if (obj instanceof Set) return walkList(Array.from(obj), depth, limits, seen)
    if (obj instanceof Map) {
      const out: Record<string, unknown> = {}
      let n = 0
      for (const [k, v] of obj) {
        if (n++ >= limits.breadth) { out['…'] = `${obj.size - limits.breadth} more entries`; break }
        out[typeof k === 'string' ? k : String(walk(k, 1, limits, seen))] = walk(v, depth - 1, limits, seen)
      }
      return out
    }
    return walkObject(obj, depth, limits, seen)
  } finally {
    seen.delete(obj)
  }
}

function walkList (list: unknown[], depth: number, limits: NormalizeLimits, seen: Set<object>): unknown[] {
  const n = Math.min(list.length, limits.breadth)
  const out: unknown[] = new Array(n)
  for (let i = 0; i < n; i++) out[i] = readSafely(() => list[i], depth, limits, seen)
  if (list.length > n) out.push(`…${list.length - n} more items`)
  return out
}

function walkObject (obj: object, depth: number, limits: NormalizeLimits, seen: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  let keys: string[]
  try { keys = Object.keys(obj) } catch { return { '[Unreadable]': 'object keys could not be listed' } }
  const n = Math.min(keys.length, limits.breadth)
  for (let i = 0; i < n; i++) {
    const k = keys[i] as string
    out[k] = readSafely(() => (obj as Record<string, unknown>)[k], depth, limits, seen)
  }
  if (keys.length > n) out['…'] = `${keys.length - n} more keys`
  return out
}

function readSafely (get: () => unknown, depth: number, limits: NormalizeLimits, seen: Set<object>): unknown {
  let v: unknown
  try { v = get() } catch (err) { return `[Unreadable: ${describeThrown(err)}]` }
  return walk(v, depth - 1, limits, seen)
}

function errorToPlain (err: Error, depth: number, limits: NormalizeLimits, seen: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  out.name = readSafely(() => err.name, depth + 1, limits, seen)
  out.message = readSafely(() => err.message, depth + 1, limits, seen)
  return out
}

function safeName (fn: Function): string {
  try { return fn.name || 'anonymous' } catch { return 'anonymous' }
}

/**
 * What an Error with an empty message says instead: its members' messages (Node's
 * AggregateError for a refused dual-stack connect has message '' and code
 * ECONNREFUSED), else its code, else nothing.
 */
function emptyMessageDetail (err: Error): string {
  const members = (err as { errors?: unknown }).errors
  if (Array.isArray(members) && members.length > 0) {
    return members.slice(0, MAX_MEMBERS_DESCRIBED).map((m) => m instanceof Error ? m.message : String(m)).join('; ')
  }
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : ''
}

/** A short description of a thrown value, for markers; never throws. */
export function describeThrown (err: unknown): string {
  try {
    if (err instanceof Error) return truncateString(`${err.name}: ${err.message === '' ? emptyMessageDetail(err) : err.message}`, MAX_SHORT_STRING)
    return truncateString(String(err), MAX_SHORT_STRING)
  } catch {
    return 'unknown error'
  }
}

/** Tags are string → string on the wire. */
export function tagValue (value: unknown): string {
  if (typeof value === 'string') return truncateString(value, MAX_SHORT_STRING)
  const n = normalize(value, TAG_VALUE_LIMITS)
  try { return truncateString(typeof n === 'string' ? n : JSON.stringify(n), MAX_SHORT_STRING) } catch { return '[Unserializable]' }
}
