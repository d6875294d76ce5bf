import type { WireBreadcrumb, WireEvent, WireFrame } from '../shared/types'

// JSON for an event, as the bytes of a request body, the same as JSON.stringify(event).
// Frames and breadcrumbs are most of the bytes and repeat from event to event as the very
// same (cached, never mutated) objects, so their JSON bytes are computed once and copied into
// the body; the rest of the event is stringified key by key, in the event's own key order;
// the body is written once, into a buffer of its exact size that the caller provides (a
// BodyPool's, body-pool.ts), with no ~10 KiB string per event on the worker's heap.
// One map of each for the thread: keyed weakly by the object itself, it holds nothing
// past the object's life, and the JSON depends on nothing but the object.
const framesBytes = new WeakMap<readonly WireFrame[], Buffer>()
// A breadcrumb is the very same object from event to event while it stays in a scope's list:
// its bytes are computed once and copied into each body that holds it.
const crumbBytes = new WeakMap<WireBreadcrumb, Buffer>()
const COMMA = Buffer.from(',')
const OPEN = Buffer.from('[')
const CLOSE = Buffer.from(']')

/** A body in the making: JSON text, and cached bytes spliced in between. */
class BodyParts {
  private text = ''
  private readonly parts: Array<string | Buffer> = []
  private size = 0

  str (s: string): void { this.text += s }

  bytes (b: Buffer): void {
    this.flushText()
    this.parts.push(b)
    this.size += b.length
  }

  private flushText (): void {
    if (this.text === '') return
    this.parts.push(this.text)
    this.size += Buffer.byteLength(this.text, 'utf8')
    this.text = ''
  }

  finish (take: (n: number) => Buffer): Buffer {
    this.flushText()
    const out = take(this.size)
    let at = 0
    for (const p of this.parts) at += typeof p === 'string' ? out.write(p, at, 'utf8') : p.copy(out, at)
    return out
  }
}

function framesPart (list: readonly WireFrame[]): Buffer {
  let b = framesBytes.get(list)
  if (b === undefined) framesBytes.set(list, (b = Buffer.from(`{"frames":${JSON.stringify(list)}}`, 'utf8')))
  return b
}

function crumbPart (c: WireBreadcrumb): Buffer {
  let b = crumbBytes.get(c)
  if (b === undefined) crumbBytes.set(c, (b = Buffer.from(JSON.stringify(c), 'utf8')))
  return b
}

/** A list of plain breadcrumb objects as each one's cached bytes; anything else as JSON.stringify has it. */
function writeCrumbs (list: readonly unknown[], out: BodyParts): void {
  if (!list.every((c) => c !== null && typeof c === 'object' && isPlain(c))) {
    out.str(JSON.stringify(list))
    return
  }
  out.bytes(OPEN)
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out.bytes(COMMA)
    out.bytes(crumbPart(list[i] as unknown as WireBreadcrumb))
  }
  out.bytes(CLOSE)
}

/** Writes head then value and returns true, or writes nothing and returns false where value is not of the shape it handles. */
type Special = (value: unknown, out: BodyParts, head: string) => boolean
/** Keys with a special writer: a table without a prototype, so a key such as `constructor` finds nothing. */
type Specials = Readonly<Record<string, Special | undefined>>

/** Writes obj's JSON as JSON.stringify would (own enumerable keys in order, undefined and functions left out), special[key] writing a value where it can. */
function writeObject (obj: Record<string, unknown>, out: BodyParts, special: Specials): void {
  out.str('{')
  let first = true
  for (const key of Object.keys(obj)) {
    const value = obj[key]
    const head = (first ? '' : ',') + JSON.stringify(key) + ':'
    const write = special[key]
    if (write !== undefined && value !== null && typeof value === 'object' && write(value, out, head)) {
      first = false
      continue
    }
    const json = JSON.stringify(value)
    if (json === undefined) continue
    out.str(head + json)
    first = false
  }
  out.str('}')
}

const specials = (table: Record<string, Special>): Specials => Object.assign(Object.create(null) as Record<string, Special>, table)

const isPlain = (v: unknown): v is Record<string, unknown> => Object.getPrototypeOf(v) === Object.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function'
const isPlainArray = (v: unknown): v is unknown[] => Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function'

const STACKTRACE = specials({
  stacktrace: (v, out, head) => {
    const st = v as { frames?: unknown }
    if (!isPlain(st) || !Array.isArray(st.frames) || Object.keys(st).length !== 1) return false
    out.str(head)
    out.bytes(framesPart(st.frames as WireFrame[]))
    return true
  }
})

const EXCEPTION = specials({
  values: (v, out, head) => {
    if (!isPlainArray(v)) return false
    out.str(head + '[')
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
  breadcrumbs: (v, out, head) => {
    if (!isPlainArray(v)) return false
    out.str(head)
    writeCrumbs(v, out)
    return true
  },
  exception: (v, out, head) => {
    if (!isPlain(v)) return false
    out.str(head)
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
  const out = new BodyParts()
  if (isPlain(e)) writeObject(e, out, EVENT)
  else out.str(JSON.stringify(event))
  return out.finish(take)
}
