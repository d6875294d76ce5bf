// Time in tests: wait for a condition (bounded by a deadline), never for a fixed time; and
// hold for a minimum time where a duration is itself the behaviour under test.
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Calls predicate (sync or async) every `every` ms until it returns a truthy value or timeoutMs
 * has passed; resolves with its last value, falsy at the deadline, so that the test asserts
 * on what it waited for: t.ok(await waitFor(() => client.stats().delivered === 3, 5000)).
 */
export async function waitFor (predicate, timeoutMs, { every = 20 } = {}) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await predicate()
    if (value || Date.now() >= deadline) return value
    await sleep(every)
  }
}

/**
 * Resolves once at least ms have passed by performance.now(): for a server that must take that
 * long (a duration the SDK measures). A timer alone may fire early by as much as the event loop's
 * cached clock lags behind, so the wait checks the clock itself.
 */
export async function holdFor (ms) {
  const end = performance.now() + ms
  for (let left = ms; left > 0; left = end - performance.now()) await sleep(Math.ceil(left))
}
