import { AsyncLocalStorage } from 'node:async_hooks'
import { Scope } from './scope'
import { absorb, isThenable, runSdkCallback } from './callback-guard'
import type { Breadcrumb } from '../shared/types'
import type { BeforeBreadcrumb } from '../config/types'

// Where scope data lives. The global scope applies to every event; the isolation
// scope is per async context (one per request with the integrations), held in
// AsyncLocalStorage so concurrent requests never see each other's data.

const storage = new AsyncLocalStorage<Scope>()
const globalScope = new Scope()
const rootIsolationScope = new Scope()

/** Data for every event in the process, whatever the async context. */
export function getGlobalScope (): Scope { return globalScope }

/** The scope of the current async context (the process-wide root one outside any). */
export function getIsolationScope (): Scope { return storage.getStore() ?? rootIsolationScope }

/**
 * Runs fn in a new isolation scope, forked from the current one (O(1): copy-on-write).
 * Integrations call this once per request; everything fn starts, sync or async,
 * sees that scope and no other.
 */
export function runWithIsolationScope<T> (fn: (scope: Scope) => T, scope?: Scope): T {
  const next = scope ?? getIsolationScope().clone()
  return storage.run(next, fn, next)
}

/** @internal True when code runs in this scope already (then applyInScope would only re-enter it). */
export function isCurrentScope (scope: Scope): boolean { return storage.getStore() === scope }

/**
 * @internal fn.apply(thisArg, args) inside the scope, without a closure: the http
 * integration runs a request's event listeners through this on every emit.
 */
export function applyInScope<T> (scope: Scope, fn: (...args: any[]) => T, thisArg: unknown, args: ArrayLike<unknown>): T {
  return storage.run(scope, Reflect.apply as (f: (...a: any[]) => T, t: unknown, a: ArrayLike<unknown>) => T, fn, thisArg, args)
}

/**
 * @internal fn.call(thisArg, a, b, c) inside the scope: a server's 'request' emit (event, req,
 * res) on every request. The arguments travel as run()'s own rest arguments (which run() makes
 * either way), so the caller makes no object of its `arguments` and fn is called directly,
 * not through a second Reflect.apply of an array-like, as applyInScope does.
 */
export function callInScope<A, B, C, T> (scope: Scope, fn: (this: unknown, a: A, b: B, c: C) => T, thisArg: unknown, a: A, b: B, c: C): T {
  return storage.run(scope, callWith3 as (...args: unknown[]) => T, fn, thisArg, a, b, c)
}

function callWith3<A, B, C, T> (fn: (this: unknown, a: A, b: B, c: C) => T, thisArg: unknown, a: A, b: B, c: C): T {
  return fn.call(thisArg, a, b, c)
}

/** Runs fn with a temporary fork of the current scope; changes stay inside fn. */
export function withScope<T> (fn: (scope: Scope) => T): T {
  return runWithIsolationScope(fn)
}

// True while beforeBreadcrumb runs (see recordBreadcrumb).
let inBeforeBreadcrumb = false

/**
 * Adds a user breadcrumb to the current isolation scope, after beforeBreadcrumb.
 * Never throws: a throwing callback or a hostile object skips the breadcrumb. A
 * breadcrumb added from inside beforeBreadcrumb is skipped too (it would recurse
 * through the callback), and so is a Promise returned by an async beforeBreadcrumb
 * (init() refuses `async` ones; a plain function can still return one).
 */
export function recordBreadcrumb (crumb: Breadcrumb, before: BeforeBreadcrumb | null, max: number): void {
  if (inBeforeBreadcrumb) return
  try {
    let c: Breadcrumb | null | undefined = crumb
    if (before !== null) {
      inBeforeBreadcrumb = true
      try { c = runSdkCallback(before, crumb) } finally { inBeforeBreadcrumb = false }
    }
    if (c === null || c === undefined) return
    if (isThenable(c)) { absorb(c); return }
    getIsolationScope().addBreadcrumb(c, max)
  } catch {}
}

/**
 * @internal Whether the scope storage has already made Node install V8's promise hooks: on Node
 * 20 and 22, AsyncLocalStorage runs on async_hooks and turns them on at its first run() for
 * good (its own `enabled` flag says so); with AsyncContextFrame (Node 24+) it never does.
 * Another async hook then adds no lasting cost to the host's awaits.
 */
export function scopeStorageTracksPromises (): boolean {
  return (storage as unknown as { enabled?: unknown }).enabled === true
}
