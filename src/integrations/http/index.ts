import dc from 'node:diagnostics_channel'
import { ConfigurationError } from '../../shared/errors'
import type { Integration, IntegrationClient } from '../../shared/integration'
import { onServerRequestStart, onServerResponseFinish, state } from './incoming'
import { installListenerBinding } from './listeners'
import { onHttp2StreamCreated, onNetServerSocket } from './incoming-http2'
import { onClientRequestStart, onClientResponseFinish, onRequestError, onUndiciCreate, onUndiciHeaders } from './outgoing'
import { addRegistration, removeRegistration, type HttpIntegrationOptions, type Registration } from './registry'
import { originOf } from './url'

export type { HttpIntegrationOptions, Http2IncomingRequest } from './registry'

// One process-wide set of subscriptions, shared by every client that sets the
// integration up: the first client subscribes, the last one's close() unsubscribes
// (the prototypes get back their methods; the servers' wrappers and the listeners bound
// before become pass-throughs).

const CHANNELS: Array<[string, (message: unknown) => void]> = [
  ['http.server.request.start', onServerRequestStart],
  ['http.server.response.finish', onServerResponseFinish],
  // HTTP/2 servers, found when they accept a connection (and on Node 22+ at a stream: the
  // channel does not exist on 20, where subscribing to it is harmless).
  ['net.server.socket', onNetServerSocket],
  ['http2.server.stream.created', onHttp2StreamCreated],
  ['http.client.request.start', onClientRequestStart],
  ['http.client.response.finish', onClientResponseFinish],
  ['http.client.request.error', onRequestError],
  ['undici:request:create', onUndiciCreate],
  ['undici:request:headers', onUndiciHeaders],
  ['undici:request:error', onRequestError]
]

// The undo of the prototypes' wrappers, while subscribed.
const installed: { undo: Array<() => void> } = { undo: [] }

function subscribe (): void {
  installed.undo = [installListenerBinding()]
  for (const [name, fn] of CHANNELS) dc.subscribe(name, fn as (message: unknown, name: string | symbol) => void)
  state.active = true
}

function unsubscribe (): void {
  state.active = false
  for (const [name, fn] of CHANNELS) dc.unsubscribe(name, fn as (message: unknown, name: string | symbol) => void)
  for (const undo of installed.undo) undo()
  installed.undo = []
}

/**
 * Incoming requests (node:http, node:https, and node:http2 streams) each in their own isolation scope (request data, an `http`
 * breadcrumb, the scope on req for error handlers), and outgoing node:http/fetch
 * requests as `http` breadcrumbs in the scope of the request that made them.
 * On by default; see docs/integrations.md.
 */
export function httpIntegration (options: HttpIntegrationOptions = {}): Integration {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('httpIntegration() takes an options object such as { breadcrumbs: false }, or nothing.')
  const ignore = options.ignoreIncomingRequests
  if (ignore !== undefined && typeof ignore !== 'function') throw new ConfigurationError('httpIntegration({ ignoreIncomingRequests }) must be a function (url, request) => boolean.')
  const breadcrumbs = options.breadcrumbs ?? true
  if (typeof breadcrumbs !== 'boolean') throw new ConfigurationError('httpIntegration({ breadcrumbs }) must be true or false.')
  return {
    name: 'Http',
    setup (client: IntegrationClient) {
      const dsn = client.options.dsn
      const r: Registration = { client, breadcrumbs, ignoreIncoming: ignore ?? null, origin: dsn === null ? null : originOf(dsn.origin) }
      if (addRegistration(r)) subscribe()
      return () => { if (removeRegistration(r)) unsubscribe() }
    }
  }
}
