import type { ScopeData, StoredCrumb, RawException, TraceIds } from '../shared/event-shapes'
import type { Level, TraceContext, WireBreadcrumb, WireEvent } from '../shared/types'
import { LEVELS } from '../shared/types'

// Merges what capture packed (the event's own part and two scopes) into the wire
// shape, minus what only the worker adds (frames, context lines, default
// fingerprint, modules). The main thread uses it only when beforeSend is set.

/** The per-event part packed on the main thread. */
export interface EventPart {
  id: string
  ts: number
  level: Level | null
  kind: 'exception' | 'message'
  message: string | null
  exc: RawException[] | null
  tags: Record<string, string> | null
  extra: Record<string, unknown> | null
  user: Record<string, unknown> | null
  fingerprint: string[] | null
  contexts: Record<string, unknown> | null
  /** [id, offset, length] of each scope blob: global data, global crumbs, isolation data, isolation crumbs. Offset -1: the bytes follow the part. */
  blobs: number[] | null
  /** The OpenTelemetry span active at capture (sent as contexts.trace); absent or null without one. */
  trace?: TraceIds | null
}

type PartTuple = [string, number, Level | null, 'exception' | 'message', string | null, Array<[string, string, string | null, number[] | null]> | null,
  Record<string, string> | null, Record<string, unknown> | null, Record<string, unknown> | null, string[] | null, Record<string, unknown> | null, number[] | null,
  TraceIds | null]

/** The part as a record carries it: positional, so field names cost no ring bytes. */
export function partToTuple (p: EventPart): PartTuple {
  const exc = p.exc === null ? null : p.exc.map((v): [string, string, string | null, number[] | null] => [v.type, v.value, v.stack, v.sref ?? null])
  return [p.id, p.ts, p.level, p.kind, p.message, exc, p.tags, p.extra, p.user, p.fingerprint, p.contexts, p.blobs, p.trace ?? null]
}

export function partFromTuple (t: PartTuple): EventPart {
  const exc = t[5] === null ? null : t[5].map((v) => v[3] === null ? { type: v[0], value: v[1], stack: v[2] } : { type: v[0], value: v[1], stack: v[2], sref: v[3] })
  return { id: t[0], ts: t[1], level: t[2], kind: t[3], message: t[4], exc, tags: t[6], extra: t[7], user: t[8], fingerprint: t[9], contexts: t[10], blobs: t[11], trace: t[12] ?? null }
}

/** contexts.trace from the span ids read at capture. */
export function traceContext (t: TraceIds): TraceContext {
  const c: TraceContext = { trace_id: t[0], span_id: t[1], trace_flags: t[2] }
  if (t[3] !== null) c.parent_span_id = t[3]
  return c
}

export interface EventDefaults {
  sdkName: string
  sdkVersion: string
  environment: string
  release: string | null
  serverName: string
  maxBreadcrumbs: number
}

const EMPTY_SCOPE: ScopeData = { user: null, tags: {}, extra: {}, contexts: {}, request: null, level: null, fingerprint: null }

function isLevel (v: unknown): v is Level {
  return typeof v === 'string' && (LEVELS as readonly string[]).includes(v)
}

// toISOString() costs ~1 µs; an event carries up to 101 timestamps. Most fall in
// the same minute, so the "YYYY-MM-DDTHH:MM:" prefix is computed once a minute.
let minuteStart = -Infinity
let minutePrefix = ''

export function isoTime (ms: number): string {
  if (!Number.isFinite(ms)) ms = Date.now()
  ms = Math.floor(ms)
  if (ms < minuteStart || ms >= minuteStart + 60000) {
    const d = new Date(ms)
    if (Number.isNaN(d.getTime())) return new Date().toISOString()
    minuteStart = ms - (ms % 60000)
    minutePrefix = new Date(minuteStart).toISOString().slice(0, 17)
  }
  const rest = ms - minuteStart
  const sec = Math.floor(rest / 1000)
  const milli = rest % 1000
  return `${minutePrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`
}

/** Breadcrumbs in wire form with their numeric times; built once per scope blob. */
export interface CrumbList {
  ts: readonly number[]
  wire: readonly WireBreadcrumb[]
}

export function toCrumbList (stored: readonly StoredCrumb[] | null): CrumbList {
  const list = stored ?? []
  return {
    ts: list.map((c) => c.timestamp),
    wire: list.map((c) => ({ timestamp: isoTime(c.timestamp), message: c.message, category: c.category, level: c.level, data: c.data, type: c.type }))
  }
}

/** The newest `max` of both lists, oldest first. The objects are shared: callers copy before changing one. */
export function mergeCrumbs (a: CrumbList | null, b: CrumbList | null, max: number): WireBreadcrumb[] {
  const na = a?.wire.length ?? 0
  const nb = b?.wire.length ?? 0
  let out: WireBreadcrumb[]
  if (nb === 0) out = a === null ? [] : a.wire.slice()
  else if (na === 0) out = (b as CrumbList).wire.slice()
  else {
    const x = a as CrumbList
    const y = b as CrumbList
    out = []
    let i = 0
    let j = 0
    while (i < na || j < nb) {
      if (j >= nb || (i < na && (x.ts[i] as number) <= (y.ts[j] as number))) out.push(x.wire[i++] as WireBreadcrumb)
      else out.push(y.wire[j++] as WireBreadcrumb)
    }
  }
  return out.length > max ? out.slice(out.length - max) : out
}

export function assembleEvent (
  ev: EventPart,
  global: ScopeData | null,
  globalCrumbs: CrumbList | null,
  isolation: ScopeData | null,
  isolationCrumbs: CrumbList | null,
  d: EventDefaults
): WireEvent {
  const g = global ?? EMPTY_SCOPE
  const i = isolation ?? EMPTY_SCOPE
  const level = isLevel(ev.level) ? ev.level : isLevel(i.level) ? i.level : isLevel(g.level) ? g.level : 'error'
  const values = ev.exc ?? []
  const top = values[values.length - 1]
  const message = ev.message ?? (top !== undefined ? (top.value === '' ? top.type : `${top.type}: ${top.value}`) : '')
  const event: WireEvent = {
    event_id: ev.id,
    timestamp: isoTime(ev.ts),
    level,
    message,
    platform: 'javascript',
    sdk: { name: d.sdkName, version: d.sdkVersion },
    contexts: {
      ...g.contexts,
      ...i.contexts,
      // The span active at capture beats a scope's `trace` context; a capture's own contexts beat both.
      ...(ev.trace != null ? { trace: traceContext(ev.trace) } : null),
      ...ev.contexts,
      user: ev.user ?? i.user ?? g.user ?? null,
      request: i.request ?? g.request ?? null,
      tags: { ...g.tags, ...i.tags, ...ev.tags },
      extra: { ...g.extra, ...i.extra, ...ev.extra },
      server_name: d.serverName,
      release: d.release,
      environment: d.environment
    },
    breadcrumbs: mergeCrumbs(globalCrumbs, isolationCrumbs, d.maxBreadcrumbs),
    fingerprint: ev.fingerprint ?? i.fingerprint ?? g.fingerprint ?? [],
    modules: {}
  }
  if (ev.kind === 'exception') {
    event.exception = {
      values: values.map((v) => ({ type: v.type, value: v.value, module: null, stacktrace: null, stack: v.stack }))
    }
  }
  return event
}
