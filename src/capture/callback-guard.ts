// Whether the SDK is running one of the user's callbacks (beforeSend,
// beforeBreadcrumb) on this thread right now. A capture made from inside one would
// run the callback again, which may capture again: one error became ~1,460 events
// and overflowed the stack. Such captures are dropped and counted instead (see
// Client.accept); a breadcrumb added inside beforeBreadcrumb is skipped.
// Module-wide, not per client: a callback of one client capturing through another
// (or through the global functions) recurses just the same.

let depth = 0

export function inSdkCallback (): boolean { return depth > 0 }

/** Runs a user callback with the guard up; exceptions pass through to the caller. */
export function runSdkCallback<A, R> (fn: (arg: A) => R, arg: A): R {
  depth++
  try {
    return fn(arg)
  } finally {
    depth--
  }
}

/** True for a value a user callback returned that is a Promise (or another thenable); never throws. */
export function isThenable (v: unknown): v is PromiseLike<unknown> {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return false
  try { return typeof (v as { then?: unknown }).then === 'function' } catch { return false }
}

/** Marks a returned promise as handled, so its rejection cannot end the host process. */
export function absorb (p: PromiseLike<unknown>): void {
  try { p.then(undefined, () => {}) } catch {}
}
