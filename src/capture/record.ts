import type { Pipeline } from '../pool/pipeline'
import { partsFlags } from '../ring/layout'
import type { EventPart } from '../event/assemble'
import { packCopy } from './packer'
import { copySmall, encodeNumbers, encodePart, preparePart, writePart } from './part-encoder'
import { newBlobId, type Scope } from './scope'

// Turns an event part and the two scopes into one ring record. Blobs that repeat
// from event to event (scope data, breadcrumbs, the frames of a stack) are placed
// in the shared blob area once and referenced; the record carries only what is
// new. A blob that cannot be placed travels inline, so nothing here can fail for
// lack of blob room.

// Below this, a reference costs about what the bytes do.
const INLINE_MAX = 32

// Frames strings seen lately → their blob id and packed length. Errors thrown from
// one place share the string; a process that makes endless distinct stacks only
// refills the table, which is bounded in entries and characters. A very long stack
// is rarely thrown twice: it travels inline.
// Keyed by length, each length holding the few stacks of that length seen lately,
// told apart by ===: every capture's frames string is a fresh string, and hashing it
// for a Map<string> lookup read it character by character (~1 µs for 10 frames),
// where === compares memory (~0.05 µs).
interface KnownStack { stack: string, id: number, len: number }
const stacksByLength = new Map<number, KnownStack[]>()
const STACK_IDS_MAX = 1000
const STACK_CHARS_MAX = 1 << 20
const STACK_INTERN_MAX = 16 * 1024
// Stacks of one length kept at once: the newest replaces the oldest beyond this.
const SAME_LENGTH_MAX = 8
let stackCount = 0
let stackChars = 0

function knownStack (stack: string): KnownStack {
  const n = stack.length
  let list = stacksByLength.get(n)
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const k = list[i] as KnownStack
      if (k.stack === stack) return k
    }
  }
  if (stackCount >= STACK_IDS_MAX || stackChars + n > STACK_CHARS_MAX) {
    stacksByLength.clear()
    stackCount = 0
    stackChars = 0
    list = undefined
  }
  const known: KnownStack = { stack, id: newBlobId(), len: 0 }
  if (list === undefined) stacksByLength.set(n, list = [])
  if (list.length >= SAME_LENGTH_MAX) {
    list.shift()
    stackCount--
    stackChars -= n
  }
  list.push(known)
  stackCount++
  stackChars += n
  return known
}

function placeScopeBlob (p: Pipeline, id: number, bytes: Uint8Array, seq: number, inline: Uint8Array[]): number {
  if (bytes.length < INLINE_MAX || id === 0) {
    inline.push(bytes)
    return -1
  }
  let off = p.blobs.find(id, seq)
  if (off < 0) off = p.blobs.put(id, bytes, seq)
  if (off < 0) inline.push(bytes)
  return off
}

/** Replaces long stacks by blob references ([id, offset, length] in `sref`) where there is room. */
function placeStacks (p: Pipeline, part: EventPart, seq: number): void {
  const values = part.exc
  if (values === null) return
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as NonNullable<EventPart['exc']>[number]
    const stack = v.stack
    if (stack === null || stack.length < INLINE_MAX || stack.length > STACK_INTERN_MAX) continue
    const known = knownStack(stack)
    let off = p.blobs.find(known.id, seq)
    if (off < 0) {
      const bytes = packCopy(stack)
      known.len = bytes.length
      off = p.blobs.put(known.id, bytes, seq)
      if (off < 0) continue
    }
    v.sref = [known.id, off, known.len]
    v.stack = null
  }
}

// Where the last record's four scope blobs went. Captures in a row usually carry
// the same scope versions, placed in the same half of the blob area: then the
// placement (its [id, offset, length] triples, already encoded, and the small
// blobs that travel inline) is reused instead of looked up four times.
interface Placement {
  p: Pipeline
  generation: number
  ids: [number, number, number, number]
  blobs: number[]
  encoded: Uint8Array
  inline: Uint8Array[]
}
let lastPlacement: Placement | null = null

function placeScopes (p: Pipeline, g: Scope, i: Scope, seq: number): Placement {
  // Scope bytes first: they may pack (once per change).
  const gd = g.dataBytes()
  const gc = g.crumbBytes()
  const id = i.dataBytes()
  const ic = i.crumbBytes()
  const last = lastPlacement
  if (last !== null && last.p === p && last.generation === p.blobs.generation && last.ids[0] === g.dataId &&
    last.ids[1] === g.crumbId && last.ids[2] === i.dataId && last.ids[3] === i.crumbId) {
    p.blobs.touch(seq)
    return last
  }
  const generation = p.blobs.generation
  const inline: Uint8Array[] = []
  const blobs = [
    g.dataId, placeScopeBlob(p, g.dataId, gd, seq, inline), gd.length,
    g.crumbId, placeScopeBlob(p, g.crumbId, gc, seq, inline), gc.length,
    i.dataId, placeScopeBlob(p, i.dataId, id, seq, inline), id.length,
    i.crumbId, placeScopeBlob(p, i.crumbId, ic, seq, inline), ic.length
  ]
  const placement: Placement = { p, generation, ids: [g.dataId, g.crumbId, i.dataId, i.crumbId], blobs, encoded: encodeNumbers(blobs), inline }
  // Kept only when every big blob found a place in a half that did not change meanwhile
  // (one that travels inline for lack of room should get its place once there is room).
  let reusable = p.blobs.generation === generation
  for (let k = 0; k < 4; k++) {
    if ((blobs[k * 3 + 1] as number) < 0 && (blobs[k * 3 + 2] as number) >= INLINE_MAX) reusable = false
  }
  lastPlacement = reusable ? placement : null
  return placement
}

/** Writes the record; false when the ring had no room (counted by the pipeline). */
export function enqueueEvent (p: Pipeline, part: EventPart, g: Scope, i: Scope): boolean {
  const seq = p.nextSeq()
  const placed = placeScopes(p, g, i, seq)
  placeStacks(p, part, seq)
  part.blobs = placed.blobs
  const inline = placed.inline
  let inlineLen = 0
  for (let k = 0; k < inline.length; k++) inlineLen += (inline[k] as Uint8Array).length
  // Encoded straight into the ring where there is room for its upper bound (UTF-8 takes
  // at most 3 bytes a character); otherwise into a buffer and copied, which fits or
  // counts a drop by its exact size.
  const at = p.reserve(preparePart(part, placed.encoded) + inlineLen)
  if (at >= 0) {
    const b = p.ringBytes
    const end = writePart(b, at)
    let q = end
    for (let k = 0; k < inline.length; k++) q = copySmall(b, q, inline[k] as Uint8Array)
    p.commit(q - at, partsFlags(end - at))
    return true
  }
  const head = encodePart(part, placed.encoded)
  return p.enqueue(inline.length === 0 ? [head] : [head, ...inline], partsFlags(head.length))
}
