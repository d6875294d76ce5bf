import { normalize, tagValue, truncateString } from './normalize'
import {
  BREADCRUMB_DATA_LIMITS, DEFAULT_MAX_BREADCRUMBS, MAX_BREADCRUMB_STRING, MAX_SCOPE_CONTEXTS, MAX_SCOPE_EXTRA, MAX_SCOPE_TAGS,
  MAX_SHORT_STRING, TAG_LIMITS, USER_DATA_LIMITS, USER_LIMITS
} from '../shared/limits'
import { sayOnce } from './say-once'
import { packCopy, packedArray } from './packer'
import { toRequestInfo } from './request-data'
import type { Breadcrumb, Level, RequestInfo, User } from '../shared/types'
import { LEVELS } from '../shared/types'

import type { StoredCrumb, ScopeData } from '../shared/event-shapes'
export type { StoredCrumb, ScopeData } from '../shared/event-shapes'

/**
 * @internal A breadcrumb built on first use (when an event or the breadcrumbs getter
 * needs it): httpIntegration's incoming-request crumb, so a request that reports
 * nothing never builds one. toCrumb() returns the same object each time and never throws.
 */
export interface LazyCrumb {
  toCrumb (): StoredCrumb
  /**
   * Its entry in a scope's list, made by the first scope that lists it and then shared by every
   * scope that does (a request's scope and its forks), so its bytes are encoded once; null until
   * then. Scope's alone to set.
   */
  listEntry: CrumbEntry | null
}

/** @internal Request data computed on first use (when an event needs it); never throws. */
export interface LazyRequest { toRequestInfo (): RequestInfo | null }

/**
 * @internal The route a framework matched for the request: its tags (framework, route) are
 * made only when an event is built, so a request that reports nothing never makes them.
 * tags() never throws; null when the route has no usable template.
 */
export interface LazyRoute { tags (): Readonly<Record<string, string>> | null }

/**
 * @internal One breadcrumb of a scope's list: crumb is null until a lazy entry is first needed;
 * bytes cache its packed form. The three fields are always set (one object shape). Entries are
 * shared between scopes and never changed but for those two caches (amendBreadcrumb replaces one).
 */
export interface CrumbEntry { crumb: StoredCrumb | null, bytes: Uint8Array | null, lazy: LazyCrumb | null }

// Bits of Scope._shared: the container may be referenced by another scope (after clone() or
// forkForRequest(), which mark the source's too) or is
// EMPTY_MAP / NO_CRUMBS, so the first write copies it. One number rather than four booleans:
// a request's scope is a fork, and each field is 8 bytes of it per request.
const SHARED_TAGS = 1
const SHARED_EXTRA = 2
const SHARED_CONTEXTS = 4
const SHARED_CRUMBS = 8
const SHARED_ALL = SHARED_TAGS | SHARED_EXTRA | SHARED_CONTEXTS | SHARED_CRUMBS

// What a new or cleared scope starts from, shared and marked so (copy-on-write): forking a
// scope per request (httpIntegration) then allocates no empty map or list of its own.
// Frozen: a write that skipped own() would throw instead of reaching every scope.
const EMPTY_MAP: Record<string, never> = Object.freeze({})
const NO_CRUMBS: CrumbEntry[] = Object.freeze([]) as unknown as CrumbEntry[]

/** The entry of a lazy crumb: the same one for every scope that lists it. */
function entryOf (lazy: LazyCrumb): CrumbEntry {
  return lazy.listEntry ?? (lazy.listEntry = { crumb: null, bytes: null, lazy })
}

function crumbOf (e: CrumbEntry): StoredCrumb {
  return e.crumb ?? (e.crumb = (e.lazy as LazyCrumb).toCrumb())
}


// Every packed blob gets a process-unique id, so a worker decodes each blob once
// and reuses the result for every event that carries the same bytes.
let nextBlobId = 1

/** A fresh blob id (scope bytes and stacks share the sequence). */
export function newBlobId (): number { return nextBlobId++ }

const RESERVED_CONTEXTS = new Set(['tags', 'extra', 'server_name', 'release', 'environment'])

