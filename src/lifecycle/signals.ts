// Opt-in SIGTERM / SIGINT handling. Without a handler Node dies on these signals
// without an 'exit' event, and whatever is in flight is lost. With one, the SDK
// drains (bounded by shutdownTimeout) and then, if nobody else listens for the
// signal, removes itself and raises the signal again: the process ends exactly as
// it would have, only later by at most the timeout.

export interface Drainable {
  flush (timeoutMs: number): Promise<boolean>
  /** flush, with what cannot be sent in time written to the disk spool. */
  drainForExit (timeoutMs: number): Promise<boolean>
}

export function installSignalHooks (target: Drainable, signals: readonly NodeJS.Signals[], timeoutMs: number): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>()
  for (const signal of signals) {
    const handler = (): void => {
      // Alone on this signal, we end the process afterwards: keep what cannot be sent in time.
      const drain = process.listenerCount(signal) === 1 ? target.drainForExit(timeoutMs) : target.flush(timeoutMs)
      // Whatever the drain did, the signal must still end the process, and no rejection may escape.
      const after = (): void => {
        if (process.listenerCount(signal) === 1) {
          process.removeListener(signal, handler)
          process.kill(process.pid, signal)
        }
      }
      drain.then(after, after)
    }
    handlers.set(signal, handler)
    process.on(signal, handler)
  }
  return () => { for (const [signal, handler] of handlers) process.removeListener(signal, handler) }
}
