import { normalize, truncateString } from './normalize'
import { MAX_CHAIN_WALK, MAX_EXCEPTION_VALUES, MAX_NON_ERROR_KEYS_NAMED, MAX_SHORT_STRING, MAX_STACK_LENGTH, MAX_STACK_RESCAN, MAX_STRING_LENGTH } from '../shared/limits'

// Reads what the worker needs from a thrown value, on the main thread, cheaply and
// without ever throwing: name, message, the stack string and the cause chain.

import type { RawException } from '../shared/event-shapes'
export type { RawException } from '../shared/event-shapes'

function read<T> (get: () => T): T | undefined {
  try { return get() } catch { return undefined }
}

/** An Error, or an object read as one: a string stack and message (an Error of another realm, a library's own shape). */
function readsAsError (v: unknown): v is Error {
  if (read(() => v instanceof Error) === true) return true
  return typeof v === 'object' && v !== null && typeof read(() => (v as Error).stack) === 'string' && typeof read(() => (v as Error).message) === 'string'
}

/** Frames part of a V8 stack: the "Name: message" header is dropped (we send it apart). */
function framesOnly (stack: string, headerLen: number): string {
  let i = stack.indexOf('\n    at ', Math.max(0, headerLen - 1))
  if (i < 0 && stack.length < MAX_STACK_RESCAN) i = stack.indexOf('\n    at ')
  if (i < 0) return ''
  const frames = stack.slice(i + 1)
  return frames.length > MAX_STACK_LENGTH ? frames.slice(0, frames.lastIndexOf('\n', MAX_STACK_LENGTH)) : frames
}

function fromError (err: Error): RawException {
  const name = read(() => err.name)
  const message = read(() => err.message)
  const type = typeof name === 'string' && name !== '' ? name : (read(() => err.constructor?.name) ?? 'Error')
  const value = typeof message === 'string' ? message : String(normalize(message))
  const stack = read(() => err.stack)
  return {
    type: truncateString(type, MAX_SHORT_STRING),
    value: truncateString(value, MAX_STRING_LENGTH),
    stack: typeof stack === 'string' ? framesOnly(stack, type.length + value.length + 2) : null
  }
}

export interface ReadResult {
  /** Oldest cause first, the captured error last (wire order). */
  values: RawException[]
  /** Set when the captured value was not an Error: what it was, for extra. */
  nonError?: unknown
  /** Set when the cause chain was cut to MAX_EXCEPTION_VALUES: a note for extra saying what was left out. */
  chainCut?: string
}

/**
 * @param below the public function the user called, so a synthetic stack starts at their code
 */
export function readException (input: unknown, below: Function): ReadResult {
  if (readsAsError(input)) {
    return readLone(input) ?? readChain(input)
  }
  const holder: { stack?: string } = {}
  Error.captureStackTrace(holder, below)
  const stack = typeof holder.stack === 'string' ? framesOnly(holder.stack, 0) : null
  if (input === undefined || input === null) {
    return { values: [{ type: 'Error', value: 'captureException() was called without an error', stack }] }
  }
  if (typeof input === 'string') {
    return { values: [{ type: 'Error', value: truncateString(input, MAX_STRING_LENGTH), stack }] }
  }
  const plain = normalize(input)
  let type = 'Error'
  let value: string
  if (typeof input === 'object') {
    const ctor = read(() => (input as object).constructor?.name)
    if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') type = ctor
    const keys = plain !== null && typeof plain === 'object' ? Object.keys(plain).slice(0, MAX_NON_ERROR_KEYS_NAMED).join(', ') : ''
    value = `Non-Error exception captured with keys: ${keys || '(none)'}`
  } else {
    value = `Non-Error exception captured: ${truncateString(String(plain), MAX_SHORT_STRING)}`
  }
  return { values: [{ type, value, stack }], nonError: plain }
}

/**
 * The usual case, an error that links to no other: no chain walk (its Set, queue
 * and closures cost ~0.5 µs a capture). null when the error may link to another
 * (an AggregateError, an object cause) or cannot be read: then readChain decides.
 */
function readLone (err: Error): ReadResult | null {
  try {
    if (err instanceof AggregateError) return null
    const cause = (err as Error & { cause?: unknown }).cause
    // readChain keeps a linked value only when it is an object (readsAsError).
    if (cause !== null && typeof cause === 'object') return null
  } catch {
    return null
  }
  return { values: [fromError(err)] }
}

interface Node { err: Error, kids: Node[] }

/** The errors an error links to, in wire order before it: AggregateError members, then cause. */
function links (err: Error): unknown[] {
  const out: unknown[] = []
  const members = read(() => err instanceof AggregateError ? err.errors : undefined)
  if (Array.isArray(members)) {
    const n = Math.min(read(() => members.length) ?? 0, MAX_CHAIN_WALK)
    for (let i = 0; i < n; i++) out.push(read(() => members[i]))
  }
  out.push(read(() => (err as Error & { cause?: unknown }).cause))
  return out
}

/**
 * The captured error and the errors nearest to it (breadth first: members and
 * cause of the captured error, then theirs), at most MAX_EXCEPTION_VALUES, each error once.
 * Iterative, so a chain of any length costs neither stack nor more than
 * MAX_CHAIN_WALK reads.
 */
function readChain (top: Error): ReadResult {
  const root: Node = { err: top, kids: [] }
  const seen = new Set<unknown>([top])
  const queue: Node[] = [root]
  let kept = 1
  let omitted = 0
  let walked = 1
  for (let q = 0; q < queue.length && walked < MAX_CHAIN_WALK; q++) {
    const node = queue[q] as Node
    for (const next of links(node.err)) {
      if (walked >= MAX_CHAIN_WALK) break
      if (seen.has(next) || !readsAsError(next)) continue
      seen.add(next)
      walked++
      if (kept < MAX_EXCEPTION_VALUES) {
        const kid: Node = { err: next, kids: [] }
        node.kids.push(kid)
        queue.push(kid)
        kept++
      } else {
        // Past the cap: only walked on, to count.
        omitted++
        queue.push({ err: next, kids: [] })
      }
    }
  }
  const values: RawException[] = []
  emit(root, values)
  if (omitted === 0) return { values }
  const more = walked >= MAX_CHAIN_WALK ? `at least ${omitted}` : String(omitted)
  return { values, chainCut: `${more} more linked errors (causes / AggregateError members) were not sent: an event keeps the captured error and its ${MAX_EXCEPTION_VALUES - 1} nearest` }
}

/** Post-order: what an error links to comes before it (the wire lists the oldest cause first). */
function emit (root: Node, out: RawException[]): void {
  const stack: Array<[Node, number]> = [[root, 0]]
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [Node, number]
    const [node, i] = top
    if (i < node.kids.length) {
      top[1] = i + 1
      stack.push([node.kids[i] as Node, 0])
    } else {
      stack.pop()
      out.push(fromError(node.err))
    }
  }
}
