import { IncomingMessage, ServerResponse } from 'node:http'
import { applyInScope, getIsolationScope, isCurrentScope } from '../../capture/hub'
import type { Scope } from '../../capture/scope'
import { IncomingRecord, state, type Slotted } from './incoming'
import { replaceMethod } from './own-method'

// A request's listeners run in its scope: Node runs the listeners of req and res that the
// socket's side triggers (body 'data'/'end', 'finish' once the socket wrote the response, a
// client gone) in the connection's async context, where enterWith() does not reach on Node 24
// (AsyncContextFrame). So a listener that a request's code adds to its req or res is bound to
// the request's scope when it is added: IncomingMessage's and ServerResponse's on /
// addListener / prependListener / once / prependOnceListener are wrapped once, on their
// prototypes.
//
// Why at the listener and not at emit (what the SDK did before): a GET request emits about
// eight events on req and res, mostly with no listener, and a wrapped emit paid its check on
// each one (the SDK's largest per-request cost, profiled on Express and Nest); a request's code
// adds few listeners, often none. A bound listener enters the scope only when the
// emit runs outside it, so a request still gets one AsyncLocalStorage context unless a
// listener of its runs from the socket's side.
//
// The bound function carries the caller's listener as `.listener`, as Node's own once()
// wrapper does: removeListener(type, fn), listeners(), listenerCount(type, fn) and
// 'newListener' see fn. once() is bound here rather than through on(): Node's once() hands
// on() a wrapper of its own, and a listener wrapped twice could no longer be removed by fn.

type Listener = (...args: unknown[]) => unknown
type Add = (this: unknown, type: string | symbol, listener: Listener) => unknown
type Bound = Listener & { listener: Listener, [BOUND]?: true }

// Marks a bound listener, from the global registry: with two copies of the SDK in a process (a
// bundle and an installed copy) each wraps the prototypes, and a listener bound by one is not
// bound again by the other (a listener wrapped twice could no longer be removed by fn).
const BOUND: unique symbol = Symbol.for('xrayradar.boundListener') as never

const METHODS = ['on', 'addListener', 'prependListener', 'once', 'prependOnceListener'] as const
type Method = typeof METHODS[number]

/** b as the listener that stands for listener: removable by it, and not bound again. */
function marked (b: Listener, listener: Listener): Bound {
  const m = b as Bound
  m.listener = listener
  m[BOUND] = true
  return m
}

/** fn run in scope (entered only when the emit runs elsewhere); after the last close(), fn as it is. */
function bound (scope: Scope, listener: Listener): Bound {
  return marked(function listenerInRequestScope (this: unknown): unknown {
    // `arguments` goes to apply() only: the optimizing compiler forwards it without an object.
    if (!state.active || isCurrentScope(scope)) return listener.apply(this, arguments as unknown as unknown[])
    return applyInScope(scope, listener, this, arguments)
  }, listener)
}

/** fn run once, in scope: Node's once() semantics (removed before it runs), the scope's context. */
function boundOnce (target: Slotted & { removeListener: (type: string | symbol, l: Listener) => unknown }, type: string | symbol, scope: Scope, listener: Listener): Bound {
  let fired = false
  const b = function onceInRequestScope (this: unknown): unknown {
    if (fired) return undefined
    fired = true
    target.removeListener(type, b)
    if (!state.active || isCurrentScope(scope)) return listener.apply(this, arguments as unknown as unknown[])
    return applyInScope(scope, listener, this, arguments)
  }
  return marked(b, listener)
}

/**
 * The scope a listener added to target binds to: target's request's, when it is added from that
 * request's code (its scope or a fork of it: they share the record) to that request's req or
 * res before its response finished, while the integration is on. A listener Node adds itself
 * (the server's 'finish' listener on res, added after the channel, from the connection's
 * context; clearIncoming on req's 'end', added once the response finished) or one added from
 * elsewhere is left as it is: it runs where it ran without the SDK, and costs no closure and no
 * second context per request. The target is matched by identity against the record's req and
 * res: no property of it is read (each read of a framework's req or res is a slow one once the
 * framework swapped its prototype, incoming.ts).
 */
function scopeToBind (target: unknown, listener: unknown): Scope | undefined {
  if (!state.active || typeof listener !== 'function') return undefined
  const record = getIsolationScope().requestRecord
  if (!(record instanceof IncomingRecord)) return undefined
  const scope = record.scopeFor(target)
  // Bound already, or Node's once() wrapper of a bound one (a listener wrapped twice could no
  // longer be removed by fn).
  if (scope === null || (listener as Bound)[BOUND] === true || ((listener as Partial<Bound>).listener as Bound | undefined)?.[BOUND] === true) return undefined
  return scope
}

/** Binds a listener that the request's code adds: own (proto's method before), or where proto had none of its own, its parent's, looked up at each call (a later patch of Readable's or EventEmitter's is kept). */
function addingBound (proto: Methods, m: Method, own: Add | undefined): Add {
  const parent = Object.getPrototypeOf(proto) as Methods
  return function addListenerInRequestScope (this: unknown, type, listener) {
    const original = own ?? parent[m]
    const scope = scopeToBind(this, listener)
    if (scope === undefined) return original.apply(this, arguments as unknown as [string, Listener])
    return original.call(this, type, bound(scope, listener))
  }
}

/**
 * once() / prependOnceListener(): the bound once-listener is added through this.on() /
 * this.prependListener() at call time, as Node's once() does, so an override on the object
 * itself (compression's res.on sends 'drain' listeners to its zlib stream) still gets it.
 */
function addingBoundOnce (proto: Methods, m: 'once' | 'prependOnceListener', own: Add | undefined): Add {
  const add = m === 'once' ? 'on' : 'prependListener'
  const parent = Object.getPrototypeOf(proto) as Methods
  return function addOnceListenerInRequestScope (this: unknown, type, listener) {
    const scope = scopeToBind(this, listener)
    if (scope === undefined) return (own ?? parent[m]).apply(this, arguments as unknown as [string, Listener])
    ;(this as Methods)[add](type, boundOnce(this as Parameters<typeof boundOnce>[0], type, scope, listener))
    return this
  }
}

type Methods = Record<Method, Add>

/**
 * Binds the listeners of requests and responses: one set of wrappers per prototype, for the
 * whole process, installed when the integration first subscribes. Returns the undo.
 */
export function installListenerBinding (): () => void {
  const undo: Array<() => void> = []
  for (const proto of [IncomingMessage.prototype, ServerResponse.prototype] as unknown as Methods[]) {
    for (const m of METHODS) {
      try {
        undo.push(replaceMethod<Add>(proto, m, own => m === 'once' || m === 'prependOnceListener' ? addingBoundOnce(proto, m, own) : addingBound(proto, m, own)))
      } catch {}
    }
  }
  return () => { for (const u of undo) u() }
}
