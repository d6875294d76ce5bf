import type { Pipeline } from '../pool/pipeline'
import { partsFlags } from '../ring/layout'
import { partToTuple, type EventPart } from '../event/assemble'
import { packr, packCopy } from './packer'
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
const stackIds = new Map<string, { id: number, len: number }>()
const STACK_IDS_MAX = 1000
const STACK_CHARS_MAX = 1 << 20
const STACK_INTERN_MAX = 16 * 1024
let stackChars = 0

const PLACEHOLDER = new Uint8Array(0)

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
    let known = stackIds.get(stack)
    if (known === undefined) {
      if (stackIds.size >= STACK_IDS_MAX || stackChars + stack.length > STACK_CHARS_MAX) {
        stackIds.clear()
        stackChars = 0
      }
      known = { id: newBlobId(), len: 0 }
      stackIds.set(stack, known)
      stackChars += stack.length
    }
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

/** Writes the record; false when the ring had no room (counted by the pipeline). */
export function enqueueEvent (p: Pipeline, part: EventPart, g: Scope, i: Scope): boolean {
  const seq = p.nextSeq()
  // Scope bytes first: they may pack (once per change), and the event part's bytes
  // are a view into the packer's buffer that the next pack may reuse.
  const gd = g.dataBytes()
  const gc = g.crumbBytes()
  const id = i.dataBytes()
  const ic = i.crumbBytes()
  const parts: Uint8Array[] = [PLACEHOLDER] // [0] becomes the packed part, packed last
  const blobs = [
    g.dataId, placeScopeBlob(p, g.dataId, gd, seq, parts), gd.length,
    g.crumbId, placeScopeBlob(p, g.crumbId, gc, seq, parts), gc.length,
    i.dataId, placeScopeBlob(p, i.dataId, id, seq, parts), id.length,
    i.crumbId, placeScopeBlob(p, i.crumbId, ic, seq, parts), ic.length
  ]
  placeStacks(p, part, seq)
  part.blobs = blobs
  const head = packr.pack(partToTuple(part))
  parts[0] = head
  return p.enqueue(parts, partsFlags(head.length))
}
