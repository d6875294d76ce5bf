import { randomUUID } from 'node:crypto'
import { Unpackr } from 'msgpackr'
import { REC_FULL } from '../ring/layout'
import { assembleEvent, isoTime, type EventDefaults, type EventPart } from '../event/assemble'
import type { ScopeData, StoredCrumb } from '../capture/scope'
import type { Level, WireEvent, WireException, WireFrame } from '../types'
import { LEVELS } from '../types'
import { parseStack } from './stack'
import { addContextLines } from './context-lines'
import { installedModules } from './modules'

const unpackr = new Unpackr({ useRecords: false, moreTypes: false })

/** Record bytes → wire event without frames (what assembleEvent gives, or beforeSend's result). */
export function decodeRecord (payload: Uint8Array, flags: number, d: EventDefaults): WireEvent {
  if (flags === REC_FULL) return coerceEvent(unpackr.unpack(payload), d)
  const [ev, gData, gCrumbs, iData, iCrumbs] = unpackr.unpackMultiple(payload) as [EventPart, ScopeData, StoredCrumb[], ScopeData, StoredCrumb[]]
  return assembleEvent(ev, gData, gCrumbs, iData, iCrumbs, d)
}

/** Frames with context lines, the default fingerprint and modules. */
export function enrichEvent (event: WireEvent, cwd: string): WireEvent {
  let topInApp: WireFrame | undefined
  for (const value of event.exception?.values ?? []) {
    if (value.stacktrace === null || value.stacktrace === undefined) {
      const frames = parseStack(value.stack ?? null, cwd)
      addContextLines(frames)
      value.stacktrace = { frames }
    }
    delete value.stack
  }
  const values = event.exception?.values
  const captured = values?.[values.length - 1]
  if (event.fingerprint.length === 0) {
    if (captured !== undefined) {
      const frames = captured.stacktrace?.frames ?? []
      for (let i = frames.length - 1; i >= 0 && topInApp === undefined; i--) if ((frames[i] as WireFrame).in_app) topInApp = frames[i]
      event.fingerprint = [captured.type]
      if (captured.module !== null) event.fingerprint.push(captured.module)
      if (topInApp?.function != null) event.fingerprint.push(topInApp.function)
      else if (topInApp !== undefined) event.fingerprint.push(`${topInApp.filename ?? ''}:${topInApp.lineno ?? ''}`)
    } else {
      event.fingerprint = [event.message]
    }
  }
  event.modules = installedModules(cwd)
  return event
}

// --- shape checks for events a beforeSend callback returned ---

const str = (v: unknown, def: string): string => (typeof v === 'string' ? v : v === undefined || v === null ? def : String(v))
const strOrNull = (v: unknown): string | null => (v === undefined || v === null ? null : String(v))
const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null)

function coerceException (v: unknown): WireException {
  const e = obj(v) ?? {}
  const st = obj(e.stacktrace)
  return {
    type: str(e.type, 'Error'),
    value: str(e.value, ''),
    module: strOrNull(e.module),
    stacktrace: st !== null && Array.isArray(st.frames) ? { frames: st.frames as WireFrame[] } : null,
    stack: typeof e.stack === 'string' ? e.stack : null
  }
}

export function coerceEvent (raw: unknown, d: EventDefaults): WireEvent {
  const e = obj(raw) ?? {}
  const c = obj(e.contexts) ?? {}
  const tags: Record<string, string> = {}
  for (const [k, v] of Object.entries(obj(c.tags) ?? {})) tags[k] = str(v, '')
  const event: WireEvent = {
    event_id: typeof e.event_id === 'string' && e.event_id !== '' ? e.event_id : randomUUID(),
    timestamp: typeof e.timestamp === 'string' ? e.timestamp : isoTime(Date.now()),
    level: (LEVELS as readonly unknown[]).includes(e.level) ? e.level as Level : 'error',
    message: str(e.message, ''),
    platform: 'javascript',
    sdk: { name: d.sdkName, version: d.sdkVersion },
    contexts: {
      ...c,
      user: obj(c.user),
      request: obj(c.request),
      tags,
      extra: obj(c.extra) ?? {},
      server_name: strOrNull(c.server_name),
      release: strOrNull(c.release),
      environment: str(c.environment, d.environment)
    },
    breadcrumbs: (Array.isArray(e.breadcrumbs) ? e.breadcrumbs : []).map((b) => {
      const x = obj(b) ?? {}
      return {
        timestamp: str(x.timestamp, isoTime(Date.now())),
        message: strOrNull(x.message),
        category: strOrNull(x.category),
        level: strOrNull(x.level),
        data: obj(x.data),
        type: strOrNull(x.type)
      }
    }),
    fingerprint: Array.isArray(e.fingerprint) ? e.fingerprint.map((f) => String(f)) : [],
    modules: {}
  }
  const ex = obj(e.exception)
  if (ex !== null && Array.isArray(ex.values)) event.exception = { values: ex.values.map(coerceException) }
  return event
}
