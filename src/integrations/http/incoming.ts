import { IncomingMessage, ServerResponse } from 'node:http'
import { EventEmitter } from 'node:events'
import { applyInScope, callInScope, getIsolationScope, isCurrentScope } from '../../capture/hub'
import { absoluteUrlOf, requestInfoAt } from '../../capture/request-data'
import { truncateString } from '../../capture/normalize'
import { MAX_BREADCRUMB_STRING } from '../../shared/limits'
import type { CrumbEntry, LazyCrumb, LazyRequest, Scope, StoredCrumb } from '../../capture/scope'
import type { RequestInfo } from '../../shared/types'
import { REQUEST_SCOPE, scopeOfRequest, setScopeOfRequest } from '../request-scope'
import { currentRegistration, recordOn, type Registration } from './registry'
import { crumbUrl } from './url'
import { setOwnMethod } from './own-method'

// Incoming requests: each one runs in its own isolation scope (design notes,
// docs/integrations.md). 'http.server.request.start' fires synchronously just before
// server.emit('request'), so no module is loaded by us first and init() may run after the
// server exists. The scope must reach every continuation of the handler:
// - the server's emit is wrapped once, so 'request' (and 'checkContinue' /
//   'checkExpectation') listeners run inside the request's scope: the one
//   AsyncLocalStorage context a request gets;
// - a listener the request's code adds to req or res is bound to its scope (listeners.ts: their
//   prototypes' on/once/… are wrapped once): 'data'/'end' listeners run in the socket's async
//   context, not the handler's, and enterWith() from the channel does not reach them on Node
//   24 (AsyncContextFrame). A bound listener whose emit runs in the scope already enters no
//   second context; req's and res's emit are left as they are.
// The response's end reaches the request's record through Node's 'http.server.response.finish'
// channel, or, for a connection that closes first (a client gone), through one 'close' listener
// per connection. After the last close() the prototypes get back what they had and every other
// wrapper is a plain pass-through (a connection's 'close' listener only lets go). HTTP/2 streams
// (incoming-http2.ts) use the same record and scope, their emit wrapped per stream
// (emitInRequestScope).
//
// Per-request cost (bench figure 8): a request's scope is a copy-on-write fork; the request
// data, the incoming breadcrumb and the route tags are turned into RequestInfo, a breadcrumb
// and tags only when an event needs them; the only property added to req is the scope slot (a
// plain assignment: Object.keys and JSON skip symbols), none to res: adding properties to a
// framework's request objects cost microseconds each (Express 5, profiled). What the request
// data and the end of a request need is read at its start, while req and res are Node's own
// (the headers object excepted: IncomingRecord): Express (and Nest on it) swap their
// prototypes once routing starts, and from then on every property read on them is a slow one
// (a runtime lookup per read: ~0.1 µs each on Node 20, figure 8d). At the end the
// request's scope is found through the socket (a slot per connection; a second one, added when
// its first request ends, keeps its addresses) and only the status is read from res.

// active: a client has the integration.
export const state = { active: false }

// Servers the SDK runs itself (the local collector): their requests are left alone.
export const SDK_SERVER = Symbol.for('xrayradar.sdkServer')
// Marks a server whose emit is wrapped (a non-enumerable own property, set once per server):
// asked on every request, where a WeakSet lookup cost ~0.1 µs (Express 5, Node 22, profiled).
const WRAPPED_SERVER = Symbol('xrayradar.wrappedServer')
// Servers that could not be wrapped, asked only for those (rare: a non-extensible server).
const unwrappable = new WeakSet<object>()
// A request scope (and every fork of it: scope.requestBase travels with clone()) knows the
// scope it was forked from. Defensive: should the channel ever fire inside an earlier
// request's scope or a withScope() fork of it (a socket resumed from code running there),
// the next request forks that base, never the earlier request's data. Not reproduced on Node
// 20/24 (keep-alive, 40 pipelined requests with back-pressure: the channel ran outside any
// request each time); test/integrations/http-request-record.test.mjs starts one inside.

