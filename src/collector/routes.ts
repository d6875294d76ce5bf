import type { IncomingMessage, ServerResponse } from 'node:http'
import type { WireEvent } from '../shared/types'
import { activeFault, holdAnswer, recordRequest, storeEvent, takeFault, type CollectorState } from './state'
import { accessRequest, checkStoreAccess, sameToken } from './page-access'
import type { Fault } from './types'
import { validateEvent } from './validate'

// The collector's answers to each request: the store endpoint (the XrayRadar contract, with
// its faults), Sentry envelopes for bench/, the /__xrayradar/ control endpoints, and the
// page (page-routes.ts). Each is a function of the request and the collector's state.

const STORE = /^\/api\/([^/]+)\/store\/?$/
const ENVELOPE = /^\/api\/([^/]+)\/envelope\/?$/

interface Body {
  /** The body, or its first maxBodyBytes when it was longer. */
  text: () => string
  /** Bytes received, all of them. */
  size: number
  tooLarge: boolean
}

function reply (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/** Answers one request; an unexpected error becomes a 500 (unless the answer had begun). */
export function handleRequest (state: CollectorState, req: IncomingMessage, res: ServerResponse): void {
  route(state, req, res).catch((err: Error) => { if (!res.headersSent) reply(res, 500, { error: err.message }) })
}

/** Reads the whole body (so the connection can be reused) but keeps at most maxBytes of it. */
async function readBody (req: IncomingMessage, maxBytes: number): Promise<Body> {
  const chunks: Buffer[] = []
  let size = 0
  let tooLarge = false
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > maxBytes) tooLarge = true
    else chunks.push(chunk as Buffer)
  }
  return { text: () => Buffer.concat(chunks).toString('utf8'), size, tooLarge }
}

async function route (state: CollectorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, state.maxBodyBytes)
  const url = req.url ?? '/'
  if (url.startsWith('/__xrayradar/')) {
    if (state.page.allowControl(req, res)) handleControl(state, req, res, body.text())
    return
  }
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  if (state.page.handle(req, res, path, new URLSearchParams(q === -1 ? '' : url.slice(q + 1)))) return
  const envelope = state.acceptSentryEnvelopes ? ENVELOPE.exec(path) : null
  if (envelope !== null && req.method === 'POST') {
    const project = `sentry:${decodeURIComponent(envelope[1] as string)}`
    if (storeAllowed(state, req, res, project)) handleEnvelope(state, res, project, body.text())
    return
  }
  const m = STORE.exec(path)
  if (m === null || req.method !== 'POST') { reply(res, 404, { error: 'not found: POST /api/{project_id}/store/' }); return }
  const project = decodeURIComponent(m[1] as string)
  if (storeAllowed(state, req, res, project)) await handleStore(state, req, res, project, body)
}

/** A browser's request that the access rule refuses (page-access.ts), answered and recorded before anything else: it neither uses up a fault nor is stored. */
function storeAllowed (state: CollectorState, req: IncomingMessage, res: ServerResponse, project: string): boolean {
  const access = checkStoreAccess(accessRequest(req), state.access)
  if (access.ok) return true
  recordRequest(state, project, access.status)
  reply(res, access.status, { error: access.error })
  return false
}

function handleControl (state: CollectorState, req: IncomingMessage, res: ServerResponse, body: string): void {
  if (req.url === '/__xrayradar/fault') {
    if (req.method === 'DELETE') { state.fault = null; reply(res, 200, { ok: true }); return }
    let next: Fault
    try { next = JSON.parse(body) as Fault } catch { reply(res, 400, { error: 'fault must be JSON' }); return }
    state.fault = activeFault(next)
    reply(res, 200, { ok: true, fault: state.fault })
    return
  }
  if (req.url === '/__xrayradar/events') { reply(res, 200, state.store.events); return }
  if (req.url === '/__xrayradar/requests') { reply(res, 200, state.requests.items); return }
  if (req.url === '/__xrayradar/counts') { reply(res, 200, state.counts); return }
  reply(res, 404, { error: 'not found' })
}

/** Items of type "event" in a Sentry envelope (newline-delimited JSON headers and payloads). */
export function countEnvelopeEvents (body: string): number {
  let n = 0
  for (const line of body.split('\n')) {
    if (line.startsWith('{"type":"event"') || /^\{[^{}]*"type":"event"[^{}]*\}$/.test(line)) n++
  }
  return n
}

function handleEnvelope (state: CollectorState, res: ServerResponse, project: string, body: string): void {
  state.counts[project] = (state.counts[project] ?? 0) + countEnvelopeEvents(body)
  recordRequest(state, project, 200)
  reply(res, 200, {})
}

/** POST /api/{project}/store/: the checks in the contract's order, each answered with its status and recorded. */
async function handleStore (state: CollectorState, req: IncomingMessage, res: ServerResponse, project: string, body: Body): Promise<void> {
  const refuse = (status: number, answer: unknown, headers?: Record<string, string>): void => {
    recordRequest(state, project, status)
    reply(res, status, answer, headers)
  }
  const f = takeFault(state)
  if (f !== null) {
    if (f.latencyMs !== undefined && f.latencyMs > 0) await holdAnswer(state, f.latencyMs)
    if (f.status !== undefined) {
      const headers: Record<string, string> = {}
      if (f.status === 429 && f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter)
      refuse(f.status, { error: `injected fault ${f.status}` }, headers)
      return
    }
  }
  if (state.token !== null && !sameToken(accessRequest(req).token, state.token)) { refuse(401, { error: 'invalid or missing X-Xrayradar-Token' }); return }
  if (state.projects !== null && !state.projects.includes(project)) { refuse(404, { error: `unknown project ${project}` }); return }
  if (body.tooLarge) { refuse(413, { error: `body over ${state.maxBodyBytes} bytes` }); return }
  let event: unknown
  try { event = JSON.parse(body.text()) } catch { refuse(400, { error: 'body is not JSON' }); return }
  const problems = validateEvent(event)
  if (problems.length > 0) { refuse(400, { error: 'invalid event', problems }); return }
  recordRequest(state, project, 200)
  storeEvent(state, project, event as WireEvent, body.size)
  reply(res, 200, { id: (event as WireEvent).event_id })
}
