import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { appendFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import type { WireEvent } from '../shared/types'
import { validateEvent } from './validate'
import { BoundedList } from './bounded-list'
import { createEventStore } from './event-store'
import { createLiveStream } from './live-stream'
import { createPageRoutes } from './page-routes'

// A local stand-in for the XrayRadar store endpoint: the same contract and status
// codes, events kept in memory and optionally in a JSONL file, fault injection for
// tests, benchmarks and the demo, and a page at its root URL that shows the events
// grouped into issues (page-routes.ts). It listens on 127.0.0.1 unless told otherwise.

export interface Fault {
  /** Answer with this status instead of storing (e.g. 500, 429, 401). */
  status?: number
  /** For 429: the Retry-After header value (seconds or an HTTP date). */
  retryAfter?: string | number
  /** Delay before answering, ms. */
  latencyMs?: number
  /** How many store requests the fault applies to; unlimited when absent. */
  count?: number
}

export interface CollectorOptions {
  host?: string
  port?: number
  /**
   * When set, store requests must carry X-Xrayradar-Token with this value (401 otherwise),
   * and so must the page's API and the /__xrayradar/ endpoints, which then answer on any
   * interface the collector listens on. Without it those answer only on loopback.
   */
  token?: string | null
  /** When set, only these project ids exist (404 otherwise). */
  projects?: string[] | null
  /** Largest accepted body, bytes (413 above). Default 1 MiB. */
  maxBodyBytes?: number
  /** Append every accepted event to this JSONL file. */
  file?: string | null
  /** Print one summary line per event: true for stdout, or a function. */
  log?: boolean | ((line: string) => void)
  /** Events kept in memory, the oldest dropped first. Default 100,000. */
  keep?: number
  fault?: Fault | null
  /**
   * Also count events posted as Sentry envelopes (POST /api/{id}/envelope/), so
   * bench/ can run @sentry/node against the same server. They are counted per
   * project, not validated or stored.
   */
  acceptSentryEnvelopes?: boolean
}

export interface StoreRequest { at: number, project: string, status: number }

export interface Collector {
  readonly url: string
  /** The page that shows the events grouped into issues (GET /). */
  readonly pageUrl: string
  readonly port: number
  /** A DSN for this collector and project id. */
  dsn (projectId?: string): string
  /** Accepted events, oldest first. */
  readonly events: WireEvent[]
  /** Every store request with the status it got (bounded like events). */
  readonly requests: StoreRequest[]
  /** Events stored per project id (Sentry envelopes under "sentry:{id}"). */
  readonly counts: Record<string, number>
  setFault (fault: Fault | null): void
  /** Resolves true once at least n events are stored, false at the timeout. */
  waitForEvents (n: number, timeoutMs: number): Promise<boolean>
  close (): Promise<void>
}

const STORE = /^\/api\/([^/]+)\/store\/?$/
const ENVELOPE = /^\/api\/([^/]+)\/envelope\/?$/

/** Items of type "event" in a Sentry envelope (newline-delimited JSON headers and payloads). */
export function countEnvelopeEvents (body: string): number {
  let n = 0
  for (const line of body.split('\n')) {
    if (line.startsWith('{"type":"event"') || /^\{[^{}]*"type":"event"[^{}]*\}$/.test(line)) n++
  }
  return n
}

export function summarize (project: string, e: WireEvent): string {
  const values = e.exception?.values ?? []
  const frames = values.reduce((n, v) => n + (v.stacktrace?.frames.length ?? 0), 0)
  const chain = values.length > 1 ? ` (+${values.length - 1} cause${values.length > 2 ? 's' : ''})` : ''
  return `[collector] project ${project} · ${e.level} · ${e.message.slice(0, 100)}${chain} · ${frames} frames · ${e.breadcrumbs.length} breadcrumbs${traceToken(e)}`
}

/** " · trace=<first 8 hex digits>" when the event carries an OpenTelemetry trace id: enough to find the trace. */
export function traceToken (e: WireEvent): string {
  const id = (e.contexts.trace as { trace_id?: unknown } | null | undefined)?.trace_id
  return typeof id === 'string' && id !== '' ? ` · trace=${id.slice(0, 8)}` : ''
}

export async function startCollector (options: CollectorOptions = {}): Promise<Collector> {
  const host = options.host ?? '127.0.0.1'
  const maxBody = options.maxBodyBytes ?? 1024 * 1024
  const keep = options.keep ?? 100_000
  const log = options.log === true ? (l: string) => process.stdout.write(l + '\n') : typeof options.log === 'function' ? options.log : null
  const events = new BoundedList<WireEvent>(keep)
  const requests = new BoundedList<StoreRequest>(keep)
  let fault: Fault | null = options.fault ?? null
  let waiters: Array<{ n: number, resolve: (ok: boolean) => void }> = []
  let fileChain: Promise<void> = Promise.resolve()
  // Answers a latency fault is holding back: close() drops them (their connections are gone
  // by then), or their timers would keep the process alive for up to latencyMs after it.
  const held = new Set<NodeJS.Timeout>()
  const counts: Record<string, number> = {}
  const store = createEventStore(keep)
  const live = createLiveStream(() => ({ lastSeq: store.lastSeq, kept: store.kept, received: store.received }))
  const page = createPageRoutes(store, live, { token: options.token ?? null, listenHost: host })

  function record (project: string, status: number): void {
    requests.push({ at: Date.now(), project, status })
  }

  function reply (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
    res.end(text)
  }

  function stored (project: string, event: WireEvent, bytes: number): void {
    counts[project] = (counts[project] ?? 0) + 1
    events.push(event)
    store.add(project, event, bytes)
    live.notify()
    if (log !== null) log(summarize(project, event))
    if (options.file != null) {
      const line = JSON.stringify(event) + '\n'
      const file = options.file
      fileChain = fileChain.then(() => appendFile(file, line, { mode: 0o600 })).catch(() => {})
    }
    waiters = waiters.filter((w) => { if (events.length >= w.n) { w.resolve(true); return false } return true })
  }

  async function handleControl (req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    if (req.url === '/__xrayradar/fault') {
      if (req.method === 'DELETE') { fault = null; reply(res, 200, { ok: true }); return }
      let next: Fault
      try { next = JSON.parse(body) as Fault } catch { reply(res, 400, { error: 'fault must be JSON' }); return }
      fault = next.count !== undefined && next.count <= 0 ? null : next
      reply(res, 200, { ok: true, fault })
      return
    }
    if (req.url === '/__xrayradar/events') { reply(res, 200, events.items); return }
    if (req.url === '/__xrayradar/requests') { reply(res, 200, requests.items); return }
    if (req.url === '/__xrayradar/counts') { reply(res, 200, counts); return }
    reply(res, 404, { error: 'not found' })
  }

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > maxBody) tooLarge = true
      else chunks.push(chunk as Buffer)
    }
    const url = req.url ?? '/'
    if (url.startsWith('/__xrayradar/')) {
      if (!page.allowControl(req, res)) return
      return handleControl(req, res, Buffer.concat(chunks).toString('utf8'))
    }
    const q = url.indexOf('?')
    if (page.handle(req, res, q === -1 ? url : url.slice(0, q), new URLSearchParams(q === -1 ? '' : url.slice(q + 1)))) return
    const env = options.acceptSentryEnvelopes === true ? ENVELOPE.exec(url.split('?')[0] ?? '') : null
    if (env !== null && req.method === 'POST') {
      const project = `sentry:${decodeURIComponent(env[1] as string)}`
      const n = countEnvelopeEvents(Buffer.concat(chunks).toString('utf8'))
      counts[project] = (counts[project] ?? 0) + n
      record(project, 200)
      reply(res, 200, {})
      return
    }
    const m = STORE.exec(url.split('?')[0] ?? '')
    if (m === null || req.method !== 'POST') { reply(res, 404, { error: 'not found: POST /api/{project_id}/store/' }); return }
    const project = decodeURIComponent(m[1] as string)

    const f = fault
    if (f !== null) {
      // This request consumes one use of a counted fault.
      if (f.count !== undefined && --f.count <= 0) fault = null
      if (f.latencyMs !== undefined && f.latencyMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => { held.delete(timer); resolve() }, f.latencyMs)
          held.add(timer)
        })
      }
      if (f.status !== undefined) {
        const headers: Record<string, string> = {}
        if (f.status === 429 && f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter)
        record(project, f.status)
        reply(res, f.status, { error: `injected fault ${f.status}` }, headers)
        return
      }
    }
    if (options.token != null && req.headers['x-xrayradar-token'] !== options.token) {
      record(project, 401); reply(res, 401, { error: 'invalid or missing X-Xrayradar-Token' }); return
    }
    if (options.projects != null && !options.projects.includes(project)) {
      record(project, 404); reply(res, 404, { error: `unknown project ${project}` }); return
    }
    if (tooLarge) { record(project, 413); reply(res, 413, { error: `body over ${maxBody} bytes` }); return }
    let event: unknown
    try { event = JSON.parse(Buffer.concat(chunks).toString('utf8')) } catch {
      record(project, 400); reply(res, 400, { error: 'body is not JSON' }); return
    }
    const problems = validateEvent(event)
    if (problems.length > 0) { record(project, 400); reply(res, 400, { error: 'invalid event', problems }); return }
    record(project, 200)
    stored(project, event as WireEvent, size)
    reply(res, 200, { id: (event as WireEvent).event_id })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => { if (!res.headersSent) reply(res, 500, { error: err.message }) })
  })
  server.keepAliveTimeout = 60_000
  // The SDK's own server: httpIntegration leaves its requests alone (no scope or breadcrumb per delivery).
  Object.defineProperty(server, Symbol.for('xrayradar.sdkServer'), { value: true })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  // Listening on every interface: this machine's browser reaches it on loopback.
  const pageUrl = host === '0.0.0.0' || host === '::' ? `http://127.0.0.1:${port}/` : `${url}/`

  return {
    url,
    pageUrl,
    port,
    dsn: (projectId = '1') => `${url}/${projectId}`,
    get events () { return events.items },
    get requests () { return requests.items },
    counts,
    setFault (f) { fault = f === null || (f.count !== undefined && f.count <= 0) ? null : { ...f } },
    waitForEvents (n, timeoutMs) {
      if (events.length >= n) return Promise.resolve(true)
      return new Promise((resolve) => {
        const w = { n, resolve: (ok: boolean) => { clearTimeout(timer); resolve(ok) } }
        const timer = setTimeout(() => { waiters = waiters.filter((x) => x !== w); resolve(false) }, timeoutMs)
        waiters.push(w)
      })
    },
    async close () {
      live.close()
      for (const timer of held) clearTimeout(timer)
      held.clear()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await fileChain
    }
  }
}
