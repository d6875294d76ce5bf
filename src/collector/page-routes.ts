import type { IncomingMessage, ServerResponse } from 'node:http'
import { LEVELS } from '../shared/types'
import type { EventStore } from './event-store'
import type { LiveStream } from './live-stream'
import { accessRequest, checkAccess, type AccessPolicy } from './page-access'
import { loadPageAssets, type PageAssets } from './page-assets'

// The collector's page: GET / and its files under /ui/, its JSON under /ui/api/, the live
// stream. Every answer carries a Content-Security-Policy that lets the page run only the
// collector's own script and style, no inline script or style, connect only to the
// collector, and (Trusted Types) refuse any assignment of a string as HTML: event data
// reaches the page only as text.

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'"
].join('; ')

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin'
}

const FILES: Record<string, { name: keyof PageAssets, type: string }> = {
  '/': { name: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { name: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { name: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { name: 'app.css', type: 'text/css; charset=utf-8' },
  '/ui/icon.svg': { name: 'icon.svg', type: 'image/svg+xml' }
}

/** Groups per page of the list unless the page asks for another count: the page's own size (list.ts). */
const DEFAULT_LIMIT = 50
/** Most groups one request may ask for: a page of the list stays small however many groups there are. */
const MAX_LIMIT = 500

const EVENT = /^\/ui\/api\/events\/(\d{1,15})(\/raw)?$/

export interface PageRoutes {
  /** True when the request was one of the page's (answered or refused); false for any other path. */
  handle (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): boolean
  /** The same access rule for the /__xrayradar/ control endpoints. False when refused (answered). */
  allowControl (req: IncomingMessage, res: ServerResponse): boolean
}

function send (res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra })
  res.end(body)
}

const json = (res: ServerResponse, status: number, body: unknown): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), { 'cache-control': 'no-store' })

function wholeNumber (v: string | null, fallback: number, max: number): number | null {
  if (v === null || v === '') return fallback
  const n = Number(v)
  return Number.isInteger(n) && n >= 0 && n <= max ? n : null
}

export function createPageRoutes (store: EventStore, live: LiveStream, policy: AccessPolicy): PageRoutes {
  let assets: PageAssets | null = null

  function allowed (req: IncomingMessage, res: ServerResponse, data: boolean, reply: (status: number, error: string) => void): boolean {
    const access = checkAccess(accessRequest(req), policy, data)
    if (access.ok) return true
    reply(access.status, access.error)
    return false
  }

  return {
    allowControl (req, res) {
      return allowed(req, res, true, (status, error) => json(res, status, { error }))
    },

    handle (req, res, path, query) {
      const file = FILES[path]
      const api = path.startsWith('/ui/api/')
      if (file === undefined && !api) return false
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        json(res, 405, { error: 'the page and its API answer GET only' })
        return true
      }
      if (file !== undefined) {
        if (!allowed(req, res, false, (status, error) => send(res, status, 'text/plain; charset=utf-8', error + '\n'))) return true
        assets ??= loadPageAssets()
        if (assets === null) {
          send(res, 503, 'text/plain; charset=utf-8', 'the collector\'s page is not built: run npm run build\n')
          return true
        }
        send(res, 200, file.type, assets[file.name], { 'cache-control': 'no-cache' })
        return true
      }
      if (!allowed(req, res, true, (status, error) => json(res, status, { error }))) return true

      if (path === '/ui/api/stream') {
        if (req.method === 'HEAD') { send(res, 200, 'text/event-stream; charset=utf-8', ''); return true }
        live.attach(res, SECURITY_HEADERS)
        return true
      }
      if (path === '/ui/api/groups') {
        const offset = wholeNumber(query.get('offset'), 0, Number.MAX_SAFE_INTEGER)
        const limit = wholeNumber(query.get('limit'), DEFAULT_LIMIT, MAX_LIMIT)
        const level = query.get('level') || null
        if (offset === null || limit === null) { json(res, 400, { error: `offset must be a whole number, limit one from 0 to ${MAX_LIMIT}` }); return true }
        if (level !== null && !(LEVELS as readonly string[]).includes(level)) { json(res, 400, { error: `level must be one of ${LEVELS.join(', ')}` }); return true }
        json(res, 200, store.page({ project: query.get('project') || null, level, q: query.get('q') }, offset, limit))
        return true
      }
      const m = EVENT.exec(path)
      if (m !== null) {
        const seq = Number(m[1])
        const payload = store.eventPayload(seq)
        if (payload === undefined) { json(res, 404, { error: `no event ${seq} is kept (the oldest are dropped beyond keep)` }); return true }
        if (m[2] === undefined) json(res, 200, payload)
        else send(res, 200, 'application/json; charset=utf-8', JSON.stringify(payload.event, null, 2), { 'cache-control': 'no-store' })
        return true
      }
      json(res, 404, { error: 'not found' })
      return true
    }
  }
}
