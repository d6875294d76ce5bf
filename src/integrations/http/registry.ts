import type { IncomingMessage } from 'node:http'
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2'
import type { Socket } from 'node:net'
import type { IntegrationClient } from '../../shared/integration'
import type { Scope } from '../../capture/scope'
import type { Breadcrumb } from '../../shared/types'
import { recordBreadcrumb, runWithIsolationScope } from '../../capture/hub'

// The clients that set httpIntegration up. The channel subscriptions are process-wide
// (one set, whatever the number of clients); each request follows the latest open
// client's options, as framework handlers report to the latest client (active-client.ts).

/**
 * What ignoreIncomingRequests gets as the request of an HTTP/2 stream (compat 'request' and raw
 * 'stream' servers alike: it is called when the stream arrives, before either event).
 */
export interface Http2IncomingRequest {
  /** The :path pseudo-header (path and query). */
  readonly url: string
  /** The :method pseudo-header. */
  readonly method: string
  /** The request headers, pseudo-headers included. */
  readonly headers: IncomingHttpHeaders
  readonly httpVersion: '2.0'
  readonly stream: ServerHttp2Stream
  /** The session's socket (a TLSSocket on a secure server), or null once gone. */
  readonly socket: Socket | null
}

export interface HttpIntegrationOptions {
  /**
   * Return true for an incoming request to leave alone (no scope, no breadcrumb): e.g. health
   * checks. Gets req.url (path and query) and the request: an IncomingMessage, or for an HTTP/2
   * stream an Http2IncomingRequest (url, method, headers as for an IncomingMessage).
   */
  // Method syntax: a filter typed (url, req: IncomingMessage) => boolean stays assignable.
  ignoreIncomingRequests? (url: string, request: IncomingMessage | Http2IncomingRequest): boolean
  /** Record `http` breadcrumbs for incoming and outgoing requests. Default true. */
  breadcrumbs?: boolean
}

export interface Registration {
  client: IntegrationClient
  breadcrumbs: boolean
  ignoreIncoming: ((url: string, request: IncomingMessage | Http2IncomingRequest) => boolean) | null
  /** The DSN's origin: the SDK's own requests (a main-thread transport) are not recorded. */
  origin: string | null
}

const registrations: Registration[] = []

/** Adds one; returns true when it is the first (subscribe now). */
export function addRegistration (r: Registration): boolean {
  registrations.push(r)
  return registrations.length === 1
}

/** Removes one; returns true when none is left (unsubscribe now). */
export function removeRegistration (r: Registration): boolean {
  const i = registrations.lastIndexOf(r)
  if (i >= 0) registrations.splice(i, 1)
  return registrations.length === 0
}

/** The registration whose options apply now: the latest open client's. */
export function currentRegistration (): Registration | null {
  for (let i = registrations.length - 1; i >= 0; i--) {
    const r = registrations[i] as Registration
    if (!r.client.isClosed) return r
  }
  return null
}

/** True when the origin is a registered client's DSN origin. */
export function isSdkOrigin (origin: string): boolean {
  for (const r of registrations) if (r.origin === origin) return true
  return false
}

/** Records a breadcrumb onto the given scope (not the current one), through the client's beforeBreadcrumb and maxBreadcrumbs. */
export function recordOn (scope: Scope, crumb: Breadcrumb, r: Registration): void {
  runWithIsolationScope(() => recordBreadcrumb(crumb, r.client.options.beforeBreadcrumb, r.client.options.maxBreadcrumbs), scope)
}