// Keys per map are capped (MAX_SCOPE_TAGS, shared/limits.ts says why): past the cap a new key
// is ignored and stderr says so once.
type MapName = 'tags' | 'extra' | 'contexts'
const CAPS: Record<MapName, number> = { tags: MAX_SCOPE_TAGS, extra: MAX_SCOPE_EXTRA, contexts: MAX_SCOPE_CONTEXTS }
function sayFullOnce (name: MapName): void {
  sayOnce(`scope-full:${name}`, `a scope already holds ${CAPS[name]} ${name} keys (the cap); new keys are ignored, existing ones can still change. Remove keys you no longer need, or put per-request values in an isolation scope (runWithIsolationScope).`)
}

/** Sets an own property, also for "__proto__" (a plain assignment would change the prototype). */
function put (map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true })
  else map[key] = value
}

/**
 * User, tags, extra, contexts, request and breadcrumbs for events.
 *
 * Containers are copy-on-write, so clone() is O(1) and a snapshot is a reference:
 * after a clone both scopes mark their maps shared, and the first write to a shared
 * map copies it once; later writes change the scope's own copy in place, so a
 * setter is O(1) amortized. The packed bytes of the data and of the breadcrumbs are
 * cached until the next change, so a capture copies them instead of re-encoding
 * (each breadcrumb is encoded once in its life).
 */
export class Scope {
  private _user: Record<string, unknown> | null = null
  private _tags: Record<string, string> = EMPTY_MAP
  private _extra: Record<string, unknown> = EMPTY_MAP
  private _contexts: Record<string, unknown> = EMPTY_MAP
  // SHARED_* bits: which of the maps above and _crumbs may be referenced by another scope.
  private _shared = SHARED_ALL
  // Keys in each map, kept so the cap check is O(1) (Object.keys would be O(n) per set);
  // plain fields, so that clone() copies numbers, not an object.
  private _tagCount = 0
  private _extraCount = 0
  private _contextCount = 0
  private _request: Record<string, unknown> | null = null
  // Set instead of _request by setLazyRequest(); turned into _request by data().
  private _lazyRequest: LazyRequest | null = null
  // Set by setLazyRoute(); its tags are added beneath the scope's own by data().
  private _route: LazyRoute | null = null
  /** @internal What httpIntegration keeps about the request this scope serves (forks share it). */
  requestRecord: unknown = null
  /**
   * @internal The scope an incoming request's scope was forked from (httpIntegration), kept by
   * every fork of it: a request that starts inside another request's scope, or a fork of it,
   * forks this base, never the other request's data.
   */
  requestBase: Scope | null = null
  private _level: Level | null = null
  private _fingerprint: string[] | null = null
  private _crumbs: CrumbEntry[] = NO_CRUMBS
  // The scope's only breadcrumb when it has just one and that one is lazy (httpIntegration's
  // incoming crumb on a request's scope), held without a list: an entry and a list of one cost
  // ~100 bytes per request (heap-sampled, Express 5 on Node 26), and most requests add no other
  // crumb. While set, _crumbs is empty; the next crumb, or a reader that needs entries, moves it
  // into _crumbs (listOwn()).
  private _lead: LazyCrumb | null = null
  // Entries of _crumbs before this index are evicted: dropping the oldest crumb one at a
  // time with splice cost ~1 µs per addBreadcrumb once the list was full (measured), so the
  // array is compacted only once it holds max evicted entries (amortized O(1) per crumb).
  private _crumbStart = 0
  private _dataBytes: Uint8Array | null = null
  private _crumbBytes: Uint8Array | null = null
  private _dataId = 0
  private _crumbId = 0

  /** A new scope with the same data; O(1): the two share containers until one of them changes. */
  clone (): Scope {
    const s = this.forkData()
    s._request = this._request
    s._lazyRequest = this._lazyRequest
    s.requestRecord = this.requestRecord
    s._crumbs = this._crumbs
    s._lead = this._lead
    s._crumbStart = this._crumbStart
    s._dataBytes = this._dataBytes
    s._crumbBytes = this._crumbBytes
    s.requestBase = this.requestBase
    return s
  }

  /**
   * @internal An incoming request's scope (httpIntegration, on every request), forked from this
   * one: its data but none of its breadcrumbs (lead, when given, as the only one), the
   * request's data to be made of request when an event needs it, request as requestRecord, and
   * this scope as requestBase. What clone().clearBreadcrumbs(), setLazyRequest() and
   * addLazyBreadcrumb() would make, with only the fields that differ from a new scope's written
   * (counted under callgrind on Node 26: ~170 instructions fewer per request).
   */
  forkForRequest (request: LazyRequest, lead: LazyCrumb | null): Scope {
    const s = this.forkData()
    s._lazyRequest = request
    s.requestRecord = request
    s.requestBase = this
    s._lead = lead
    return s
  }

