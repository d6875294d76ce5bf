import type { IncomingMessage } from 'node:http'
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2'
import type { Socket } from 'node:net'
import { applyInScope, getIsolationScope } from '../../capture/hub'
import { scopeOfRequest, setScopeOfRequest } from '../request-scope'
import { bindEmit, ignored, IncomingRecord, newRequestScope, SDK_SERVER, state, type Emit, type Emitter, type Slotted } from './incoming'
import { setOwnMethod } from './own-method'
import { currentRegistration, type Http2IncomingRequest } from './registry'

// HTTP/2 server streams, each in its own isolation scope like an HTTP/1 request. No
// channel announces an http2 request on every supported Node ('http2.server.stream.*'
// exist from 22, not on 20), so the server's own emit is wrapped, as for HTTP/1:
// - the server is found when it accepts a connection ('net.server.socket', every version;
//   socket.server is the Http2Server or Http2SecureServer), and on Node 22+ also when a
//   stream is created ('http2.server.stream.created': a session accepted before init());
// - its emit runs each 'stream' (raw API; the compat layer's 'request' and 'checkContinue'
//   are emitted from its own 'stream' listener, inside) in a scope made for that stream;
// - the stream's emit is wrapped too: its 'data'/'end'/'close' listeners run in the
//   session's async context otherwise (measured on 20, 22, 24 and 26). The compat request
//   and response take their events from the stream's, so they follow.
// Nothing is patched on a prototype and no module is loaded: node:http2 is never required
// here, servers are recognised by their class name. Wrappers left behind by the last
// close() are pass-throughs (state.active), as for HTTP/1.

// Servers looked at: http2 servers wrapped, other servers (every HTTP/1 connection passes
// through 'net.server.socket') remembered so each is classified once.
const seenServers = new WeakSet<object>()
const HTTP2_SERVER_CLASSES = new Set(['Http2Server', 'Http2SecureServer'])

/** The request view of a stream: what the record and ignoreIncomingRequests read. */
class StreamRequest implements Http2IncomingRequest {
  readonly url: string
  readonly method: string
  readonly headers: IncomingHttpHeaders
  readonly stream: ServerHttp2Stream
  constructor (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) {
    this.stream = stream
    this.headers = headers
    const path = headers[':path']
    const method = headers[':method']
    this.url = typeof path === 'string' ? path : '/'
    this.method = typeof method === 'string' ? method : 'GET'
  }

  get httpVersion (): '2.0' { return '2.0' }

  // Read when an event needs the request data (or at detach): the session's socket, a proxy
  // Node hands out that allows reads such as encrypted and the addresses.
  get socket (): Socket | null {
    try { return (this.stream.session?.socket as Socket | undefined) ?? null } catch { return null }
  }
}

function isHttp2Server (server: object): boolean {
  try {
    const name = (Object.getPrototypeOf(server) as { constructor?: { name?: unknown } } | null)?.constructor?.name
    return typeof name === 'string' && HTTP2_SERVER_CLASSES.has(name) && typeof (server as Emitter).emit === 'function'
  } catch {
    return false
  }
}

function consider (server: unknown): void {
  if (server === null || typeof server !== 'object' || seenServers.has(server)) return
  seenServers.add(server)
  if ((server as Record<symbol, unknown>)[SDK_SERVER] === true || !isHttp2Server(server)) return
  wrapHttp2Server(server as Emitter)
}

/** The 'net.server.socket' subscriber: a server accepted a connection. Never throws. */
export function onNetServerSocket (message: unknown): void {
  try { consider((message as { socket?: { server?: unknown } }).socket?.server) } catch {}
}

/** The 'http2.server.stream.created' subscriber (Node 22+): finds a server whose session predates init(). Never throws. */
export function onHttp2StreamCreated (message: unknown): void {
  try { consider(((message as { stream?: ServerHttp2Stream }).stream?.session?.socket as { server?: unknown } | undefined)?.server) } catch {}
}

function wrapHttp2Server (server: Emitter): void {
  const original = server.emit
  setOwnMethod(server, 'emit', function emitStreamInScope (this: unknown, event) {
    if (state.active) {
      if (event === 'stream') return emitStream(this, original, arguments)
      if (event === 'request' || event === 'checkContinue') return emitCompat(this, original, arguments)
    }
    return original.apply(this, arguments as unknown as [string])
  })
}

/** 'stream': a scope for the stream (unless ignored), its listeners run in it. */
function emitStream (server: unknown, original: Emit, args: IArguments): boolean {
  let scope = null
  try { scope = startStream(args[1] as ServerHttp2Stream, args[2] as IncomingHttpHeaders) } catch {}
  if (scope === null) return original.apply(server, args as unknown as [string])
  return applyInScope(scope, original, server, args)
}

function startStream (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): ReturnType<typeof newRequestScope> | null {
  const r = currentRegistration()
  if (r === null || stream === null || typeof stream !== 'object' || headers === null || typeof headers !== 'object') return null
  const req = new StreamRequest(stream, headers)
  if (r.ignoreIncoming !== null && ignored(r, req.url, req)) return null
  const slotted = stream as unknown as Slotted
  const scope = newRequestScope(r, new IncomingRecord(req as unknown as IncomingMessage, r.client.options.sendDefaultPii))
  setScopeOfRequest(stream, scope)
  bindEmit(slotted, scope)
  return scope
}

/**
 * Compat 'request' / 'checkContinue' (emitted inside the stream's 'stream' emit): the request
 * gets its stream's scope in its slot, for framework error handlers that look it up there.
 */
function emitCompat (server: unknown, original: Emit, args: IArguments): boolean {
  let scope = null
  try {
    const req = args[1] as { stream?: unknown } | null
    if (req !== null && typeof req === 'object' && scopeOfRequest(req) === null) {
      scope = scopeOfRequest(req.stream)
      if (scope !== null) setScopeOfRequest(req, scope)
    }
  } catch {}
  // Already current unless the app emits 'request' itself from elsewhere.
  if (scope === null || getIsolationScope() === scope) return original.apply(server, args as unknown as [string])
  return applyInScope(scope, original, server, args)
}
