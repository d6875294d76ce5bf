import type { ScopeData, StoredCrumb } from '../capture/scope'
import type { RawException } from '../capture/error-info'
import type { Level, WireBreadcrumb, WireEvent } from '../types'
import { LEVELS } from '../types'

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

export function isoTime (ms: number): string {
  const d = new Date(ms)
  return Number.isNaN(d.getTime()) ? new Date().toISOString() : d.toISOString()
}

function wireCrumb (c: StoredCrumb): WireBreadcrumb {
  return { timestamp: isoTime(c.timestamp), message: c.message, category: c.category, level: c.level, data: c.data, type: c.type }
}

export function mergeCrumbs (a: readonly StoredCrumb[] | null, b: readonly StoredCrumb[] | null, max: number): WireBreadcrumb[] {
  let all = [...(a ?? []), ...(b ?? [])]
  if (a !== null && a.length > 0 && b !== null && b.length > 0) all = all.sort((x, y) => x.timestamp - y.timestamp)
  if (all.length > max) all = all.slice(all.length - max)
  return all.map(wireCrumb)
}

export function assembleEvent (
  ev: EventPart,
  global: ScopeData | null,
  globalCrumbs: readonly StoredCrumb[] | null,
  isolation: ScopeData | null,
  isolationCrumbs: readonly StoredCrumb[] | null,
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
