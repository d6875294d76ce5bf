import { normalize, tagValue, truncateString } from './normalize'
import { packCopy, packedArray } from './packer'
import { toRequestInfo } from './request-data'
import type { Breadcrumb, Level, RequestInfo, User } from '../types'
import { LEVELS } from '../types'

/** A breadcrumb as stored: wire field names, timestamp in ms. */
export interface StoredCrumb {
  timestamp: number
  message: string | null
  category: string | null
  level: string | null
  data: Record<string, unknown> | null
  type: string | null
}

interface CrumbEntry { crumb: StoredCrumb, bytes: Uint8Array | null }

/** What one scope contributes to an event, packed in the worker's expected shape. */
export interface ScopeData {
  user: Record<string, unknown> | null
  tags: Record<string, string>
  extra: Record<string, unknown>
  contexts: Record<string, unknown>
  request: Record<string, unknown> | null
  level: Level | null
  fingerprint: string[] | null
}

// Every packed blob gets a process-unique id, so a worker decodes each blob once
// and reuses the result for every event that carries the same bytes.
let nextBlobId = 1

/** A fresh blob id (scope bytes and stacks share the sequence). */
export function newBlobId (): number { return nextBlobId++ }

const RESERVED_CONTEXTS = new Set(['tags', 'extra', 'server_name', 'release', 'environment'])

/**
 * User, tags, extra, contexts, request and breadcrumbs for events.
 *
 * Containers are copy-on-write, so clone() is O(1) and a snapshot is a reference.
 * The packed bytes of the data and of the breadcrumbs are cached until the next
 * change, so a capture copies them instead of re-encoding (each breadcrumb is
 * encoded once in its life).
 */
export class Scope {
  private _user: Record<string, unknown> | null = null
  private _tags: Record<string, string> = {}
  private _extra: Record<string, unknown> = {}
  private _contexts: Record<string, unknown> = {}
  private _request: Record<string, unknown> | null = null
  private _level: Level | null = null
  private _fingerprint: string[] | null = null
  private _crumbs: CrumbEntry[] = []
  private _crumbsShared = false
  private _dataBytes: Uint8Array | null = null
  private _crumbBytes: Uint8Array | null = null
  private _dataId = 0
  private _crumbId = 0

  clone (): Scope {
    const s = new Scope()
    s._user = this._user
    s._tags = this._tags
    s._extra = this._extra
    s._contexts = this._contexts
    s._request = this._request
    s._level = this._level
    s._fingerprint = this._fingerprint
    s._crumbs = this._crumbs
    s._crumbsShared = this._crumbsShared = true
    s._dataBytes = this._dataBytes
    s._crumbBytes = this._crumbBytes
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
    this._tags = { ...this._tags, [truncateString(String(key), 200)]: tagValue(value) }
    this._dataBytes = null
    return this
  }

  setTags (tags: Record<string, unknown>): this {
    if (tags === null || typeof tags !== 'object') return this
    const next = { ...this._tags }
    for (const [k, v] of Object.entries(normalize(tags, { depth: 1, breadth: 100, stringLength: 200 }) as object)) next[k] = tagValue(v)
    this._tags = next
    this._dataBytes = null
    return this
  }

  setExtra (key: string, value: unknown): this {
    this._extra = { ...this._extra, [truncateString(String(key), 200)]: normalize(value) }
    this._dataBytes = null
    return this
  }

  setContext (name: string, data: Record<string, unknown> | null): this {
    const key = String(name)
    if (key === 'user') return this.setUser(data as User)
    if (key === 'request') return this.setRequest(data as RequestInfo)
    if (RESERVED_CONTEXTS.has(key)) return this // set with setTag/setExtra/options instead
    const next = { ...this._contexts }
    if (data === null || data === undefined) delete next[key]
    else next[key] = normalize(data)
    this._contexts = next
    this._dataBytes = null
    return this
  }

  /** What integrations record about the request being served: plain RequestInfo only (scrubbed in the worker). */
  setRequest (request: RequestInfo | null): this {
    const info = toRequestInfo(request)
    this._request = info === null ? null : normalize(info, { depth: 6, breadth: 100, stringLength: 8192 }) as Record<string, unknown>
    this._dataBytes = null
    return this
  }

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

