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