export type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean
export interface Emitter { emit: Emit }
export type Slotted = Emitter & { [REQUEST_SCOPE]?: Scope, listenerCount?: (event: string | symbol) => number, _events?: unknown }

const EMIT = EventEmitter.prototype.emit as Emit

/**
 * What an incoming request contributes to its scope, computed when first needed: the
 * RequestInfo (req.url as it was at the start: Express rewrites it while routing) and the
 * `http` breadcrumb (status and duration filled in at 'finish'). req is an IncomingMessage,
 * or for an HTTP/2 stream an object with its url, method, headers and socket; null once done.
 */
export class IncomingRecord implements LazyRequest, LazyCrumb {
  // null once the request is done (detach): its data then comes from the method read at the
  // start, and the headers and addresses kept by detach().
  req: IncomingMessage | null
  readonly target: string
  readonly method: string
  readonly start: number
  readonly keepQuery: boolean
  status: number | null = null
  duration: number | null = null
  built: StoredCrumb | null = null
  // The crumb's entry in scopes' lists (Scope's, LazyCrumb): made when an event first needs it.
  listEntry: CrumbEntry | null = null
  // Set once the response finished (or the connection closed first).
  done = false
  // The request's raw headers and socket, read here while req is still Node's own object (the
  // file's opening comment: after a framework swaps its prototype, each read of it is a slow
  // one): the request data comes from these before the response ends and after it alike.
  // socket undefined: an HTTP/2 stream's request, whose socket getter is read when needed (the
  // session's socket proxy throws once the session is gone).
  // headers: read when an event needs them (headersNow()) or kept by detach(), not here:
  // IncomingMessage's `headers` is a getter that builds the object from rawHeaders on its
  // first read, which on Node 26 nothing else does for an app that never looks at a header
  // (~840 instructions per request, docs/benchmarks-notes.md; Node 20, 22 and 24 read it
  // themselves while parsing). rawHeaders is a plain field the parser set; joinDuplicates, the
  // server's joinDuplicateHeaders for making the object of it. An HTTP/2 stream's request
  // hands over its headers object as it is.
  private headers: IncomingMessage['headers'] | null
  private rawHeaders: string[] | null
  private joinDuplicates = false
  private socket: SocketOfRequest | null | undefined
  // The connection's addresses, kept by detach() (null: none, or not readable).
  private addresses: Addresses | null = null
  // The request's response while it runs (null once done), and the request's own scope: a
  // listener added to req or res from the request's code is bound to that scope (listeners.ts)
  // when its target is one of these two, found by identity rather than by a read of the target.
  res: unknown = null
  scope: Scope | null = null

  constructor (req: IncomingMessage, keepQuery: boolean) {
    this.req = req
    this.target = typeof req.url === 'string' ? req.url : '/'
    this.method = typeof req.method === 'string' ? req.method : 'GET'
    if (req instanceof IncomingMessage) {
      this.headers = null
      this.rawHeaders = Array.isArray(req.rawHeaders) ? req.rawHeaders : null
      this.socket = (req.socket as SocketOfRequest | null) ?? null
    } else {
      this.headers = (req as { headers: IncomingMessage['headers'] }).headers
      this.rawHeaders = null
      this.socket = undefined
    }
    this.start = Date.now()
    this.keepQuery = keepQuery
  }

  /**
   * Once the response is done, keeps what the RequestInfo needs instead of req: a scope
   * that outlives the request (a timer started by the handler) must not hold its
   * socket and parser, and the socket's addresses are gone once it closes. An HTTP/1
   * connection's addresses are read once, by its first request that ends, and kept on its
   * socket for the next ones (they do not change while it lives): three getters, a field and
   * two objects fewer per keep-alive request.
   */
  detach (): void {
    if (this.socket === undefined) {
      // An HTTP/2 stream's: its socket is the session's proxy, read now and copied (the proxy
      // would put a slot of ours on the session's own socket).
      let socket: SocketOfRequest | null = null
      try { socket = ((this.req as IncomingMessage).socket as SocketOfRequest | null) ?? null } catch {}
      this.addresses = addressesOf(socket)
    } else if (this.socket !== null) {
      this.addresses = addressesOfConnection(this.socket)
    }
    if (this.headers === null && this.req !== null) this.keepHeaders(this.req)
    this.socket = null
    this.res = null
    this.req = null
  }

