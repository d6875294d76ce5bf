import type { CaptureOptions } from '../types'

// Uncaught exceptions and unhandled rejections, captured without changing what
// Node does with them. 'uncaughtExceptionMonitor' runs before Node's own handling
// and never alters it: with no 'uncaughtException' listener Node prints the error
// as usual and exits with code 1 (the 'exit' handler then delivers); with the
// application's own listener the process keeps running. Under Node's default
// --unhandled-rejections=throw a rejection arrives here too, origin 'unhandledRejection'.

export type UnhandledRejectionMode = 'crash' | 'warn' | 'none'

export interface CaptureTarget {
  captureUnhandled (error: unknown, opts: CaptureOptions, mechanism: string): void
}

export function installUnhandledHooks (target: CaptureTarget, rejections: UnhandledRejectionMode): () => void {
  const monitor = (error: Error, origin: string): void => {
    const rejection = origin === 'unhandledRejection'
    if (rejection && rejections === 'none') return
    target.captureUnhandled(error, { level: 'fatal' }, rejection ? 'onunhandledrejection' : 'onuncaughtexception')
  }
  process.on('uncaughtExceptionMonitor', monitor)

  // 'warn': an 'unhandledRejection' listener keeps the process alive (Node then
  // neither throws nor warns), so the SDK prints Node's warning itself.
  let warn: ((reason: unknown) => void) | null = null
  if (rejections === 'warn') {
    warn = (reason: unknown): void => {
      target.captureUnhandled(reason, { level: 'error' }, 'onunhandledrejection')
      const text = reason instanceof Error ? (reason.stack ?? String(reason)) : String(reason)
      process.emitWarning(`${text}\nThis error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch().`, 'UnhandledPromiseRejectionWarning')
    }
    process.on('unhandledRejection', warn)
  }
  return () => {
    process.removeListener('uncaughtExceptionMonitor', monitor)
    if (warn !== null) process.removeListener('unhandledRejection', warn)
  }
}
