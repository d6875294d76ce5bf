import type { Level, WireEvent } from '../shared/types'
import { BoundedList } from './bounded-list'
import { eventCulprit, eventTitle } from './event-title'
import type { EventPayload, GroupFilter, GroupPage, GroupSummary, ProjectCount } from './page-api'

// The collector's one record of the events it keeps: in arrival order, each numbered, and
// their groups (project + fingerprint) kept up to date as events arrive and as the oldest
// are dropped beyond `keep`. The page reads the groups, Collector.events the events. Every
// step per event is O(1) (amortized), so a collector holding 100,000 events stores the
// next one as fast as the first; a page of the list walks only the groups it shows (or,
// filtered, each group once).

export interface StoredEvent {
  readonly seq: number
  readonly project: string
  readonly receivedAt: number
  readonly bytes: number
  readonly event: WireEvent
  readonly group: Group
}

interface Group {
  readonly id: number
  readonly key: string
  readonly project: string
  readonly fingerprint: string[]
  title: string
  culprit: string | null
  level: Level
  environment: string
  release: string | null
  lastSeen: string
  /** The group's kept events' seqs, oldest first, from `head` on (a queue without shifting). */
  seqs: number[]
  head: number
  /** Lower-cased text the list's filter searches. */
  search: string
  /** Neighbours in the list of groups by latest arrival, newest first. */
  newer: Group | null
  older: Group | null
}

export interface EventStore {
  /** Stores an event, drops the oldest beyond keep; returns the stored record. */
  add (project: string, event: WireEvent, bytes: number): StoredEvent
  get (seq: number): StoredEvent | undefined
  page (filter: GroupFilter, offset: number, limit: number): GroupPage
  eventPayload (seq: number): EventPayload | undefined
  /**
   * The kept events, oldest first: the same array at every read, brought up to date when
   * read, so a caller may hold on to it and storing an event costs no second list.
   */
  readonly events: WireEvent[]
  /** Events kept now. */
  readonly kept: number
  /** Events stored since the start, dropped ones included: also the newest event's seq (0 before the first). */
  readonly received: number
}

/** A group's queue compacts once this many slots at its front are spent and they are over half of it: as in bounded-list.ts. */
const COMPACT_AT = 1024

