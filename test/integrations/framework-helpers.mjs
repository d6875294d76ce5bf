// Plumbing for the framework error-handler tests: servers on 127.0.0.1, requests, events.
import http from 'node:http'

/** Listens on 127.0.0.1:0; resolves with the base URL and a close() that also drops keep-alive sockets. */
export function listen (handler) {
  const server = http.createServer(handler)
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({
        server,
        base: `http://127.0.0.1:${port}`,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()) })
      })
    })
  })
}

/** One request; the status, body and content type. Bounded by a timeout. */
export async function get (url, headers = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10000) })
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') }
}

/** The message of the error an event carries (the captured one is the last exception value). */
export const messageOf = (e) => e.exception?.values?.at(-1)?.value

/** Flushes, waits for at least n events, then a little more so that extra events would show. */
export async function settle (client, collector, n, t) {
  t.ok(await client.flush(5000), 'flushed')
  t.ok(await collector.waitForEvents(n, 5000), `at least ${n} event(s) arrived`)
  await new Promise((r) => setTimeout(r, 150))
  t.ok(await client.flush(5000))
}
