import { randomUUID } from 'node:crypto'
import { Unpackr } from 'msgpackr'
import { LRUCache } from 'lru-cache'
import { BlobCache } from './blob-cache'
import { REC_FULL } from '../ring/layout'
import { assembleEvent, isoTime, partFromTuple, toCrumbList, type CrumbList, type EventDefaults } from '../event/assemble'
import type { ScopeData, StoredCrumb } from '../shared/event-shapes'
import type { Level, WireEvent, WireException, WireFrame } from '../shared/types'
import { LEVELS } from '../shared/types'
import { parseStack } from './stack'
import type { ContextLines } from './context-lines'
import type { SourceMaps } from './source-maps'
import { unchanged, type Stamp } from './file-stamp'
import { readInstalledModules } from './modules'
import { defaultFingerprint } from './grouping'

// Blobs repeat from event to event (same id, same bytes): decode each once.
// Decoded values are shared between events and never changed in place.
type BlobValue = ScopeData | CrumbList | string

/**
 * Where a record's blob bytes are: the shared blob area (offset >= 0; safe to read
 * while the record is unsettled) or inline after the event part, in order.
 */
interface BlobSource { payload: Uint8Array, at: number, area: Uint8Array | null }

// The frames part of a stack string repeats for every error thrown at the same
// place: parse, map and read its context lines once. Shared, never changed in
// place; computed again when a file it was built from has changed (a redeploy).
interface CachedFrames { frames: WireFrame[], deps: Stamp[] }

export interface EventBuilderParts {
  defaults: EventDefaults
  /** The host's working directory: frames under it are named relative to it, its package.json gives the modules. */
  cwd: string
  /** The ring's shared blob area (null: blobs only inline). */
  blobArea: Uint8Array | null
  maps: SourceMaps
  lines: ContextLines
}

/** Record bytes → a wire event with frames, fingerprint and modules; made once at start-up, with its caches. */
export class EventBuilder {
  private readonly unpackr = new Unpackr({ useRecords: false, moreTypes: false })
  private readonly blobs = new BlobCache<BlobValue>()
  private readonly framesByStack = new LRUCache<string, CachedFrames>({ max: 2000, maxSize: 32 * 1024 * 1024, sizeCalculation: (_v, k) => k.length + 1 })
  /** Read with the first event, then the same object for every event. */
  private modules: Record<string, string> | null = null
  private readonly defaults: EventDefaults
  private readonly cwd: string
  private readonly blobArea: Uint8Array | null
  private readonly maps: SourceMaps
  private readonly lines: ContextLines

  constructor (p: EventBuilderParts) {
    this.defaults = p.defaults
    this.cwd = p.cwd
    this.blobArea = p.blobArea
    this.maps = p.maps
    this.lines = p.lines
  }

  /** A claimed record's bytes as the event to scrub and send. */
  build (payload: Uint8Array, flags: number): WireEvent {
    return this.enrich(this.decode(payload, flags))
  }

  private blob (src: BlobSource, id: number, off: number, len: number, kind: 'data' | 'crumbs' | 'stack'): BlobValue | null {
    let bytes: Uint8Array | null = null
    if (off < 0) {
      bytes = src.payload.subarray(src.at, src.at + len)
      src.at += len
    }
    if (len === 0) return null
    const hit = id > 0 ? this.blobs.get(id) : undefined
    if (hit !== undefined) return hit
    if (bytes === null) {
      if (src.area === null || off + len > src.area.length) throw new Error('blob outside the shared area')
      bytes = src.area.slice(off, off + len) // a private copy: the decoder must not see shared memory
    }
    const raw = this.unpackr.unpack(bytes) as ScopeData | StoredCrumb[] | string
    const value = kind === 'crumbs' ? toCrumbList(raw as StoredCrumb[]) : raw as ScopeData | string
    if (id > 0) this.blobs.set(id, value, len)
    return value
  }