  /**
   * The headers as the request leaves them: req's own object when it was made (by the app,
   * the framework or Node), with whatever was changed or removed in it; else the raw lines,
   * to be made into the object Node would have made if an event needs it (nobody can have
   * changed an object nobody made). Asks IncomingMessage's slot rather than its getter, which
   * would make the object.
   */
  private keepHeaders (req: IncomingMessage): void {
    const made = HEADERS_SLOT === undefined ? req.headers : (req as unknown as Record<symbol, unknown>)[HEADERS_SLOT]
    if (made !== null && typeof made === 'object') {
      this.headers = made as IncomingMessage['headers']
      this.rawHeaders = null
    } else {
      this.joinDuplicates = (req as { joinDuplicateHeaders?: unknown }).joinDuplicateHeaders === true
    }
  }

  /** What the request data is read from: the method read at the start, the headers (headersNow()), the live socket until detach(), its addresses after. */
  private source (): IncomingMessage {
    if (!this.done && this.socket === undefined) return this.req as IncomingMessage
    return { headers: this.headersNow(), method: this.method, socket: this.done ? this.addresses : this.socket } as unknown as IncomingMessage
  }

  /**
   * The headers object: while the request runs, req.headers as it is now; once it is done,
   * what detach() kept (req's object, or one made of the raw lines on the first call, then
   * kept). An HTTP/2 stream's request: the object it was given.
   */
  private headersNow (): IncomingMessage['headers'] {
    if (this.headers !== null) return this.headers
    if (!this.done && this.req !== null) return this.req.headers
    const made = headersOfRaw(this.rawHeaders, this.joinDuplicates)
    this.rawHeaders = null
    return (this.headers = made)
  }

  toRequestInfo (): RequestInfo | null {
    try { return requestInfoAt(this.source(), this.target) } catch { return { url: this.target, method: this.method } }
  }

  crumbUrl (): string {
    let abs = this.target
    try { abs = absoluteUrlOf(this.source(), this.target) } catch {}
    return crumbUrl(abs, this.keepQuery)
  }

  /**
   * The scope a listener added to target binds to: the request's own, when target is this
   * request's req or res and the response has not finished. After 'finish' (detach) the
   * request is over: a listener added then (Node's own clearIncoming on req's 'end', on every
   * request) runs where Node runs it.
   */
  scopeFor (target: unknown): Scope | null {
    return !this.done && (target === this.req || target === this.res) ? this.scope : null
  }

  /** The crumb toStoredCrumb would make of { type, category, message, data: { method, url } }. */
  toCrumb (): StoredCrumb {
    if (this.built !== null) return this.built
    const url = this.crumbUrl()
    const data: Record<string, unknown> = { method: truncateString(this.method, MAX_BREADCRUMB_STRING), url: truncateString(url, MAX_BREADCRUMB_STRING) }
    if (this.status !== null) { data.status_code = this.status; data.duration_ms = this.duration }
    return (this.built = { timestamp: this.start, message: truncateString(`${this.method} ${url}`, MAX_BREADCRUMB_STRING), category: 'http.server', level: 'info', data, type: 'http' })
  }
}

// IncomingMessage's slot for its headers object (null until its `headers` getter first runs),
// found once by its name on a probe message: Node has no public way to ask whether the object
// was made. undefined where not found (detach() then reads req.headers, which makes it).
const HEADERS_SLOT: symbol | undefined = headersSlot()

function headersSlot (): symbol | undefined {
  try {
    const probe = new IncomingMessage(null as never)
    return Object.getOwnPropertySymbols(probe).find((k) => k.description === 'kHeaders' && probe[k as never] === null)
  } catch {
    return undefined
  }
}

/**
 * The headers object Node makes of these raw lines for a request: its own merge of each line
 * (IncomingMessage's _addHeaderLine: lower-case names; repeats joined, listed (set-cookie) or
 * dropped, or all joined with the server's joinDuplicateHeaders), run on an object with only
 * its prototype. A plain merge where that method is missing or throws. Never throws.
 */
