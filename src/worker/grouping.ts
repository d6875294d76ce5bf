import { createHash } from 'node:crypto'
import type { WireEvent, WireException, WireFrame } from '../shared/types'

// The default fingerprint (docs/grouping.md), computed after source mapping and
// context lines: the captured error's type, then one part per in-app frame, the
// frame that threw first. A part names the frame's module (its file relative to the
// app root, the original file when a source map was applied) and its function, or,
// for an anonymous function, the text of its line: never a line or column number,
// so a group survives edits elsewhere in the file, and never a name that only one
// mode gives (Node's `<anonymous>` with --enable-source-maps).

/**
 * In-app frames that take part, nearest the throw first. 10 is V8's default stack
 * depth (Error.stackTraceLimit), so by default every in-app frame counts; a raised
 * limit or deep recursion does not grow the fingerprint past 12 parts (type and
 * module besides), within the 20 a custom fingerprint may have.
 */
const MAX_FRAME_PARTS = 10
/**
 * A part's length, as for a custom fingerprint's parts (MAX_SHORT_STRING on the main
 * thread). A longer part keeps its start and ends in a hash of the whole, so two long
 * parts that differ only past the cut still differ.
 */
const MAX_PART = 200
/** 64 bits of the hash: two different long parts that share a cut start collide with odds of about 2^-64. */
const HASH_CHARS = 16

/** A frame's file as grouping names it: relative to the app root as the frame has it, `/` separators, a dependency from its package on. */
function moduleOf (frame: WireFrame): string {
  const file = typeof frame.filename === 'string' && frame.filename !== '' ? frame.filename : typeof frame.abs_path === 'string' ? frame.abs_path : ''
  const path = file.replace(/\\/g, '/')
  // A dependency's path holds where it is installed (pnpm's store holds its version too): from its package name on.
  const at = frame.in_app === true ? -1 : path.lastIndexOf('/node_modules/')
  return at >= 0 ? path.slice(at + '/node_modules/'.length) : path
}

/** Anonymous: no name, or V8's and Node's stand-in for one (`<anonymous>`, `Object.<anonymous>` for module code). */
const isAnonymous = (name: string | null): boolean => name === null || name === '' || name.endsWith('<anonymous>')

/** A source line as it groups: whitespace runs collapsed to one space, trimmed. */
export function normaliseLine (line: string): string {
  return line.replace(/\s+/g, ' ').trim()
}

function bound (part: string): string {
  if (part.length <= MAX_PART) return part
  let cut = MAX_PART - HASH_CHARS - 1
  const last = part.charCodeAt(cut - 1)
  if (last >= 0xd800 && last <= 0xdbff) cut-- // never half a surrogate pair
  return `${part.slice(0, cut)}…${createHash('sha256').update(part).digest('hex').slice(0, HASH_CHARS)}`
}

/** One frame's part: module and function; module and line text for an anonymous function; then module and whatever name it has; then module alone. */
export function framePart (frame: WireFrame): string {
  const module = moduleOf(frame)
  const name = typeof frame.function === 'string' ? frame.function : null
  if (name !== null && !isAnonymous(name)) return bound(`${module} ${name}`)
  const line = typeof frame.context_line === 'string' ? normaliseLine(frame.context_line) : ''
  if (line !== '') return bound(`${module} | ${line}`)
  if (name !== null && name !== '') return bound(`${module} ${name}`)
  return bound(module)
}

// Frames are cached per stack string and shared between events (build-event.ts):
// their parts are computed once per frames array. One map for the thread: keyed
// weakly by the array itself, it holds nothing past the array's life, and the parts
// depend on nothing but the array (never changed in place).
const partsByFrames = new WeakMap<WireFrame[], string[]>()

/**
 * The parts of a stack: its in-app frames, or every frame when none is in-app (an
 * error raised inside a dependency or Node). A frame that repeats the part before it
 * (recursion) adds nothing, so the depth of a recursion does not split a group.
 */
export function stackParts (frames: WireFrame[]): string[] {
  const known = partsByFrames.get(frames)
  if (known !== undefined) return known
  const valid = frames.filter((f): f is WireFrame => f !== null && typeof f === 'object')
  const inApp = valid.filter((f) => f.in_app === true)
  const chosen = inApp.length > 0 ? inApp : valid
  const parts: string[] = []
  for (let i = chosen.length - 1; i >= 0 && parts.length < MAX_FRAME_PARTS; i--) {
    const part = framePart(chosen[i] as WireFrame)
    if (part !== parts[parts.length - 1]) parts.push(part)
  }
  partsByFrames.set(frames, parts)
  return parts
}

/**
 * The fingerprint of an event that has none: for an exception, the captured error's
 * type and module, then its stack's parts (its message when it has no frames: then
 * nothing else tells errors of one type apart); for a message, the message. Messages
 * are not cut (as the message default never was): scrubbing, after this, must see a
 * secret whole to remove it.
 */
export function defaultFingerprint (event: WireEvent): string[] {
  const values = event.exception?.values
  const captured: WireException | undefined = values?.[values.length - 1]
  if (captured === undefined) return [event.message]
  const fp = [captured.type]
  if (typeof captured.module === 'string') fp.push(captured.module)
  const frames = captured.stacktrace?.frames ?? []
  const parts = frames.length > 0 ? stackParts(frames) : []
  if (parts.length > 0) fp.push(...parts)
  else fp.push(captured.value)
  return fp
}
