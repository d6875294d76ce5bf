/// <reference types="node" preserve="true" />
// The declarations use Node's types (node:http, NodeJS.*): kept in the emitted .d.ts (preserve),
// so a consumer whose tsconfig lists no @types (tsc --init's "types": []) still loads them.
// ESM entry: the same single instance as require('xrayradar'), so ESM and CJS
// code in one process share one client and one scope.
export {
  ErrorTracker, init, getClient, captureException, captureMessage, addBreadcrumb, setUser, setTag, setTags, setExtra,
  setContext, setRequest, clearBreadcrumbs, flush, flushSync, close, stats, Scope, getGlobalScope, getIsolationScope,
  runWithIsolationScope, withScope, requestDataFromNode, loadConfig, optionsFromEnv, XrayRadarError, ConfigurationError, InvalidDsnError,
  TransportError, DebugTransport, NullTransport, Level, startCollector, SDK_VERSION,
  getDefaultIntegrations, scopeOfRequest,
  httpIntegration,
  setupExpressErrorHandler, setupKoaErrorHandler, setupFastifyErrorHandler, FastifyHandlerError, setupNestErrorHandler, captureNestException,
  NestHandlerError, apolloPlugin, useXrayRadar, consoleIntegration, pinoIntegration, winstonTransport,
  eventLoopBlockIntegration
} from '../index.js'
export type {
  Options, BeforeSend, BeforeBreadcrumb, Transport, Breadcrumb, CaptureOptions, RequestInfo, Stats, TraceContext, User, WireEvent,
  WireException, WireFrame, WireBreadcrumb, Collector, CollectorOptions, Fault,
  Integration, IntegrationClient, IntegrationsOption, Mechanism, HttpIntegrationOptions, Http2IncomingRequest, ExpressErrorHandlerOptions,
  KoaErrorHandlerOptions, FastifyErrorHandlerOptions, NestErrorHandlerOptions, GraphQLPluginOptions, XrayRadarApolloPlugin, XrayRadarEnvelopPlugin,
  LoggingOptions, LogLevelOption, WinstonTransportOptions, EventLoopBlockOptions
} from '../index.js'

import cjs from '../index.js'
/** `import xrayradar from 'xrayradar'` gives the same module object as require('xrayradar'). */
export default cjs