function headersOfRaw (raw: string[] | null, joinDuplicates: boolean): IncomingMessage['headers'] {
  if (raw === null) return {}
  try {
    const merger = Object.create(IncomingMessage.prototype) as { joinDuplicateHeaders: boolean, _addHeaderLine?: (field: string, value: string, dest: object) => void }
    merger.joinDuplicateHeaders = joinDuplicates
    if (typeof merger._addHeaderLine === 'function') {
      const headers = {}
      for (let i = 0; i + 1 < raw.length; i += 2) merger._addHeaderLine(raw[i] as string, raw[i + 1] as string, headers)
      return headers
    }
  } catch {}
  const headers: Record<string, string> = {}
  try {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = String(raw[i]).toLowerCase()
      if (k === '__proto__') continue
      headers[k] = Object.hasOwn(headers, k) ? `${headers[k] as string}, ${String(raw[i + 1])}` : String(raw[i + 1])
    }
  } catch {}
  return headers
}

/** The socket fields the request data reads. */
type Addresses = Pick<SocketOfRequest, 'encrypted' | 'localAddress' | 'localPort' | 'remoteAddress'>

/**
 * An HTTP/1 connection's addresses, read by its first request that ends and kept on its socket
 * (not enumerable: an inspected or copied socket does not show them twice). Never throws.
 */
function addressesOfConnection (socket: SocketOfRequest): Addresses | null {
  try {
    const kept = socket[SOCKET_ADDRESSES]
    if (kept !== undefined) return kept
    const addresses = addressesOf(socket)
    Object.defineProperty(socket, SOCKET_ADDRESSES, { value: addresses, configurable: true })
    return addresses
  } catch {
    return null
  }
}

/** The socket fields the request data reads, copied; null where there is none or it cannot be read (an HTTP/2 session's socket proxy once the session is gone throws). */
function addressesOf (socket: SocketOfRequest | null): Addresses | null {
  if (socket === null) return null
  try {
    return { encrypted: socket.encrypted, localAddress: socket.localAddress, localPort: socket.localPort, remoteAddress: socket.remoteAddress }
  } catch {
    return null
  }
}

/**
 * Wraps server's emit once (WRAPPED_SERVER marks it); false when it cannot be. Asked on every
 * request: a wrapped server answers from its mark alone (the unwrappable set, a WeakSet lookup
 * per request when asked after it, counted ~60 instructions per request under callgrind).
 */
function wrapServer (server: Emitter): boolean {
  if ((server as { [WRAPPED_SERVER]?: true })[WRAPPED_SERVER] === true) return true
  if (unwrappable.has(server)) return false
  const original = server.emit
  try {
    setOwnMethod(server, 'emit', function emitWithRequestScope (this: unknown, event: string | symbol, req: unknown, res: unknown) {
      if (state.active && (event === 'request' || event === 'checkContinue' || event === 'checkExpectation')) {
        const scope = scopeOfRequest(req)
        if (scope !== null) {
          // Node emits these with (req, res): called as they came, without an object of `arguments`.
          if (arguments.length === 3) return callInScope(scope, original as (this: unknown, e: string | symbol, q: unknown, s: unknown) => boolean, this, event, req, res)
          return applyInScope(scope, original, this, arguments)
        }
      }
      return original.apply(this, arguments as unknown as [string])
    } as Emit)
    Object.defineProperty(server, WRAPPED_SERVER, { value: true })
    return true
  } catch {
    // A non-extensible server, or an emit that cannot be replaced: tried once, its 'request'
    // listeners then run outside the scope (its requests' emits are wrapped instead, startRequest).
    unwrappable.add(server)
    return false
  }
}

/**
 * An HTTP/2 stream's emit (bindEmit, per stream): its listeners run in the stream's scope (its
 * slot); the stream fills in the breadcrumb at 'finish'.
 */
