// The JSON the collector's page reads (GET /ui/api/...). Imported by the server and by the
// page's own modules (src/collector/page/), so both sides are checked against one shape.
import type { Level, WireEvent } from '../shared/types'

/** One issue: the kept events of one project with one fingerprint. */
export interface GroupSummary {
  id: number
  project: string
  fingerprint: string[]
  /** The newest event's exception type and value, or its message's first line. */
  title: string
  /** The newest event's top in-app frame: "function (file:line)"; null for messages. */
  culprit: string | null
  /** The newest event's level. */
  level: Level
  /** Events of this group still kept. */
  count: number
  /** Timestamp (as sent) of the group's oldest kept event. */
  firstSeen: string
  /** Timestamp (as sent) of the group's newest event. */
  lastSeen: string
  environment: string
  release: string | null
  /** The newest event, to open. */
  latestSeq: number
}

export interface ProjectCount { id: string, events: number }

export interface GroupPage {
  groups: GroupSummary[]
  /** Groups that match the filters (all pages). */
  total: number
  offset: number
  limit: number
  /** Events in memory now. */
  kept: number
  /** Events stored since the collector started, dropped ones included. */
  received: number
  /** The collector's keep option: beyond it the oldest events are dropped. */
  keep: number
  /** Groups in all, unfiltered. */
  groupCount: number
  projects: ProjectCount[]
  /** The newest event's sequence number (0 before the first). */
  lastSeq: number
}

export interface GroupFilter {
  project?: string | null
  level?: string | null
  /** Case-insensitive text in the title, culprit, fingerprint, project, environment or release. */
  q?: string | null
}

export interface EventPayload {
  /** The collector's number for this event: 1 for the first stored, never reused. */
  seq: number
  project: string
  /** When the collector stored it (ISO 8601). */
  receivedAt: string
  /** Size of the request body. */
  bytes: number
  group: {
    id: number
    title: string
    count: number
    /** 1 for the group's oldest kept event, count for its newest. */
    position: number
    olderSeq: number | null
    newerSeq: number | null
  }
  event: WireEvent
}

/** What the live stream (GET /ui/api/stream, Server-Sent Events) sends after events arrive. */
export interface LiveMessage {
  lastSeq: number
  kept: number
  received: number
}

/** The header the page sends its token in: the same one the store endpoint reads. */
export const TOKEN_HEADER = 'x-xrayradar-token'
