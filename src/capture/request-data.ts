import type { IncomingMessage } from 'node:http'
import type { RequestInfo } from '../shared/types'
import { withoutUrlCredentials } from '../privacy/scrub'

// What setRequest keeps: the fields of RequestInfo and nothing else. A Node
// request object handed over whole would otherwise carry its socket, parser and
// rawHeaders (cookie included) into every event; it is converted instead.

const REQUEST_KEYS = ['url', 'method', 'headers', 'query_string', 'data', 'env', 'cookies'] as const

/** A Node IncomingMessage (or a subclass: express's req, fastify's raw): a stream with raw headers. */
function isNodeRequest (v: object): v is IncomingMessage {
  try {
    const r = v as IncomingMessage
    return Array.isArray(r.rawHeaders) && typeof r.socket === 'object' && typeof r.on === 'function' && typeof r.pipe === 'function'
  } catch {
    return false // a Proxy or a throwing getter: not a request Node made
  }
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)

type NodeSocket = (IncomingMessage['socket'] & { encrypted?: boolean }) | null

/**
 * The host of an authority: what follows its last "@". A Host header holds no user info, but a
 * client can send "user:pw@host" (or an absolute-form target with one), and the request's URL
 * is built from it.
 */
function bareHost (authority: string): string {
  return authority.slice(authority.lastIndexOf('@') + 1)
}

/** The Host the client asked for (Host header, HTTP/2 :authority, else the local address), without user info. */
function hostOf (req: IncomingMessage, socket: NodeSocket): string {
  const h = first(req.headers?.host) ?? first(req.headers?.[':authority'])
  return h !== undefined ? bareHost(h) : `${socket?.localAddress ?? 'localhost'}:${socket?.localPort ?? ''}`
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/**
 * The absolute URL of a request target, never with credentials: an absolute-form target's
 * user info goes as the Host's does, and "//user:pw@" further on (a path such as
 * "//user:pw@x", which names host x with credentials) becomes "//[Filtered]@".
 */
function absolute (target: string, scheme: string, host: string): string {
  const m = SCHEME.exec(target)
  let url: string
  if (m === null) url = `${scheme}://${host}${target.startsWith('/') ? '' : '/'}${target}`
  else {
    const start = m[0].length
    const end = target.slice(start).search(/[/?#]/)
    const stop = end < 0 ? target.length : start + end
    url = target.slice(0, start) + bareHost(target.slice(start, stop)) + target.slice(stop)
  }
  return withoutUrlCredentials(url)
}

/** The request's absolute URL (query included); target is req.url as it was when the request started (Express rewrites req.url while routing). */
export function absoluteUrlOf (req: IncomingMessage, target: string): string {
  const socket = req.socket as NodeSocket
  return absolute(target, socket?.encrypted === true ? 'https' : 'http', hostOf(req, socket))
}

/**
 * A Node IncomingMessage → RequestInfo: the absolute URL (scheme from the socket,
 * host from the Host header), method, headers, query string and a CGI-style env.
 * Privacy rules apply when the event is built, as for any RequestInfo: without
 * sendDefaultPii, cookie/authorization headers, client IPs and the query go.
 */
export function requestDataFromNode (req: IncomingMessage): RequestInfo {
  return requestInfoAt(req, typeof req.url === 'string' ? req.url : '/')
}

/** @internal requestDataFromNode with req.url as it was when the request started (Express rewrites req.url while routing). */
export function requestInfoAt (req: IncomingMessage, target: string): RequestInfo {
  const headers: Record<string, string | string[]> = {}
  // HTTP/2 pseudo-headers are left out: :path holds the query, which the privacy rules keep
  // out of the URL; :method, :authority and :scheme are in the fields below.
  for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined && k.charCodeAt(0) !== 58) headers[k] = v
  const socket = req.socket as NodeSocket
  const scheme = socket?.encrypted === true ? 'https' : 'http'
  const host = hostOf(req, socket)
  const url = absolute(target, scheme, host)
  const q = target.indexOf('?')
  const env: Record<string, string> = { SERVER_NAME: host.replace(/:\d+$/, '') }
  if (socket?.localPort !== undefined) env.SERVER_PORT = String(socket.localPort)
  if (typeof socket?.remoteAddress === 'string') env.REMOTE_ADDR = socket.remoteAddress
  return {
    url,
    method: typeof req.method === 'string' ? req.method : undefined,
    headers,
    query_string: q < 0 ? null : target.slice(q + 1).split('#')[0] as string,
    env
  }
}

/** Only plain request info: a Node request is converted, any other object loses every key RequestInfo does not have. */
export function toRequestInfo (request: unknown): RequestInfo | null {
  if (request === null || typeof request !== 'object') return null
  if (isNodeRequest(request)) {
    // A scope setter never throws into the caller: an odd request falls back to the plain copy.
    try { return requestDataFromNode(request) } catch {}
  }
  const out: Record<string, unknown> = {}
  for (const k of REQUEST_KEYS) {
    try {
      let v = (request as Record<string, unknown>)[k]
      if (v === undefined) continue
      // fetch's Headers keeps its entries out of reach of a plain copy.
      if (k === 'headers' && typeof Headers !== 'undefined' && v instanceof Headers) v = Object.fromEntries(v.entries())
      out[k] = v
    } catch {} // a throwing getter or trap costs the field, not the request
  }
  return out as RequestInfo
}