function emitInRequestScope (this: Slotted, event: string | symbol): boolean {
  // Most of a request's emits ('socket', 'prefinish', 'resume', …) have no listener and are
  // not its end: they pass through before the scope is even looked up (on Node 20 each
  // property lookup on a framework's req/res is a slow one: a hidden class per request).
  // `arguments` here only goes to apply(): the optimizing compiler then forwards the
  // arguments without making an object of them (one per emit, several per request, when it
  // also went to applyInScope here: the most garbage the SDK made per request, heap-sampled).
  if (event !== 'finish' && event !== 'close' && (!state.active || noListener(this, event))) return EMIT.apply(this, arguments as unknown as [string])
  return emitInScopeOf.apply(this, arguments as unknown as [string])
}

/**
 * True when target has no listener for event. An EventEmitter's own listener table (`_events`,
 * whose slot is undefined exactly when the event has no listener, streams' "shape mode"
 * included) read directly: looking up listenerCount walks the emitter's prototype chain, and
 * emitInRequestScope asks this on every emit of a stream (when it did so for HTTP/1's req and
 * res, listenerCount was its largest self time, Nest on Node 22).
 */
function noListener (target: Slotted, event: string | symbol): boolean {
  const events = target._events
  if (events !== undefined && events !== null && typeof events === 'object') return (events as Record<string | symbol, unknown>)[event] === undefined
  return target.listenerCount?.(event) === 0
}

/** emitInRequestScope past its pass-through: an end of the request, or an emit with listeners. */
function emitInScopeOf (this: Slotted, event: string | symbol): boolean {
  const scope = requestScopeOf(this)
  if (scope === undefined) return EMIT.apply(this, arguments as unknown as [string])
  // Also once inactive (after the last close()): the record lets go of req when the request ends.
  if (event === 'finish' || event === 'close') {
    finishRecord(this, scope, event)
    if (!state.active || noListener(this, event)) return EMIT.apply(this, arguments as unknown as [string])
  }
  // Already in the request's scope (a response ended from the handler emits 'finish' there):
  // no context to switch to. Only emits from the socket's side (body 'data'/'end', a client
  // gone) pay for a second context (and for an object of their arguments).
  if (isCurrentScope(scope)) return EMIT.apply(this, arguments as unknown as [string])
  return emitEntering.apply(this, arguments as unknown as [string])
}

function emitEntering (this: Slotted, _event: string | symbol): boolean {
  return applyInScope(requestScopeOf(this) as Scope, EMIT, this, arguments)
}

/**
 * The scope of req or of an HTTP/2 stream (its slot), or of res (through res.req), or
 * undefined. A response has no slot of its own: one looked up in vain walks the whole prototype
 * chain (seven objects for an Express response; ~0.1 µs per request, Nest on Node 22).
 */
function requestScopeOf (target: Slotted): Scope | undefined {
  if (target instanceof ServerResponse) return (target.req as Slotted | null | undefined)?.[REQUEST_SCOPE]
  const scope = target[REQUEST_SCOPE]
  if (scope !== undefined) return scope
  const req = (target as { req?: Slotted | null }).req
  return req === undefined || req === null ? undefined : req[REQUEST_SCOPE]
}

/**
 * At 'finish' (or 'close' without one: the client went away; res is then null where the
 * connection's close says so): the request is over.
 */
function finishRecord (res: Slotted | null, scope: Scope, event: string): void {
  // Through the scope (req and res share it), not a property of res: adding one to a
  // framework's res per request costs more than this whole function.
  const record = scope.requestRecord
  // req's own 'close' is not the response's end (req's emit wrapped by bindEmit, for a server
  // whose emit cannot be wrapped).
  if (!(record instanceof IncomingRecord) || record.done || record.req === res as unknown) return
  record.done = true
  try { record.detach() } catch {}
  if (event !== 'finish' || res === null) return
  const status = statusOf(res)
  const duration = Date.now() - record.start
  if (record.built === null) {
    // Nobody has seen the crumb yet: it is built with these when an event needs it.
    record.status = status
    record.duration = duration
    return
  }
  // An event captured before 'finish' built the crumb: amend it as any stored crumb.
  scope.amendBreadcrumb(record.built, { status_code: status, duration_ms: duration })
}