  /** Record bytes → wire event without frames (what assembleEvent gives, or beforeSend's result). */
  private decode (payload: Uint8Array, flags: number): WireEvent {
    const d = this.defaults
    if (flags === REC_FULL) return coerceEvent(this.unpackr.unpack(payload), d)
    const headLen = flags >>> 1
    const ev = partFromTuple(this.unpackr.unpack(payload.subarray(0, headLen)))
    const b = ev.blobs ?? []
    const src: BlobSource = { payload, at: headLen, area: this.blobArea }
    const parts: Array<BlobValue | null> = []
    for (let k = 0; k < 4; k++) {
      parts.push(b.length >= 12 ? this.blob(src, b[3 * k] as number, b[3 * k + 1] as number, b[3 * k + 2] as number, k % 2 === 1 ? 'crumbs' : 'data') : null)
    }
    for (const v of ev.exc ?? []) {
      const r = v.sref
      if (Array.isArray(r) && r.length === 3) {
        const stack = this.blob(src, r[0] as number, r[1] as number, r[2] as number, 'stack')
        v.stack = typeof stack === 'string' ? stack : null
      }
    }
    return assembleEvent(ev, parts[0] as ScopeData | null, parts[1] as CrumbList | null, parts[2] as ScopeData | null, parts[3] as CrumbList | null, d)
  }

  private framesFor (stack: string | null): WireFrame[] {
    if (stack === null || stack === '') return []
    const hit = this.framesByStack.get(stack)
    if (hit !== undefined && hit.deps.every((s) => unchanged(s))) return hit.frames
    const deps: Stamp[] = []
    const frames = parseStack(stack, this.cwd)
    const mapped = this.maps.mapFrames(frames, deps)
    this.lines.addTo(frames, deps, mapped)
    this.framesByStack.set(stack, { frames, deps: [...new Set(deps)] })
    return frames
  }

  /** Frames with context lines (from the files the app allows), the default fingerprint (grouping.ts) and modules. */
  private enrich (event: WireEvent): WireEvent {
    for (const value of event.exception?.values ?? []) {
      if (value.stacktrace === null || value.stacktrace === undefined) value.stacktrace = { frames: this.framesFor(value.stack ?? null) }
      delete value.stack
    }
    if (event.fingerprint.length === 0) event.fingerprint = defaultFingerprint(event)
    event.modules = (this.modules ??= readInstalledModules(this.cwd))
    return event
  }
}

// --- shape checks for events a beforeSend callback returned ---

const strOr = (v: unknown, def: string): string => (typeof v === 'string' ? v : v === undefined || v === null ? def : String(v))
const strOrNull = (v: unknown): string | null => (v === undefined || v === null ? null : String(v))
const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null)

function coerceException (v: unknown): WireException {
  const e = obj(v) ?? {}
  const st = obj(e.stacktrace)
  return {
    type: strOr(e.type, 'Error'),
    value: strOr(e.value, ''),
    module: strOrNull(e.module),
    stacktrace: st !== null && Array.isArray(st.frames) ? { frames: st.frames as WireFrame[] } : null,
    stack: typeof e.stack === 'string' ? e.stack : null
  }
}

export function coerceEvent (raw: unknown, d: EventDefaults): WireEvent {
  const e = obj(raw) ?? {}
  const c = obj(e.contexts) ?? {}
  const tags: Record<string, string> = {}
  for (const [k, v] of Object.entries(obj(c.tags) ?? {})) tags[k] = strOr(v, '')
  const event: WireEvent = {
    event_id: typeof e.event_id === 'string' && e.event_id !== '' ? e.event_id : randomUUID(),
    timestamp: typeof e.timestamp === 'string' ? e.timestamp : isoTime(Date.now()),
    level: (LEVELS as readonly unknown[]).includes(e.level) ? e.level as Level : 'error',
    message: strOr(e.message, ''),
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
      environment: strOr(c.environment, d.environment)
    },
    breadcrumbs: (Array.isArray(e.breadcrumbs) ? e.breadcrumbs : []).map((b) => {
      const x = obj(b) ?? {}
      return {
        timestamp: strOr(x.timestamp, isoTime(Date.now())),
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
