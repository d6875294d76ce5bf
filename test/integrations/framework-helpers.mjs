// Plumbing for the framework error-handler tests: requests to their servers, waiting for their
// events, and the check that exactly the server errors were reported, each tagged.
import { byMessage, messageOf } from '../utils/events.mjs'

/** One request; the status, body and content type. Bounded by a timeout. */
export async function get (url, headers = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10000) })
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') }
}

/** Flushes, waits for at least n events, then a little more so that extra events would show. */
export async function settle (client, collector, n, t) {
  t.ok(await client.flush(5000), 'flushed')
  t.ok(await collector.waitForEvents(n, 5000), `at least ${n} event(s) arrived`)
  await new Promise((r) => setTimeout(r, 150))
  t.ok(await client.flush(5000))
}

/** Requests every path of a table ({ path: { method, body } }) once; resolves with { path: { status, body } }. */
export async function hitAll (base, paths) {
  const out = {}
  for (const [path, how] of Object.entries(paths)) {
    const res = await fetch(base + path, { method: how.method ?? 'GET', body: how.body, headers: how.body === undefined ? {} : { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10000) })
    out[path] = { status: res.status, body: await res.text() }
  }
  return out
}

/** What a table of paths ({ path: { reported, message, route } }) expects reported: { message: route }. */
export const reportedIn = (paths) => Object.fromEntries(Object.values(paths).filter((p) => p.reported).map((p) => [p.message, p.route]))

/**
 * The events are one per message of `reported` ({ message: route, or undefined where no route
 * matched }) and no other, each tagged with the framework and its route only, and marked as
 * not handled, by the framework's handler.
 */
export function checkReported (t, events, reported, framework) {
  t.same(events.map(messageOf).sort(), Object.keys(reported).sort(), 'exactly the server errors, one event each')
  const got = byMessage(events)
  for (const [message, route] of Object.entries(reported)) {
    t.same(got[message]?.contexts.tags, route === undefined ? { framework } : { framework, route }, `${message}: tagged with ${route ?? 'no route (none matched)'}`)
    t.same(got[message]?.contexts.mechanism, { type: framework, handled: false }, `${message}: mechanism`)
  }
}