/** res.statusCode; for an HTTP/2 stream, the :status it sent. */
function statusOf (res: Slotted): number | null {
  const code = (res as unknown as ServerResponse).statusCode
  if (typeof code === 'number') return code
  const sent = (res as { sentHeaders?: Record<string, unknown> }).sentHeaders?.[':status']
  return sent === undefined ? null : Number(sent)
}

/** Wraps the emit of an HTTP/2 stream (or of a request of a server that cannot be wrapped): the shared function when emit is EventEmitter's own, a closure otherwise. */
export function bindEmit (target: Slotted, scope: Scope): void {
  target[REQUEST_SCOPE] = scope
  const original = target.emit
  if (original === EMIT) { setOwnMethod(target, 'emit', emitInRequestScope as Emit); return }
  // Someone replaced emit before us: keep calling theirs.
  setOwnMethod(target, 'emit', function emitInRequestScopeOf (this: unknown, event) {
    if (!state.active) return original.apply(this, arguments as unknown as [string])
    if (event === 'finish' || event === 'close') finishRecord(this as Slotted, scope, event)
    if (noListener(this as Slotted, event) || isCurrentScope(scope)) return original.apply(this, arguments as unknown as [string])
    return applyInScope(scope, original, this, arguments)
  })
}

interface ServerRequestStart { request?: IncomingMessage, response?: ServerResponse, server?: object, socket?: SocketOfRequest | null }

/** A request's socket as the record and the end of the request read it. */
type SocketOfRequest = EventEmitter & { encrypted?: boolean, localAddress?: string, localPort?: number, remoteAddress?: string, [SOCKET_SCOPE]?: Scope | null, [SOCKET_ADDRESSES]?: Addresses | null }

// The scope of the request a connection serves now, a slot on its socket (null between
// requests, undefined where the SDK does not watch the connection): where the end of the
// request finds it (onServerResponseFinish). A connection's sockets keep one map, where a
// framework's req and res do not (the file's opening comment). With pipelining the slot holds
// the newest request's scope, so the end checks that the slot's record is its request's, and
// else looks the scope up on the request; a connection that closes with two pipelined requests
// unanswered ends only the newest (the other's record keeps req until its scope goes).
const SOCKET_SCOPE = Symbol('xrayradar.socketScope')
// The connection's addresses as its first finished request read them (IncomingRecord.detach).
const SOCKET_ADDRESSES = Symbol('xrayradar.socketAddresses')


/** The 'http.server.request.start' subscriber. Never throws: Node would rethrow it as an uncaught exception. */
export function onServerRequestStart (message: unknown): void {
  try {
    const r = currentRegistration()
    if (r === null) return
    const { request: req, response: res, server } = message as ServerRequestStart
    if (req === undefined || res === undefined) return
    if (server !== undefined && server !== null && (server as Record<symbol, unknown>)[SDK_SERVER] === true) return
    if (r.ignoreIncoming !== null && ignored(r, typeof req.url === 'string' ? req.url : '/', req)) return
    startRequest(r, req, res, server as Emitter | undefined, message as ServerRequestStart)
  } catch {}
}

/**
 * The 'http.server.response.finish' subscriber (Node publishes it at the response's 'finish'):
 * the request's record gets its status and duration and lets go of req. Never throws.
 */
export function onServerResponseFinish (message: unknown): void {
  try {
    const { request, response, socket } = message as ServerRequestStart
    if (request === undefined || response === undefined) return
    const onSocket = socket?.[SOCKET_SCOPE] ?? null
    const record = onSocket?.requestRecord as IncomingRecord | null | undefined
    // The slot's request is this one (a done record's req is null, so never), or one already
    // ended (by its own emit, for a server whose emit cannot be wrapped): either way the
    // connection is now between requests.
    const mine = record !== undefined && record !== null && record.req === request
    if (onSocket !== null && (mine || record?.done === true)) {
      (socket as SocketOfRequest)[SOCKET_SCOPE] = null
      if (mine) { finishRecord(response as unknown as Slotted, onSocket, 'finish'); return }
    }
    // A pipelined request (the slot holds a later one), or one without a socket slot.
    const scope = scopeOfRequest(request)
    if (scope !== null) finishRecord(response as unknown as Slotted, scope, 'finish')
  } catch {}
}

