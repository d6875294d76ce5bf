// The one reading of a timeout argument (flush, flushSync, close). A NaN, a string
// or Infinity reaching a deadline computation makes `deadline - now` NaN, and a
// loop that waits while it is not <= 0 never ends: those, and negatives, mean
// "not given", i.e. the documented default.

// The longest delay Node's timers take (2^31 - 1 ms, ~24.8 days); a longer one
// fires after 1 ms, which would let the process exit while a flush waits.
export const MAX_TIMEOUT_MS = 2_147_483_647

/** `value` when it is a finite, non-negative number (capped at MAX_TIMEOUT_MS), else `fallback`. */
export function timeoutOr (value: unknown, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return fallback
  return Math.min(value, MAX_TIMEOUT_MS)
}
