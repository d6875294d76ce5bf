import type { WireBreadcrumb, WireEvent, WireFrame } from '../shared/types'
import { BodyWriter } from './body-writer'

// JSON for an event, as the bytes of a request body, the same as JSON.stringify(event).
// Frames, breadcrumbs and the modules table are most of the bytes and repeat from event to
// event as the very same (cached, never mutated) objects, so their JSON bytes are computed once
// and copied into the body; the rest of the event is stringified key by key, in its own order;
// the body is written into the thread's scratch buffer (body-writer.ts) and copied once into a
// buffer of its exact size that the caller provides (a BodyPool's, body-pool.ts): no string is
// made for the body as a whole, nor for the keys; values that are not cached are stringified
// one by one.
// One map of each for the thread: keyed weakly by the object itself, it holds nothing
// past the object's life, and the JSON depends on nothing but the object.
const framesBytes = new WeakMap<readonly WireFrame[], Buffer>()
// A breadcrumb is the very same object from event to event while it stays in a scope's list:
// its bytes are computed once and copied into each body that holds it.
const crumbBytes = new WeakMap<WireBreadcrumb, Buffer>()
// The modules table is one object for all of a worker's events (build-event.ts reads it once).
const modulesBytes = new WeakMap<Record<string, string>, Buffer>()
// `"key":` for each key written so far (the event's own keys, a few dozen), so a key costs no
// string per event; bounded, since the table would otherwise grow with whatever keys come.
const heads = new Map<string, string>()
const MAX_HEADS = 256
// The one scratch buffer of this thread's bodies (encodeEventBytes runs start to end, never nested).
const writer = new BodyWriter()

/** obj's cached bytes in map, made from text(obj) the first time. */
function cachedBytes<K extends object> (map: WeakMap<K, Buffer>, obj: K, text: (o: K) => string): Buffer {
  let b = map.get(obj)
  if (b === undefined) map.set(obj, (b = Buffer.from(text(obj), 'utf8')))
  return b
}
const framesText = (list: readonly WireFrame[]): string => `{"frames":${JSON.stringify(list)}}`
const jsonText = (o: object): string => JSON.stringify(o)

/** Writes `,` unless first, then `"key":`. */
function writeHead (first: boolean, key: string, out: BodyWriter): void {
  if (!first) out.str(',')
  let head = heads.get(key)
  if (head === undefined) {
    head = JSON.stringify(key) + ':'
    if (heads.size < MAX_HEADS) heads.set(key, head)
  }
  out.str(head)
}

/** A list of plain breadcrumb objects as each one's cached bytes; anything else as JSON.stringify has it. */
function writeCrumbs (list: readonly unknown[], out: BodyWriter): void {
  for (let i = 0; i < list.length; i++) {
    const c = list[i]
    if (c === null || typeof c !== 'object' || !isPlain(c)) {
      out.str(JSON.stringify(list))
      return
    }
  }
  out.str('[')
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out.str(',')
    out.bytes(cachedBytes(crumbBytes, list[i] as unknown as WireBreadcrumb, jsonText))
  }
  out.str(']')
}

/** Writes key's head (writeHead) then value and returns true, or writes nothing and returns false where value is not of the shape it handles. */
type Special = (value: unknown, out: BodyWriter, first: boolean, key: string) => boolean
/** Keys with a special writer: a table without a prototype, so a key such as `constructor` finds nothing. */
type Specials = Readonly<Record<string, Special | undefined>>

/**
 * Writes a plain object's JSON as JSON.stringify would (own enumerable keys in order, undefined
 * and functions left out), special[key] writing a value where it can. for…in walks the same keys
 * in the same order as Object.keys for a plain object, without an array per object; an
 * enumerable key put on Object.prototype by someone is skipped, as JSON.stringify skips it.
 */
function writeObject (obj: Record<string, unknown>, out: BodyWriter, special: Specials): void {
  out.str('{')
  let first = true
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue
    const value = obj[key]
    const write = special[key]
    if (write !== undefined && value !== null && typeof value === 'object' && write(value, out, first, key)) {
      first = false
      continue
    }
    const json = JSON.stringify(value)
    if (json === undefined) continue
    writeHead(first, key, out)
    out.str(json)
    first = false
  }
  out.str('}')
}

const specials = (table: Record<string, Special>): Specials => Object.assign(Object.create(null) as Record<string, Special>, table)

const isPlain = (v: unknown): v is Record<string, unknown> => Object.getPrototypeOf(v) === Object.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function'
const isPlainArray = (v: unknown): v is unknown[] => Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function'

/** Whether key is obj's one own enumerable key (without an array of its keys). */
function onlyKey (obj: Record<string, unknown>, key: string): boolean {
  let n = 0
  for (const k in obj) {
    if (!Object.hasOwn(obj, k)) continue
    if (k !== key || ++n > 1) return false
  }
  return n === 1
}

const STACKTRACE = specials({
  stacktrace: (v, out, first, key) => {
    const st = v as { frames?: unknown }
    if (!isPlain(st) || !Array.isArray(st.frames) || !onlyKey(st, 'frames')) return false
    writeHead(first, key, out)
    out.bytes(cachedBytes(framesBytes, st.frames as WireFrame[], framesText))
    return true
  }
})

const EXCEPTION = specials({
  values: (v, out, first, key) => {
    if (!isPlainArray(v)) return false
    writeHead(first, key, out)
    out.str('[')
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i]
      if (i > 0) out.str(',')
      if (item !== null && typeof item === 'object' && isPlain(item)) writeObject(item, out, STACKTRACE)
      else out.str(JSON.stringify(item) ?? 'null')
    }
    out.str(']')
    return true
  }
})

const EVENT = specials({
  breadcrumbs: (v, out, first, key) => {
    if (!isPlainArray(v)) return false
    writeHead(first, key, out)
    writeCrumbs(v, out)
    return true
  },
  modules: (v, out, first, key) => {
    if (!isPlain(v)) return false
    writeHead(first, key, out)
    out.bytes(cachedBytes(modulesBytes, v as Record<string, string>, jsonText))
    return true
  },
  exception: (v, out, first, key) => {
    if (!isPlain(v)) return false
    writeHead(first, key, out)
    writeObject(v, out, EXCEPTION)
    return true
  }
})

/** Same text as JSON.stringify(event) (keys in the same order), for less work. */
export function encodeEvent (event: WireEvent): string {
  return encodeEventBytes(event).toString('utf8')
}

const allocate = (n: number): Buffer => Buffer.allocUnsafe(n)

/** The UTF-8 bytes of JSON.stringify(event), for the request body, in a buffer from take (a BodyPool's, worker/body-pool.ts). */
export function encodeEventBytes (event: WireEvent, take: (n: number) => Buffer = allocate): Buffer {
  const e = event as unknown as Record<string, unknown>
  writer.start()
  if (isPlain(e)) writeObject(e, writer, EVENT)
  else writer.str(JSON.stringify(event))
  return writer.finish(take)
}