/**
 * A connection's 'close' (its socket is `this`): a request it still serves ends without a
 * response. The listener stays on its connection after the last close(), as the servers' emit
 * wrappers do: it only lets go (empties the slot, detaches the record), and goes with the
 * socket. Nothing keeps a list of the sockets: a socket that never closes keeps nothing alive.
 */
function socketClosed (this: SocketOfRequest): void {
  try {
    const scope = this[SOCKET_SCOPE]
    this[SOCKET_SCOPE] = null
    if (scope !== undefined && scope !== null) finishRecord(null, scope, 'close')
  } catch {}
}

/** The request's scope in its connection's slot; the connection's 'close' listener added with its first request. */
function noteOnSocket (socket: SocketOfRequest, scope: Scope): void {
  // undefined: not watched yet (null: watched, between two requests).
  if (socket[SOCKET_SCOPE] === undefined) {
    if (typeof socket.on !== 'function') return
    socket.on('close', socketClosed)
  }
  socket[SOCKET_SCOPE] = scope
}

/** The user's ignoreIncomingRequests filter said yes. */
export function ignored (r: Registration, url: string, req: Parameters<NonNullable<Registration['ignoreIncoming']>>[1]): boolean {
  try {
    return (r.ignoreIncoming as NonNullable<Registration['ignoreIncoming']>)(url, req) === true
  } catch {
    return false // a throwing filter keeps the request isolated
  }
}

function startRequest (r: Registration, req: IncomingMessage, res: ServerResponse, server: Emitter | undefined, message: ServerRequestStart): void {
  const record = new IncomingRecord(req, r.client.options.sendDefaultPii)
  record.res = res
  const scope = newRequestScope(r, record)
  setScopeOfRequest(req, scope)
  const socket = message.socket
  if (socket !== undefined && socket !== null) noteOnSocket(socket, scope)
  if (server !== undefined && typeof server.emit === 'function') {
    if (!wrapServer(server)) {
      // Its handler runs outside the scope, so its listeners are not bound when added
      // (listeners.ts): req's and res's own emit run them in it, as for an HTTP/2 stream.
      bindEmit(req as unknown as Slotted, scope)
      bindEmit(res as unknown as Slotted, scope)
      return
    }
  }
  // Their listeners are bound when added (listeners.ts); the response's end reaches the record
  // through Node's channel (onServerResponseFinish) or the connection's close.
}

/**
 * A request's scope: the current data (global user, tags set at start-up) with only this
 * request's breadcrumbs (its incoming one), its request data, and the record (scope.requestRecord),
 * which the response's 'finish' (res, or the HTTP/2 stream) fills in.
 */
export function newRequestScope (r: Registration, record: IncomingRecord): Scope {
  const current = getIsolationScope()
  const base = current.requestBase ?? current
  const options = r.client.options
  // maxBreadcrumbs as addLazyBreadcrumb reads it (a client of another copy of the SDK may hand
  // over anything): not a finite number, the default (100); else at least 1 after rounding down.
  // With beforeBreadcrumb the callback runs whatever it is, as for every breadcrumb.
  const max = options.maxBreadcrumbs
  const lazy = r.breadcrumbs && options.beforeBreadcrumb === null && (typeof max !== 'number' || !Number.isFinite(max) || max >= 1)
  const scope = base.forkForRequest(record, lazy ? record : null)
  if (r.breadcrumbs && options.beforeBreadcrumb !== null) {
    // The user's callback sees the crumb when the request starts, as for any breadcrumb.
    const url = record.crumbUrl()
    recordOn(scope, { type: 'http', category: 'http.server', message: `${record.method} ${url}`, data: { method: record.method, url } }, r)
    record.built = scope.lastBreadcrumb()
  }
  record.scope = scope
  return scope
}
