import { normalize, truncateString } from './normalize'

// Reads what the worker needs from a thrown value, on the main thread, cheaply and
// without ever throwing: name, message, the stack string and the cause chain.

export interface RawException {
  type: string
  value: string
  /** Frames part of the stack; null when it went to the blob area instead (see sref). */
  stack: string | null
  /** [blob id, offset, length] of the stack in the blob area, set by the record builder. */
  sref?: number[]
}

const MAX_VALUES = 10
const MAX_MESSAGE = 8192
const MAX_STACK = 64 * 1024

function read<T> (get: () => T): T | undefined {
  try { return get() } catch { return undefined }
}

function isErrorLike (v: unknown): v is Error {
  if (read(() => v instanceof Error) === true) return true
  return typeof v === 'object' && v !== null && typeof read(() => (v as Error).stack) === 'string' && typeof read(() => (v as Error).message) === 'string'
}

/** Frames part of a V8 stack: the "Name: message" header is dropped (we send it apart). */
function framesOnly (stack: string, headerLen: number): string {
  let i = stack.indexOf('\n    at ', Math.max(0, headerLen - 1))
  if (i < 0 && stack.length < 1024 * 1024) i = stack.indexOf('\n    at ')
  if (i < 0) return ''
  const frames = stack.slice(i + 1)
  return frames.length > MAX_STACK ? frames.slice(0, frames.lastIndexOf('\n', MAX_STACK)) : frames
}

function fromError (err: Error): RawException {
  const name = read(() => err.name)
  const message = read(() => err.message)
  const type = typeof name === 'string' && name !== '' ? name : (read(() => err.constructor?.name) ?? 'Error')
  const value = typeof message === 'string' ? message : String(normalize(message))
  const stack = read(() => err.stack)
  return {
    type: truncateString(type, 200),
    value: truncateString(value, MAX_MESSAGE),
    stack: typeof stack === 'string' ? framesOnly(stack, type.length + value.length + 2) : null
  }
}

export interface ReadResult {
  /** Oldest cause first, the captured error last (wire order). */
  values: RawException[]
  /** Set when the captured value was not an Error: what it was, for extra. */
  nonError?: unknown
}

/**
 * @param below the public function the user called, so a synthetic stack starts at their code
 */
export function readException (input: unknown, below: Function): ReadResult {
  if (isErrorLike(input)) {
    const values: RawException[] = []
    visit(input, values, new Set())
    return { values }
  }
  const holder: { stack?: string } = {}
  Error.captureStackTrace(holder, below)
  const stack = typeof holder.stack === 'string' ? framesOnly(holder.stack, 0) : null
  if (input === undefined || input === null) {
    return { values: [{ type: 'Error', value: 'captureException() was called without an error', stack }] }
  }
  if (typeof input === 'string') {
    return { values: [{ type: 'Error', value: truncateString(input, MAX_MESSAGE), stack }] }
  }
  const plain = normalize(input)
  let type = 'Error'
  let value: string
  if (typeof input === 'object') {
    const ctor = read(() => (input as object).constructor?.name)
    if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') type = ctor
    const keys = plain !== null && typeof plain === 'object' ? Object.keys(plain).slice(0, 10).join(', ') : ''
    value = `Non-Error exception captured with keys: ${keys || '(none)'}`
  } else {
    value = `Non-Error exception captured: ${truncateString(String(plain), 200)}`
  }
  return { values: [{ type, value, stack }], nonError: plain }
}

function visit (err: Error, out: RawException[], seen: Set<unknown>): void {
  if (seen.has(err) || out.length >= MAX_VALUES) return
  seen.add(err)
  // Members and causes go first: the wire lists the oldest cause first.
  const members = read(() => err instanceof AggregateError ? err.errors : undefined)
  if (Array.isArray(members)) {
    for (let i = 0; i < members.length && out.length < MAX_VALUES - 1; i++) {
      if (isErrorLike(members[i])) visit(members[i] as Error, out, seen)
    }
  }
  const cause = read(() => (err as Error & { cause?: unknown }).cause)
  if (isErrorLike(cause) && out.length < MAX_VALUES - 1) visit(cause, out, seen)
  out.push(fromError(err))
}
