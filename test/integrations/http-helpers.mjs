// Plumbing for the httpIntegration tests: requests to node:http servers on loopback, and their breadcrumbs.
import http from 'node:http'

/** POSTs body with node:http (no keep-alive); resolves with status and body text. */
export function post (url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'text/plain', ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Resolves once `count` callers have arrived (or after maxMs, so a broken run cannot hang). */
export function barrier (count, maxMs = 5000) {
  let arrived = 0
  let open
  const opened = new Promise((resolve) => { open = resolve })
  const timer = setTimeout(() => open(), maxMs)
  return () => {
    if (++arrived >= count) { clearTimeout(timer); open() }
    return opened
  }
}

/** The messages of an event's breadcrumbs. */
export const crumbMessages = (e) => (e.breadcrumbs ?? []).map((b) => b.message)

// How long the test servers hold a response whose duration a breadcrumb must show: long enough
// that a duration measured from the wrong moment (or a constant) falls outside the bounds below.
export const HOLD_MS = 20

/**
 * A breadcrumb's duration_ms is its request's: at least the heldMs its server held the response
 * (one millisecond less for clock rounding) and at most the time since `since` (a Date.now()
 * taken before the request was sent, plus that millisecond).
 */
export function checkDuration (t, data, heldMs, since, label) {
  const d = data?.duration_ms
  t.type(d, 'number', `${label}: duration filled in`)
  t.ok(d >= heldMs - 1, `${label}: duration ${d} ms covers the ${heldMs} ms the response was held`)
  const elapsed = Date.now() - since
  t.ok(d <= elapsed + 1, `${label}: duration ${d} ms is within the ${elapsed} ms since the request was sent`)
}
