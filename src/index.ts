/// <reference types="node" preserve="true" />
// The declarations use Node's types (node:http, NodeJS.*): kept in the emitted .d.ts (preserve),
// so a consumer whose tsconfig lists no @types (tsc --init's "types": []) still loads them.
// xrayradar: error tracking for Node.js services that report to XrayRadar.
export { ErrorTracker, init, getClient } from './sdk'
export {
  captureException, captureMessage, addBreadcrumb, setUser, setTag, setTags, setExtra,
  setContext, setRequest, clearBreadcrumbs, flush, flushSync, close, stats
} from './capture/global'
export { Scope } from './capture/scope'
export { requestDataFromNode } from './capture/request-data'
export { getGlobalScope, getIsolationScope, runWithIsolationScope, withScope } from './capture/hub'
export { loadConfig } from './config/load-config'
export { optionsFromEnv } from './config/env'
export type { Options, BeforeSend, BeforeBreadcrumb } from './config/types'
export { XrayRadarError, ConfigurationError, InvalidDsnError, TransportError } from './shared/errors'
export { DebugTransport, NullTransport } from './transports/transport'
export type { Transport } from './transports/transport'
export { Level } from './shared/types'
export type { Breadcrumb, CaptureOptions, RequestInfo, Stats, TraceContext, User, WireEvent, WireException, WireFrame, WireBreadcrumb } from './shared/types'
export { startCollector } from './collector/server'
export type { Collector, CollectorOptions, Fault } from './collector/server'
export { SDK_VERSION } from './shared/version'
export type { Integration, IntegrationClient, IntegrationsOption, Mechanism } from './shared/integration'
export { getDefaultIntegrations } from './integrations/defaults'
export { scopeOfRequest } from './integrations/request-scope'
export { httpIntegration } from './integrations/http'
export type { HttpIntegrationOptions, Http2IncomingRequest } from './integrations/http'
export { setupExpressErrorHandler } from './integrations/express'
export type { ExpressErrorHandlerOptions } from './integrations/express'
export { setupKoaErrorHandler } from './integrations/koa'
export type { KoaErrorHandlerOptions } from './integrations/koa'
export { setupFastifyErrorHandler, FastifyHandlerError } from './integrations/fastify'
export type { FastifyErrorHandlerOptions } from './integrations/fastify'
export { setupNestErrorHandler, captureNestException, NestHandlerError } from './integrations/nest'
export type { NestErrorHandlerOptions } from './integrations/nest'
export { apolloPlugin, useXrayRadar } from './integrations/graphql'
export type { GraphQLPluginOptions, XrayRadarApolloPlugin, XrayRadarEnvelopPlugin } from './integrations/graphql'
export { consoleIntegration } from './integrations/logging/console'
export { pinoIntegration } from './integrations/logging/pino'
export { winstonTransport } from './integrations/logging/winston'
export type { LoggingOptions, LogLevelOption } from './integrations/logging/levels'
export type { WinstonTransportOptions } from './integrations/logging/winston'
export { eventLoopBlockIntegration } from './integrations/event-loop-block'
export type { EventLoopBlockOptions } from './integrations/event-loop-block'

// `import xr from 'xrayradar'` in a CommonJS TypeScript project (esModuleInterop)
// compiles to require('xrayradar').default: without this it is undefined. The
// module object itself, so xr.init === require('xrayradar').init (the require of
// the module being loaded returns its exports object, filled in by then).
declare const module: { exports: typeof import('./index') }
export default module.exports