  /** A new scope sharing this one's user, maps (and their key counts), route, level, fingerprint and bytes' ids (both mark the maps shared); the rest as a new scope's. */
  private forkData (): Scope {
    const s = new Scope()
    s._user = this._user
    s._tags = this._tags
    s._extra = this._extra
    s._contexts = this._contexts
    this._shared = SHARED_ALL
    s._tagCount = this._tagCount
    s._extraCount = this._extraCount
    s._contextCount = this._contextCount
    s._route = this._route
    s._level = this._level
    s._fingerprint = this._fingerprint
    s._dataId = this._dataId
    s._crumbId = this._crumbId
    return s
  }

  setUser (user: User | null | undefined): this {
    this._user = normalizeUser(user)
    this._dataBytes = null
    return this
  }

  setTag (key: string, value: unknown): this {
    this.putKey('tags', truncateString(String(key), MAX_SHORT_STRING), tagValue(value))
    return this
  }

  setTags (tags: Record<string, unknown>): this {
    if (tags === null || typeof tags !== 'object') return this
    for (const [k, v] of Object.entries(normalize(tags, TAG_LIMITS) as object)) this.putKey('tags', k, tagValue(v))
    return this
  }

  setExtra (key: string, value: unknown): this {
    this.putKey('extra', truncateString(String(key), MAX_SHORT_STRING), normalize(value))
    return this
  }

  setContext (name: string, data: Record<string, unknown> | null): this {
    const key = String(name)
    if (key === 'user') return this.setUser(data as User)
    if (key === 'request') return this.setRequest(data as RequestInfo)
    if (RESERVED_CONTEXTS.has(key)) return this // set with setTag/setExtra/options instead
    if (data === null || data === undefined) {
      if (!Object.prototype.hasOwnProperty.call(this._contexts, key)) return this
      delete this.own('contexts')[key]
      this._contextCount--
      this._dataBytes = null
    } else {
      this.putKey('contexts', key, normalize(data))
    }
    return this
  }

  /** What integrations record about the request being served: plain RequestInfo only (scrubbed in the worker). */
  setRequest (request: RequestInfo | null): this {
    const info = toRequestInfo(request)
    this._request = info === null ? null : normalize(info, USER_DATA_LIMITS) as Record<string, unknown>
    this._lazyRequest = null
    this._dataBytes = null
    return this
  }

  /**
   * @internal Request data computed only when an event (or data()) needs it, then kept
   * as setRequest(source.toRequestInfo()) would: httpIntegration sets one per incoming
   * request, and most requests report nothing.
   */
  setLazyRequest (source: LazyRequest): this {
    this._request = null
    this._lazyRequest = source
    this._dataBytes = null
    return this
  }

  /**
   * @internal The route the framework matched (the integrations' route hooks): replaces the
   * one set before; null removes it. Its tags are made when an event is built.
   */
  setLazyRoute (route: LazyRoute | null): this {
    this._route = route
    this._dataBytes = null
    // A match replaces the framework/route tags set before it (as setTags at the match did);
    // ones set after it win over the match's (data() puts own tags last).
    if (route !== null && (Object.prototype.hasOwnProperty.call(this._tags, 'route') || Object.prototype.hasOwnProperty.call(this._tags, 'framework'))) {
      const tags = this.own('tags')
      for (const k of ['framework', 'route']) {
        if (Object.prototype.hasOwnProperty.call(tags, k)) { delete tags[k]; this._tagCount-- }
      }
    }
    return this
  }

  /** @internal The route setLazyRoute() set, or null. */
  get lazyRoute (): LazyRoute | null { return this._route }

  setLevel (level: Level | null): this {
    this._level = level !== null && LEVELS.includes(level) ? level : null
    this._dataBytes = null
    return this
  }

  setFingerprint (fingerprint: string[] | null): this {
    this._fingerprint = Array.isArray(fingerprint) ? fingerprint.map((f) => String(f)) : null
    this._dataBytes = null
    return this
  }

