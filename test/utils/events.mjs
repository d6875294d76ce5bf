// The events a collector received: named by their message, found by it, waited for.
import { waitFor } from './time.mjs'

/** The message a test names an event by: its error's (the last exception value), else the event's message. */
export const messageOf = (e) => e.exception?.values?.at(-1)?.value ?? e.message

/** The first of events named m (see messageOf), or undefined. */
export const findByMessage = (events, m) => events.find((e) => messageOf(e) === m)

/** events as an object { message: event } (the last of a repeated message); count repeats with events.length. */
export const byMessage = (events) => Object.fromEntries(events.map((e) => [messageOf(e), e]))

/**
 * Resolves true once the collector holds at least n events for project (a project id string),
 * false at the deadline. For all projects together, collector.waitForEvents(n, ms) says the same.
 */
export const waitForProjectEvents = (collector, project, n, timeoutMs) =>
  waitFor(() => (collector.counts[project] ?? 0) >= n, timeoutMs)
