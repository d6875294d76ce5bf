import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import { getIsolationScope, runWithIsolationScope } from '../../capture/hub'
import { requestDataFromNode } from '../../capture/request-data'
import type { Scope, StoredCrumb } from '../../capture/scope'
import { scopeOfRequest, setScopeOfRequest } from '../request-scope'
import { currentRegistration, recordOn, type Registration } from './registry'
import { crumbUrl } from './url'

// Incoming requests: each one runs in its own isolation scope (design notes,
// docs/integrations.md). 'http.server.request.start' fires synchronously just before
// server.emit('request'), so no module is patched and init() may run after the server
// exists. The scope must reach every continuation of the handler:
// - the server's emit is wrapped once, so 'request' (and 'checkContinue' /
//   'checkExpectation') listeners run inside runWithIsolationScope;
// - each request's req.emit and res.emit are wrapped too: 'data'/'end'/'finish'
//   listeners run in the socket's async context, not the handler's, and enterWith()
//   from the channel does not reach them on Node 24 (AsyncContextFrame).
// While no client has the integration (after the last close()), every wrapper is a
// plain pass-through.

export const state = { active: false }

// Servers the SDK runs itself (the local collector): their requests are left alone.
const SDK_SERVER = Symbol.for('xrayradar.sdkServer')
const SCOPED_EVENTS = new Set(['request', 'checkContinue', 'checkExpectation'])
const wrappedServers = new WeakSet<object>()
// Request scope → the scope it was forked from. Defensive: should the channel ever fire
// inside an earlier request's scope (a socket resumed from code running in that scope),
// the next request forks that request's base, never the request itself, so no user or tag
// crosses between requests. Not reproduced on Node 20/24 (keep-alive, 40 pipelined
// requests with back-pressure: the channel ran outside any request each time).
const baseOf = new WeakMap<Scope, Scope>()

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean
interface Emitter { emit: Emit }

/** Replaces an object's emit with one that runs listeners in the scope (a non-enumerable own property). */
function setEmit (target: Emitter, emit: Emit): void {
  Object.defineProperty(target, 'emit', { value: emit, writable: true, configurable: true, enumerable: false })
}

function wrapServer (server: Emitter): void {
  if (wrappedServers.has(server)) return
  wrappedServers.add(server)
  const original = server.emit
  setEmit(server, function emitWithRequestScope (this: unknown, event, ...args) {
    if (state.active && typeof event === 'string' && SCOPED_EVENTS.has(event)) {
      const scope = scopeOfRequest(args[0])
      if (scope !== null) return runWithIsolationScope(() => original.call(this, event, ...args), scope)
    }
    return original.call(this, event, ...args)
  })
}

/** Runs the object's listeners in the request's scope; onEvent sees each event first. */
function bindEmit (target: Emitter, scope: Scope, onEvent: ((event: string | symbol) => void) | null): void {
  const original = target.emit
  setEmit(target, function emitInRequestScope (this: unknown, event, ...args) {
    if (!state.active) return original.call(this, event, ...args)
    if (onEvent !== null) onEvent(event)
    // No listener, no code to run in the scope: skip the context switch (most events of a request).
    const count = (this as { listenerCount?: unknown }).listenerCount
    if (typeof count === 'function' && count.call(this, event) === 0) return original.call(this, event, ...args)
    return runWithIsolationScope(() => original.call(this, event, ...args), scope)
  })
}

interface ServerRequestStart { request?: IncomingMessage, response?: ServerResponse, server?: object }

/** The 'http.server.request.start' subscriber. Never throws: Node would rethrow it as an uncaught exception. */
export function onServerRequestStart (message: unknown): void {
  try {
    const r = currentRegistration()
    if (r === null) return
    const { request: req, response: res, server } = message as ServerRequestStart
    if (req === undefined || res === undefined) return
    if (server !== undefined && server !== null && (server as Record<symbol, unknown>)[SDK_SERVER] === true) return
    if (r.ignoreIncoming !== null && ignored(r, req)) return
    startRequest(r, req, res, server as Emitter | undefined)
  } catch {}
}

function ignored (r: Registration, req: IncomingMessage): boolean {
  try {
    return (r.ignoreIncoming as NonNullable<Registration['ignoreIncoming']>)(typeof req.url === 'string' ? req.url : '/', req) === true
  } catch {
    return false // a throwing filter keeps the request isolated
  }
}

function startRequest (r: Registration, req: IncomingMessage, res: ServerResponse, server: Emitter | undefined): void {
  // The current data (global user, tags set at start-up), but only this request's breadcrumbs.
  const current = getIsolationScope()
  const base = baseOf.get(current) ?? current
  const scope = base.clone().clearBreadcrumbs()
  baseOf.set(scope, base)
  const info = requestDataFromNode(req)
  scope.setRequest(info)
  setScopeOfRequest(req, scope)
  if (server !== undefined && typeof server.emit === 'function') wrapServer(server)
  let finish: ((event: string | symbol) => void) | null = null
  if (r.breadcrumbs) {
    const start = performance.now()
    const method = info.method ?? 'GET'
    const url = crumbUrl(info.url ?? '/', r.client.options.sendDefaultPii)
    recordOn(scope, { type: 'http', category: 'http.server', message: `${method} ${url}`, data: { method, url } }, r)
    const crumb: StoredCrumb | null = scope.lastBreadcrumb()
    if (crumb !== null) {
      // Filled in when the response is sent, for events captured after that.
      finish = (event) => {
        if (event !== 'finish' || crumb === null) return
        scope.amendBreadcrumb(crumb, { status_code: res.statusCode, duration_ms: Math.round(performance.now() - start) })
        finish = null
      }
    }
  }
  bindEmit(req as unknown as Emitter, scope, null)
  bindEmit(res as unknown as Emitter, scope, (event) => { if (finish !== null) finish(event) })
}