  /**
   * Adds a breadcrumb (the documented Breadcrumb shape, validated and normalized as
   * the module-level addBreadcrumb does), keeping the newest `maxBreadcrumbs`
   * (default 100). Unlike the module-level one, beforeBreadcrumb is not applied:
   * the caller holds this scope and decides. Never throws; an unusable crumb is skipped.
   */
  addBreadcrumb (crumb: Breadcrumb, maxBreadcrumbs: number = DEFAULT_MAX_BREADCRUMBS): this {
    const max = typeof maxBreadcrumbs === 'number' && Number.isFinite(maxBreadcrumbs) ? Math.floor(maxBreadcrumbs) : DEFAULT_MAX_BREADCRUMBS
    if (max <= 0) return this
    let stored: StoredCrumb | null
    try { stored = toStoredCrumb(crumb) } catch { return this }
    if (stored === null) return this
    this.pushEntry({ crumb: stored, bytes: null, lazy: null }, max)
    return this
  }

  /** @internal Adds a breadcrumb built on first use (no validation, no beforeBreadcrumb: the caller's business). */
  addLazyBreadcrumb (lazy: LazyCrumb, maxBreadcrumbs: number = DEFAULT_MAX_BREADCRUMBS): this {
    const max = typeof maxBreadcrumbs === 'number' && Number.isFinite(maxBreadcrumbs) ? Math.floor(maxBreadcrumbs) : DEFAULT_MAX_BREADCRUMBS
    if (max <= 0) return this
    if (this._lead === null && this._crumbs.length === this._crumbStart) {
      // The scope's first crumb: held as _lead, no entry and no list.
      this.clearBreadcrumbs()._lead = lazy
      return this
    }
    this.pushEntry(entryOf(lazy), max)
    return this
  }

  /** _crumbs with _lead moved into it (as an entry of a list of this scope's own), when set. */
  private listOwn (): void {
    if (this._lead === null) return
    this._crumbs = [entryOf(this._lead)]
    this._crumbStart = 0
    this._lead = null
    this._shared &= ~SHARED_CRUMBS
  }

  private pushEntry (entry: CrumbEntry, max: number): void {
    this.listOwn()
    // A shared list is copied first (the empty shared NO_CRUMBS of a fresh scope becomes a literal).
    if ((this._shared & SHARED_CRUMBS) !== 0) {
      const empty = this._crumbs.length === this._crumbStart
      this._shared &= ~SHARED_CRUMBS
      // A list of one: a scope that mostly holds one crumb gets no push-grown backing store
      // (17 slots) of its own.
      if (empty) { this._crumbs = [entry]; this._crumbStart = 0; this._crumbBytes = null; return }
      this._crumbs = this._crumbs.slice(this._crumbStart)
      this._crumbStart = 0
    }
    this._crumbs.push(entry)
    if (this._crumbs.length - this._crumbStart > max) {
      this._crumbStart = this._crumbs.length - max
      if (this._crumbStart >= Math.max(max, 32)) { this._crumbs.splice(0, this._crumbStart); this._crumbStart = 0 }
    }
    this._crumbBytes = null
  }

  /** @internal The breadcrumb added last, as stored (for amendBreadcrumb), or null. */
  lastBreadcrumb (): StoredCrumb | null {
    if (this._lead !== null) return this._lead.toCrumb()
    const e = this._crumbs.length > this._crumbStart ? this._crumbs[this._crumbs.length - 1] : undefined
    return e === undefined ? null : crumbOf(e)
  }

  /**
   * @internal Merges data into a breadcrumb this scope still holds (found by identity;
   * false once evicted): the http integration fills in a request's status when it
   * finishes. Scopes forked earlier keep the crumb as it was.
   */
  amendBreadcrumb (crumb: StoredCrumb, data: Record<string, unknown>): boolean {
    this.listOwn()
    for (let i = this._crumbStart; i < this._crumbs.length; i++) {
      // By the built crumb, not entry.crumb: the breadcrumbs getter and lastBreadcrumb() build a
      // lone lazy crumb without its entry, and a lazy crumb is the same object each time it is built.
      if (crumbOf(this._crumbs[i] as CrumbEntry) !== crumb) continue
      if ((this._shared & SHARED_CRUMBS) !== 0) { this._crumbs = this._crumbs.slice(this._crumbStart); i -= this._crumbStart; this._crumbStart = 0; this._shared &= ~SHARED_CRUMBS }
      // Built field by field: object spread measured ~20x slower here, and this runs per request.
      const merged: Record<string, unknown> = {}
      if (crumb.data !== null) for (const k of Object.keys(crumb.data)) put(merged, k, crumb.data[k])
      for (const k of Object.keys(data)) put(merged, k, data[k])
      const next: StoredCrumb = { timestamp: crumb.timestamp, message: crumb.message, category: crumb.category, level: crumb.level, data: merged, type: crumb.type }
      this._crumbs[i] = { crumb: next, bytes: null, lazy: null }
      this._crumbBytes = null
      return true
    }
    return false
  }