  addBreadcrumb (crumb: StoredCrumb, max: number): this {
    if (max <= 0) return this
    if (this._crumbsShared) { this._crumbs = this._crumbs.slice(); this._crumbsShared = false }
    this._crumbs.push({ crumb, bytes: null })
    if (this._crumbs.length > max) this._crumbs.splice(0, this._crumbs.length - max)
    this._crumbBytes = null
    return this
  }

  clearBreadcrumbs (): this {
    this._crumbs = []
    this._crumbsShared = false
    this._crumbBytes = null
    return this
  }

  /** Clears everything this scope holds. */
  clear (): this {
    this._user = null
    this._tags = {}
    this._extra = {}
    this._contexts = {}
    this._request = null
    this._level = null
    this._fingerprint = null
    this._dataBytes = null
    return this.clearBreadcrumbs()
  }

  get user (): Record<string, unknown> | null { return this._user }
  get tags (): Readonly<Record<string, string>> { return this._tags }
  get extra (): Readonly<Record<string, unknown>> { return this._extra }
  get breadcrumbs (): readonly StoredCrumb[] { return this._crumbs.map((e) => e.crumb) }

  data (): ScopeData {
    return {
      user: this._user,
      tags: this._tags,
      extra: this._extra,
      contexts: this._contexts,
      request: this._request,
      level: this._level,
      fingerprint: this._fingerprint
    }
  }

  /** Packed data, encoded once per change. */
  dataBytes (): Uint8Array {
    if (this._dataBytes !== null) return this._dataBytes
    this._dataId = newBlobId()
    return (this._dataBytes = packCopy(this.data()))
  }

  /** Id of the bytes dataBytes() returned last: equal ids, equal bytes. */
  get dataId (): number { return this._dataId }
  get crumbId (): number { return this._crumbId }

  /** Packed breadcrumb array, rebuilt from per-crumb bytes only when the list changed. */
  crumbBytes (): Uint8Array {
    if (this._crumbBytes !== null) return this._crumbBytes
    const items: Uint8Array[] = new Array(this._crumbs.length)
    for (let i = 0; i < this._crumbs.length; i++) {
      const e = this._crumbs[i] as CrumbEntry
      items[i] = e.bytes ?? (e.bytes = packCopy(e.crumb))
    }
    this._crumbId = newBlobId()
    return (this._crumbBytes = packedArray(items))
  }
}

/** User data in the wire shape: id, username, email, ip_address, and the rest under data. */
export function normalizeUser (user: User | null | undefined): Record<string, unknown> | null {
  if (user === null || user === undefined || typeof user !== 'object') return null
  const plain = normalize(user, { depth: 4, breadth: 50, stringLength: 1024 })
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

/** Validates and normalizes a user breadcrumb; null when it carries nothing usable. */
export function toStoredCrumb (crumb: Breadcrumb): StoredCrumb | null {
  if (crumb === null || typeof crumb !== 'object') return null
  let ts = Date.now()
  const t = crumb.timestamp
  if (typeof t === 'number' && Number.isFinite(t)) ts = t
  else if (t instanceof Date && !Number.isNaN(t.getTime())) ts = t.getTime()
  else if (typeof t === 'string' && !Number.isNaN(Date.parse(t))) ts = Date.parse(t)
  const data = crumb.data === undefined || crumb.data === null ? null : normalize(crumb.data, { depth: 4, breadth: 50, stringLength: 2048 })
  return {
    timestamp: ts,
    message: crumb.message === undefined || crumb.message === null ? null : truncateString(String(crumb.message), 2048),
    category: typeof crumb.category === 'string' ? crumb.category : null,
    level: typeof crumb.level === 'string' && (LEVELS as readonly string[]).includes(crumb.level) ? crumb.level : 'info',
    data: data !== null && typeof data === 'object' && !Array.isArray(data) ? data as Record<string, unknown> : data === null ? null : { value: data },
    type: typeof crumb.type === 'string' ? crumb.type : 'default'
  }
}
