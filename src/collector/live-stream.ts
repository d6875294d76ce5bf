import type { ServerResponse } from 'node:http'
import type { LiveMessage } from './page-api'

// The page's live updates: Server-Sent Events. One message per burst, not per event: at
// most one every COALESCE_MS, so 10,000 events a second cost each open page ten small
// writes, and a page shows a new event within COALESCE_MS plus one fetch of its list.

/** Longest a stored event waits before open pages hear of it, ms: well under the second a person notices, and a burst costs a page at most ten fetches a second. */
const COALESCE_MS = 100
/** A comment line this often keeps idle connections open, ms: under the 30-60 s idle limits of common proxies. */
const HEARTBEAT_MS = 15_000
/** A page that reads slower than this many unsent bytes is cut off (it reconnects and refetches): about a thousand messages, never reached by a page that reads. */
const MAX_BACKLOG_BYTES = 64 * 1024

export interface LiveStream {
  /** Answers a GET of the stream: headers, the current state, then a message after each burst of events. */
  attach (res: ServerResponse, headers: Record<string, string>): void
  /** An event was stored. O(1). */
  notify (): void
  close (): void
}

export function createLiveStream (state: () => LiveMessage): LiveStream {
  const clients = new Set<ServerResponse>()
  let timer: NodeJS.Timeout | null = null
  let heartbeat: NodeJS.Timeout | null = null

  const frame = (): string => `event: stored\ndata: ${JSON.stringify(state())}\n\n`

  function send (res: ServerResponse, text: string): void {
    if (res.writableLength > MAX_BACKLOG_BYTES) { res.destroy(); return }
    res.write(text)
  }

  function flush (): void {
    timer = null
    const text = frame()
    for (const res of clients) send(res, text)
  }

  return {
    attach (res, headers) {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' })
      // retry: how long an EventSource waits before reconnecting; the page's own reader does the same.
      res.write(`retry: 1000\n\n${frame()}`)
      clients.add(res)
      if (heartbeat === null) {
        heartbeat = setInterval(() => { for (const c of clients) send(c, ': keep-alive\n\n') }, HEARTBEAT_MS)
        heartbeat.unref()
      }
      const drop = (): void => {
        clients.delete(res)
        if (clients.size === 0 && heartbeat !== null) { clearInterval(heartbeat); heartbeat = null }
      }
      // The response closes when the page goes away or the connection drops (the request's own
      // 'close' can come as soon as its empty body is read).
      res.once('close', drop)
    },
    notify () {
      if (timer !== null || clients.size === 0) return
      timer = setTimeout(flush, COALESCE_MS)
    },
    close () {
      if (timer !== null) clearTimeout(timer)
      if (heartbeat !== null) clearInterval(heartbeat)
      timer = null
      heartbeat = null
      for (const res of clients) res.end()
      clients.clear()
    }
  }
}