  clearBreadcrumbs (): this {
    this._crumbs = NO_CRUMBS
    this._lead = null
    this._crumbStart = 0
    this._shared |= SHARED_CRUMBS
    this._crumbBytes = null
    return this
  }

  /** Clears everything this scope holds. */
  clear (): this {
    this._user = null
    this._tags = this._extra = this._contexts = EMPTY_MAP
    this._shared |= SHARED_TAGS | SHARED_EXTRA | SHARED_CONTEXTS
    this._tagCount = this._extraCount = this._contextCount = 0
    this._request = null
    this._lazyRequest = null
    this._route = null
    this._level = null
    this._fingerprint = null
    this._dataBytes = null
    return this.clearBreadcrumbs()
  }

  // Getters hand out copies: the maps are changed in place by later setters.
  get user (): Record<string, unknown> | null { return this._user }
  get tags (): Readonly<Record<string, string>> {
    const route = this._route === null ? null : this._route.tags()
    return route === null ? { ...this._tags } : { ...route, ...this._tags }
  }
  get extra (): Readonly<Record<string, unknown>> { return { ...this._extra } }
  get contexts (): Readonly<Record<string, unknown>> { return { ...this._contexts } }
  get breadcrumbs (): readonly StoredCrumb[] {
    return this._lead !== null ? [this._lead.toCrumb()] : this._crumbs.slice(this._crumbStart).map(crumbOf)
  }

  /**
   * @internal The scope's own data, by reference: pack or copy it before the next
   * setter runs (setters change the maps in place).
   */
  data (): ScopeData {
    if (this._lazyRequest !== null) {
      const info = toRequestInfo(this._lazyRequest.toRequestInfo())
      this._request = info === null ? null : normalize(info, USER_DATA_LIMITS) as Record<string, unknown>
      this._lazyRequest = null
    }
    let tags = this._tags
    if (this._route !== null) {
      const route = this._route.tags()
      // Beneath the scope's own tags: a handler's setTag('route', …) wins.
      if (route !== null) tags = { ...route, ...tags }
    }
    return {
      user: this._user,
      tags,
      extra: this._extra,
      contexts: this._contexts,
      request: this._request,
      level: this._level,
      fingerprint: this._fingerprint
    }
  }

  /** @internal Packed data, encoded once per change. */
  dataBytes (): Uint8Array {
    if (this._dataBytes !== null) return this._dataBytes
    this._dataId = newBlobId()
    return (this._dataBytes = packCopy(this.data()))
  }

  /** @internal Id of the bytes dataBytes() returned last: equal ids, equal bytes. */
  get dataId (): number { return this._dataId }
  /** @internal Id of the bytes crumbBytes() returned last. */
  get crumbId (): number { return this._crumbId }

  /** @internal Packed breadcrumb array, rebuilt from per-crumb bytes only when the list changed. */
  crumbBytes (): Uint8Array {
    if (this._crumbBytes !== null) return this._crumbBytes
    // Entries cache their crumbs' bytes (a lazy crumb's entry is shared by the scopes that list it).
    this.listOwn()
    const start = this._crumbStart
    const items: Uint8Array[] = new Array(this._crumbs.length - start)
    for (let i = start; i < this._crumbs.length; i++) {
      const e = this._crumbs[i] as CrumbEntry
      items[i - start] = e.bytes ?? (e.bytes = packCopy(crumbOf(e)))
    }
    this._crumbId = newBlobId()
    return (this._crumbBytes = packedArray(items))
  }