export function createEventStore (keep: number): EventStore {
  // Kept events, oldest first; the seq of records.at(i) is the oldest's seq + i.
  const records = new BoundedList<StoredEvent>(keep)
  let received = 0
  let nextGroupId = 1
  const groups = new Map<string, Group>()
  let newest: Group | null = null
  let oldest: Group | null = null
  const projects = new Map<string, number>()
  // What `events` returns, and the seq of its first item.
  const view: WireEvent[] = []
  let viewFirst = 1

  const kept = (): number => records.length

  function get (seq: number): StoredEvent | undefined {
    const first = records.at(0)
    return first === undefined ? undefined : records.at(seq - first.seq)
  }

  function unlink (g: Group): void {
    if (g.newer !== null) g.newer.older = g.older; else newest = g.older
    if (g.older !== null) g.older.newer = g.newer; else oldest = g.newer
    g.newer = null
    g.older = null
  }

  function pushNewest (g: Group): void {
    g.older = newest
    if (newest !== null) newest.newer = g; else oldest = g
    newest = g
  }

  function searchText (g: Group): string {
    return [g.title, g.culprit ?? '', g.project, g.fingerprint.join(' '), g.environment, g.release ?? ''].join('\n').toLowerCase()
  }

  /** The oldest event left: it was its group's oldest too. */
  function dropped (r: StoredEvent): void {
    const g = r.group
    g.head++
    if (g.head >= g.seqs.length) {
      groups.delete(g.key)
      unlink(g)
    } else if (g.head >= COMPACT_AT && g.head * 2 > g.seqs.length) {
      g.seqs = g.seqs.slice(g.head)
      g.head = 0
    }
    const n = (projects.get(r.project) ?? 1) - 1
    if (n === 0) projects.delete(r.project); else projects.set(r.project, n)
  }

  function summary (g: Group): GroupSummary {
    const firstSeq = g.seqs[g.head] as number
    return {
      id: g.id,
      project: g.project,
      fingerprint: g.fingerprint,
      title: g.title,
      culprit: g.culprit,
      level: g.level,
      count: g.seqs.length - g.head,
      firstSeen: get(firstSeq)?.event.timestamp ?? g.lastSeen,
      lastSeen: g.lastSeen,
      environment: g.environment,
      release: g.release,
      latestSeq: g.seqs[g.seqs.length - 1] as number
    }
  }

  /** The view brought up to date: events dropped since the last read leave its front, new ones join its end. */
  function events (): WireEvent[] {
    const first = received - records.length + 1
    if (first > viewFirst) {
      view.splice(0, Math.min(first - viewFirst, view.length))
      viewFirst = first
    }
    for (let i = view.length; i < records.length; i++) view.push((records.at(i) as StoredEvent).event)
    return view
  }

  /** Index of seq in g.seqs (which increase), or -1. */
  function indexIn (g: Group, seq: number): number {
    let lo = g.head
    let hi = g.seqs.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const v = g.seqs[mid] as number
      if (v === seq) return mid
      if (v < seq) lo = mid + 1; else hi = mid - 1
    }
    return -1
  }

  return {
    add (project, event, bytes) {
      received++
      const title = eventTitle(event)
      // An event without a fingerprint groups by its title, as a tracker's default grouping would.
      const fingerprint = event.fingerprint.length > 0 ? event.fingerprint : [title]
      const key = `${project}\u0000${JSON.stringify(fingerprint)}`
      let g = groups.get(key)
      if (g === undefined) {
        g = {
          id: nextGroupId++, key, project, fingerprint, title, culprit: null, level: event.level, environment: '', release: null,
          lastSeen: event.timestamp, seqs: [], head: 0, search: '', newer: null, older: null
        }
        groups.set(key, g)
      } else {
        unlink(g)
      }
      pushNewest(g)
      g.title = title
      g.culprit = eventCulprit(event)
      g.level = event.level
      g.environment = event.contexts.environment
      g.release = event.contexts.release
      g.lastSeen = event.timestamp
      g.search = searchText(g)
      const r: StoredEvent = { seq: received, project, receivedAt: Date.now(), bytes, event, group: g }
      g.seqs.push(r.seq)
      projects.set(project, (projects.get(project) ?? 0) + 1)
      const old = records.push(r)
      if (old !== undefined) dropped(old)
      return r
    },

    get,

    page (filter, offset, limit) {
      const project = filter.project ?? null
      const level = filter.level ?? null
      const q = filter.q != null && filter.q.trim() !== '' ? filter.q.trim().toLowerCase() : null
      const out: GroupSummary[] = []
      let total = 0
      if (project === null && level === null && q === null) {
        // Unfiltered: the count is known; walk only to the end of the page.
        total = groups.size
        let i = 0
        for (let g = newest; g !== null && out.length < limit; g = g.older, i++) if (i >= offset) out.push(summary(g))
      } else {
        for (let g = newest; g !== null; g = g.older) {
          if (project !== null && g.project !== project) continue
          if (level !== null && g.level !== level) continue
          if (q !== null && !g.search.includes(q)) continue
          if (total >= offset && out.length < limit) out.push(summary(g))
          total++
        }
      }
      const projectList: ProjectCount[] = [...projects].map(([id, events]) => ({ id, events })).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }))
      return {
        groups: out, total, offset, limit, kept: kept(), received, keep, groupCount: groups.size, projects: projectList, lastSeq: received
      }
    },

    eventPayload (seq) {
      const r = get(seq)
      if (r === undefined) return undefined
      const g = r.group
      const i = indexIn(g, seq)
      return {
        seq,
        project: r.project,
        receivedAt: new Date(r.receivedAt).toISOString(),
        bytes: r.bytes,
        group: {
          id: g.id,
          title: g.title,
          count: g.seqs.length - g.head,
          position: i - g.head + 1,
          olderSeq: i > g.head ? g.seqs[i - 1] as number : null,
          newerSeq: i < g.seqs.length - 1 ? g.seqs[i + 1] as number : null
        },
        event: r.event
      }
    },

    get events () { return events() },
    get kept () { return kept() },
    get received () { return received }
  }
}
