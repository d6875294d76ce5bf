import { performance } from 'node:perf_hooks'
import { getIsolationScope } from '../../capture/hub'
import { describeThrown } from '../../capture/normalize'
import type { Scope } from '../../capture/scope'
import type { Level } from '../../shared/types'
import { currentRegistration, isSdkOrigin, recordOn } from './registry'
import { crumbUrl, originOf } from './url'

// Outgoing requests as `http` breadcrumbs, from diagnostics channels only (no patching
// of http, undici or fetch). The scope is read when the request is created, in the
// caller's async context, and kept with the request: undici runs a reused keep-alive
// socket's 'headers' event in the context of the request that opened the socket, so
// the scope current at that time may be another request's.

interface Pending { scope: Scope, start: number, method: string, url: string }

const pending = new WeakMap<object, Pending>()

function begin (request: object, method: unknown, rawUrl: string): void {
  const r = currentRegistration()
  if (r === null || !r.breadcrumbs) return
  const origin = originOf(rawUrl)
  if (origin !== null && isSdkOrigin(origin)) return // the SDK's own delivery
  pending.set(request, {
    scope: getIsolationScope(),
    start: performance.now(),
    method: typeof method === 'string' ? method.toUpperCase() : 'GET',
    url: crumbUrl(rawUrl, r.client.options.sendDefaultPii)
  })
}

function end (request: object, statusCode: unknown, error: unknown): void {
  const p = pending.get(request)
  if (p === undefined) return
  pending.delete(request) // one breadcrumb per request: a later error (body aborted) adds none
  const r = currentRegistration()
  if (r === null) return
  const data: Record<string, unknown> = { method: p.method, url: p.url }
  let level: Level = 'info'
  if (typeof statusCode === 'number') data.status_code = statusCode
  data.duration_ms = Math.round(performance.now() - p.start)
  if (error !== undefined) { level = 'error'; data.error = describeThrown(error) }
  recordOn(p.scope, { type: 'http', category: 'http', level, message: `${p.method} ${p.url}`, data }, r)
}

// Subscribers never throw: Node would rethrow it as an uncaught exception.

interface ClientRequestLike { method?: string, protocol?: string, host?: string, path?: string, getHeader?: (name: string) => unknown }

/** 'http.client.request.start' (node:http / node:https ClientRequest). */
export function onClientRequestStart (message: unknown): void {
  try {
    const req = (message as { request?: ClientRequestLike }).request
    if (req === undefined || req === null) return
    const path = req.path ?? '/'
    // An absolute path is a request through a forward proxy: the URL is the path itself.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) { begin(req, req.method, path); return }
    const host = typeof req.getHeader === 'function' ? req.getHeader('host') : undefined
    begin(req, req.method, `${req.protocol ?? 'http:'}//${typeof host === 'string' ? host : req.host ?? 'localhost'}${path}`)
  } catch {}
}

/** 'http.client.response.finish': the response's head arrived. */
export function onClientResponseFinish (message: unknown): void {
  try {
    const { request, response } = message as { request?: object, response?: { statusCode?: number } }
    if (request !== undefined && request !== null) end(request, response?.statusCode, undefined)
  } catch {}
}

/** 'http.client.request.error' and 'undici:request:error'. */
export function onRequestError (message: unknown): void {
  try {
    const { request, error } = message as { request?: object, error?: unknown }
    if (request !== undefined && request !== null) end(request, undefined, error ?? new Error('request failed'))
  } catch {}
}

/** 'undici:request:create' (fetch, and undici from npm: the channels are per name, shared). */
export function onUndiciCreate (message: unknown): void {
  try {
    const req = (message as { request?: { origin?: unknown, path?: unknown, method?: unknown } }).request
    if (req === undefined || req === null) return
    const origin = String(req.origin ?? '').replace(/\/+$/, '')
    begin(req, req.method, `${origin}${typeof req.path === 'string' ? req.path : '/'}`)
  } catch {}
}

/** 'undici:request:headers': the response's head arrived. */
export function onUndiciHeaders (message: unknown): void {
  try {
    const { request, response } = message as { request?: object, response?: { statusCode?: number } }
    if (request !== undefined && request !== null) end(request, response?.statusCode, undefined)
  } catch {}
}
