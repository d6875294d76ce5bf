import type { CaptureOptions } from '../shared/types'
import { nodeRejectionMode, type NodeRejectionMode } from './rejection-mode'

// Uncaught exceptions and unhandled rejections, captured without changing what
// Node does with them.
//
// Exceptions: 'uncaughtExceptionMonitor' runs before Node's own handling and never
// alters it: with no 'uncaughtException' listener Node prints the error and exits 1
// (the 'exit' handler then delivers); with the application's own listener the
// process keeps running.
//
// Rejections: Node's --unhandled-rejections mode decides what happens, and an
// 'unhandledRejection' listener changes it (under throw and warn-with-error-code a
// listener marks the rejection handled: no crash, no warning, no exit code). So the
// SDK does not listen; it observes process.emit('unhandledRejection', ...), which
// Node calls in every mode, and leaves the return value (were there listeners?) as
// it was. Under throw (no listener) and strict Node raises the rejection as an
// uncaught exception (origin 'unhandledRejection'): the monitor captures those, as
// fatal, and a rejection captured by one path is not captured again by the other.

export type UnhandledRejectionMode = 'crash' | 'warn' | 'none'

export interface CaptureTarget {
  captureUnhandled (error: unknown, opts: CaptureOptions, mechanism: string): void
}

const REJECTION = 'onunhandledrejection'
const EXCEPTION = 'onuncaughtexception'
// What Node raises instead of a rejection reason that is not an Error (throw/strict modes).
const WRAPPED_REASON = 'ERR_UNHANDLED_REJECTION'

/** Node's test for "raise the reason itself" (else it raises an ERR_UNHANDLED_REJECTION wrapper). */
function isErrorLike (x: unknown): boolean {
  return typeof x === 'object' && x !== null && Object.prototype.hasOwnProperty.call(x, 'stack')
}

/** Whether the monitor's error and the emitted reason are the same rejection. */
function sameRejection (raised: unknown, reason: unknown): boolean {
  if (raised === reason) return true
  return !isErrorLike(reason) && (raised as { code?: unknown } | null)?.code === WRAPPED_REASON
}

type Emit = (this: NodeJS.Process, event: string | symbol, ...args: unknown[]) => boolean

export function installUnhandledHooks (target: CaptureTarget, rejections: UnhandledRejectionMode, mode: NodeRejectionMode = nodeRejectionMode()): () => void {
  let active = true
  // The rejection one path just captured; the other path (same rejection, same tick) skips it once.
  let recent: { error: unknown, by: 'monitor' | 'emit' } | null = null
  const capture = (error: unknown, level: 'fatal' | 'error', mechanism: string): void => {
    try { target.captureUnhandled(error, { level }, mechanism) } catch {}
  }

  const monitor = (error: Error, origin: string): void => {
    if (!active) return
    if (origin !== 'unhandledRejection') return capture(error, 'fatal', EXCEPTION)
    if (rejections === 'none') return
    const seen = recent
    recent = null
    if (seen !== null && seen.by === 'emit' && sameRejection(error, seen.error)) return
    recent = { error, by: 'monitor' } // strict: the emit that follows (if the process survives) is this one
    capture(error, 'fatal', REJECTION)
  }
  process.on('uncaughtExceptionMonitor', monitor)

  let restoreEmit: (() => void) | null = null
  if (rejections !== 'none') {
    const proc = process as unknown as { emit: Emit }
    const original = proc.emit
    const emit: Emit = function (event, ...args) {
      if (event === 'unhandledRejection' && active) {
        const reason = args[0]
        const seen = recent
        recent = null
        // Under throw with no listener Node raises the rejection next, and the monitor
        // captures it then: reading .stack before Node has taken the error's source
        // position would change the source line Node prints above the error.
        const raisedNext = mode === 'throw' && process.listenerCount('unhandledRejection') === 0
        if (!raisedNext && (seen === null || seen.by !== 'monitor' || !sameRejection(seen.error, reason))) {
          recent = { error: reason, by: 'emit' }
          capture(reason, 'error', REJECTION)
        }
      }
      return original.call(this, event, ...args)
    }
    proc.emit = emit
    // Someone may have wrapped emit after us: then ours stays in their chain, inactive.
    restoreEmit = () => { if (proc.emit === emit) proc.emit = original }
  }

  // SDK 'warn' ("capture and keep running") needs a listener only where Node would
  // otherwise end the process and a listener prevents it: throw mode. Node's warn,
  // warn-with-error-code and none modes already keep running (and print their own
  // warning: a second one would repeat it, a listener would hide it and its exit
  // code); under strict Node raises the rejection before any listener runs.
  let warn: ((reason: unknown) => void) | null = null
  if (rejections === 'warn' && mode === 'throw') {
    warn = (reason: unknown): void => {
      const text = reason instanceof Error ? (reason.stack ?? String(reason)) : String(reason)
      process.emitWarning(`${text}\nThis error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch().`, 'UnhandledPromiseRejectionWarning')
    }
    process.on('unhandledRejection', warn)
  }
  return () => {
    active = false
    process.removeListener('uncaughtExceptionMonitor', monitor)
    restoreEmit?.()
    if (warn !== null) process.removeListener('unhandledRejection', warn)
  }
}