  /** This scope's own copy of a map, made on the first write after a clone(). */
  private own (name: MapName): Record<string, unknown> {
    switch (name) {
      case 'tags':
        if ((this._shared & SHARED_TAGS) !== 0) { this._tags = { ...this._tags }; this._shared &= ~SHARED_TAGS }
        return this._tags
      case 'extra':
        if ((this._shared & SHARED_EXTRA) !== 0) { this._extra = { ...this._extra }; this._shared &= ~SHARED_EXTRA }
        return this._extra
      case 'contexts':
        if ((this._shared & SHARED_CONTEXTS) !== 0) { this._contexts = { ...this._contexts }; this._shared &= ~SHARED_CONTEXTS }
        return this._contexts
    }
  }

  /** Sets one key, unless it is new and the map is at its cap. */
  private putKey (name: MapName, key: string, value: unknown): void {
    const current = name === 'tags' ? this._tags : name === 'extra' ? this._extra : this._contexts
    if (!Object.prototype.hasOwnProperty.call(current, key)) {
      const count = name === 'tags' ? this._tagCount : name === 'extra' ? this._extraCount : this._contextCount
      if (count >= CAPS[name]) { sayFullOnce(name); return }
      if (name === 'tags') this._tagCount++
      else if (name === 'extra') this._extraCount++
      else this._contextCount++
    }
    put(this.own(name), key, value)
    this._dataBytes = null
  }
}

/** User data in the wire shape: id, username, email, ip_address, and the rest under data. */
export function normalizeUser (user: User | null | undefined): Record<string, unknown> | null {
  if (user === null || user === undefined || typeof user !== 'object') return null
  const plain = normalize(user, USER_LIMITS)
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) return null
  const { id, username, email, ip_address: ip, ipAddress, data, ...rest } = plain as Record<string, unknown>
  const extraData = data !== null && typeof data === 'object' && !Array.isArray(data) ? { ...(data as object), ...rest } : rest
  return {
    id: id === undefined || id === null ? null : String(id),
    username: typeof username === 'string' ? username : null,
    email: typeof email === 'string' ? email : null,
    ip_address: typeof ip === 'string' ? ip : typeof ipAddress === 'string' ? ipAddress : null,
    data: extraData
  }
}

/**
 * What normalize() would return for a plain object of primitive values, without its walk
 * (a log record's fields: the logging integrations' breadcrumb path), or null for anything
 * else, which then goes through normalize().
 */
function flatCopy (data: unknown): Record<string, unknown> | null {
  try {
    if (typeof data !== 'object' || data === null || Object.getPrototypeOf(data) !== Object.prototype) return null
    const keys = Object.keys(data)
    if (keys.length > BREADCRUMB_DATA_LIMITS.breadth) return null
    const out: Record<string, unknown> = {}
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string
      const v = (data as Record<string, unknown>)[k]
      switch (typeof v) {
        case 'string': out[k] = truncateString(v, BREADCRUMB_DATA_LIMITS.stringLength); break
        case 'number': out[k] = Number.isFinite(v) ? v : String(v); break
        case 'boolean': out[k] = v; break
        case 'undefined': out[k] = null; break
        default:
          if (v !== null) return null
          out[k] = null
      }
    }
    return out
  } catch {
    return null
  }
}

/** Validates and normalizes a user breadcrumb; null when it carries nothing usable. */
export function toStoredCrumb (crumb: Breadcrumb): StoredCrumb | null {
  if (crumb === null || typeof crumb !== 'object') return null
  let ts = Date.now()
  const t = crumb.timestamp
  if (typeof t === 'number' && Number.isFinite(t)) ts = t
  else if (t instanceof Date && !Number.isNaN(t.getTime())) ts = t.getTime()
  else if (typeof t === 'string' && !Number.isNaN(Date.parse(t))) ts = Date.parse(t)
  const data = crumb.data === undefined || crumb.data === null ? null : flatCopy(crumb.data) ?? normalize(crumb.data, BREADCRUMB_DATA_LIMITS)
  return {
    timestamp: ts,
    message: crumb.message === undefined || crumb.message === null ? null : truncateString(String(crumb.message), MAX_BREADCRUMB_STRING),
    category: typeof crumb.category === 'string' ? crumb.category : null,
    level: typeof crumb.level === 'string' && (LEVELS as readonly string[]).includes(crumb.level) ? crumb.level : 'info',
    data: data !== null && typeof data === 'object' && !Array.isArray(data) ? data as Record<string, unknown> : data === null ? null : { value: data },
    type: typeof crumb.type === 'string' ? crumb.type : 'default'
  }
}
