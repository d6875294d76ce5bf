import * as dc from 'node:diagnostics_channel'
import { Console } from 'node:console'
import { Writable } from 'node:stream'
import { format, formatWithOptions, types, type InspectOptions } from 'node:util'
import type { Integration } from '../../shared/integration'
import type { Level } from '../../shared/types'
import { CONSOLE_INSPECT_ARRAY_LENGTH, CONSOLE_INSPECT_DEPTH, MAX_BREADCRUMB_STRING, MAX_STRING_LENGTH } from '../../shared/limits'
import { longestToken } from '../../privacy/cut'
import { type LoggingOptions, Registry, enter, handleRecord, handlingRecord, ignored, isEventLevel, leave, resolveLogging } from './levels'

// console.* calls as breadcrumbs (by default) or events. Node 22.23+ and 24 publish each call
// on a diagnostics channel ('console.log' …) before writing it; Node 20 does not, so there the
// console methods are wrapped: the original runs with the same arguments and `this`, so the
// output is byte for byte what it was, and the wrappers are removed at teardown if still ours.

type Method = 'log' | 'info' | 'debug' | 'warn' | 'error' | 'trace'
const LEVEL_OF: Record<Method, Level> = { log: 'info', info: 'info', debug: 'debug', warn: 'warning', error: 'error', trace: 'debug' }
const CHANNEL_METHODS: Method[] = ['log', 'info', 'debug', 'warn', 'error']
// console.trace is not wrapped: a wrapper's frame would show in the stack it prints. Node's
// trace() writes through this.error(stack), so the wrapped error sees it (as the channels do).
const PATCHED_METHODS: Method[] = ['log', 'info', 'debug', 'warn', 'error']

const registry = new Registry()
// Bounds for the SDK's copy of a console line. The message is cut again where it is stored (a
// breadcrumb's at MAX_BREADCRUMB_STRING, an event's at MAX_STRING_LENGTH), and that cut keeps the
// auth token whole; util.inspect's cut of a string does not. So inspect keeps each string to that
// bound plus the longest token: a token it cuts then starts past the bound, and goes with the rest.
function formatOptions (event: boolean): InspectOptions {
  return { depth: CONSOLE_INSPECT_DEPTH, maxArrayLength: CONSOLE_INSPECT_ARRAY_LENGTH, maxStringLength: (event ? MAX_STRING_LENGTH : MAX_BREADCRUMB_STRING) + longestToken(), breakLength: Infinity }
}

let channelsKnown: boolean | null = null
/** Whether this Node publishes console calls on channels: one call on a Console that discards its output, when nobody else listens. */
function hasConsoleChannels (): boolean {
  if (channelsKnown !== null) return channelsKnown
  if (dc.hasSubscribers('console.log')) {
    // Someone else listens: a probe call would reach them as a phantom log line. Decide by
    // version instead (the channels were measured on 22.23+ and 24, absent on 20).
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
    channelsKnown = major >= 24 || (major === 22 && minor >= 23)
    return channelsKnown
  }
  let hit = false
  const probe = (): void => { hit = true }
  try {
    dc.subscribe('console.log', probe)
    new Console(new Writable({ write (_c, _e, cb) { cb() } })).log('')
  } catch {} finally {
    try { dc.unsubscribe('console.log', probe) } catch {}
  }
  channelsKnown = hit
  return hit
}

function isError (v: unknown): v is Error {
  return v instanceof Error || types.isNativeError(v)
}

// console.trace arrives as one console.error string "Trace: …\n    at …" (channels and wrapper alike).
const TRACE_STACK = '\n    at '
function isTraceOutput (args: unknown[]): boolean {
  const a = args[0]
  return args.length === 1 && typeof a === 'string' && a.startsWith('Trace') && a.includes(TRACE_STACK)
}

function record (method: Method, args: unknown[]): void {
  if (handlingRecord()) return
  const reg = registry.current()
  if (reg === null) return
  let level = LEVEL_OF[method]
  const trace = method === 'error' && isTraceOutput(args)
  if (trace) level = 'debug'
  if (ignored(reg.resolved, level, null) || !enter()) return
  try {
    let error: Error | null = null
    for (let i = 0; i < args.length; i++) {
      const a = args[i]
      if (a !== null && typeof a === 'object' && isError(a)) { error = a; break }
    }
    // The breadcrumb's copy of the line, formatted with bounds (the output itself is Node's, untouched):
    // console.log(bigObject) in a hot path must not pay a full second formatting.
    let message = args.length === 1 && error !== null ? error.message : trace ? format(...args) : formatWithOptions(formatOptions(isEventLevel(reg.resolved, level)), ...args)
    // The first line console.trace printed, without the stack.
    if (trace) message = message.slice(0, message.indexOf(TRACE_STACK))
    handleRecord(reg.client, reg.resolved, 'console', { level, logger: null, message, error, fields: null })
  } catch {} finally { leave() }
}

// --- channels (Node 22.23+, 24) ---

const listeners = new Map<Method, (msg: unknown) => void>()
for (const m of CHANNEL_METHODS) {
  listeners.set(m, (msg: unknown) => { if (Array.isArray(msg)) record(m, msg) })
}

// --- wrapping (Node 20) ---

const originals = new Map<Method, Function>()
const wrappers = new Map<Method, Function>()
// Calls of ours in progress: a console method that calls another (console.table → this.log) records once.
let depth = 0

function wrap (m: Method, original: Function): Function {
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    if (depth === 0) record(m, args)
    depth++
    try { return original.apply(this, args) } finally { depth-- }
  }
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true })
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true })
  return wrapper
}

function install (): void {
  if (hasConsoleChannels()) {
    for (const [m, fn] of listeners) dc.subscribe(`console.${m}`, fn)
    return
  }
  const c = console as unknown as Record<Method, Function>
  for (const m of PATCHED_METHODS) {
    const original = c[m]
    if (typeof original !== 'function') continue
    const wrapper = wrap(m, original)
    originals.set(m, original)
    wrappers.set(m, wrapper)
    c[m] = wrapper
  }
}

function uninstall (): void {
  if (hasConsoleChannels()) {
    for (const [m, fn] of listeners) dc.unsubscribe(`console.${m}`, fn)
    return
  }
  const c = console as unknown as Record<Method, Function>
  for (const [m, wrapper] of wrappers) {
    // Someone wrapped it after us: leave theirs; ours, underneath, passes calls through (no registration left).
    if (c[m] === wrapper) c[m] = originals.get(m) as Function
  }
  wrappers.clear()
  originals.clear()
}

/**
 * console.log/info → info, warn → warning, error → error, debug/trace → debug. On by default
 * as breadcrumbs only (eventLevel 'off'); `consoleIntegration({ eventLevel: 'error' })` makes
 * console.error calls events (console.error(err) → an exception event with err's stack).
 */
export function consoleIntegration (options?: LoggingOptions): Integration {
  const resolved = resolveLogging('consoleIntegration', options, { eventLevel: 'off' })
  return {
    name: 'Console',
    setup (client) {
      return registry.add({ client, resolved }, install, uninstall)
    }
  }
}
