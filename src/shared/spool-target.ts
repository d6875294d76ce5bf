import { readdirSync } from 'node:fs'
import { createHash } from 'node:crypto'

// The target a spooled event was captured for, and how a spool file says it.
// Services with different DSNs can share a spool directory (one spoolDir in a
// config used by several services, or one service whose DSN changed between
// runs), so a file must say whose events it holds: each file starts with a
// header line naming the DSN origin and project (never the token: a replay
// sends with the replaying process's own token, only to its own target), and its
// name carries the target's key (16 hex of sha256(origin/project), as the
// default directory's last level) so that a process passes over other targets'
// files without claiming or reading them.
//
//   <stamp>-<pid>-<seq>-<rand>.<key>.jsonl      {"xrayradar_spool":2,"origin":…,"project":…}
//                                               one event body a line
//   <stamp>-<pid>-<seq>-<rand>.json             (before targets) event bodies only
//
// The new suffix also keeps an SDK from before targets (a rolling deploy) away
// from these files: it only ever claims *.json.

/** A DSN's origin (scheme://host[:port]) and project id: where a spooled event may be sent. */
export interface SpoolTarget {
  origin: string
  project: string
}

/** Files that name their target. Not ".json": an SDK from before targets must not take them for its own. */
export const TARGET_SUFFIX = '.jsonl'
/** Files written before targets: bare event bodies, no header. */
export const LEGACY_SUFFIX = '.json'
/** The header's format number (the files before targets being the first format). */
const FORMAT = 2
const KEY = /^[0-9a-f]{16}$/
/** A key between the last two dots of the name: `.<16 hex>.jsonl`. */
const KEYED_TAIL = 1 + 16 + TARGET_SUFFIX.length

export function targetKey (target: SpoolTarget): string {
  return spoolKey(target.origin, target.project)
}

/** The first line of every file that names its target. */
export function headerLine (target: SpoolTarget): string {
  return JSON.stringify({ xrayradar_spool: FORMAT, origin: target.origin, project: target.project })
}

/** The target a header line names; null when the line is not a header. */
export function readHeader (line: string | undefined): SpoolTarget | null {
  if (line === undefined) return null
  try {
    const v = JSON.parse(line) as { xrayradar_spool?: unknown, origin?: unknown, project?: unknown } | null
    if (typeof v !== 'object' || v === null || v.xrayradar_spool !== FORMAT) return null
    return typeof v.origin === 'string' && typeof v.project === 'string' ? { origin: v.origin, project: v.project } : null
  } catch {
    return null
  }
}

export function sameTarget (a: SpoolTarget, b: SpoolTarget): boolean {
  return a.origin === b.origin && a.project === b.project
}

/** The name of a file of a target: `base` is the sortable part (written time first). */
export function targetFileName (base: string, key: string): string {
  return `${base}.${key}${TARGET_SUFFIX}`
}

/** A legacy file's name, once its events are rewritten with a header: same place in line. */
export function keyedName (legacyName: string, key: string): string {
  return targetFileName(legacyName.slice(0, -LEGACY_SUFFIX.length), key)
}

/**
 * own: a file of this target; other: another target's; legacy: written before
 * targets; null: not a spool file (a .tmp, a claim, a stranger's name).
 */
export type SpoolFileKind = 'own' | 'other' | 'legacy' | null

export function kindOf (name: string, ownKey: string): SpoolFileKind {
  if (name.endsWith(TARGET_SUFFIX)) {
    if (name.length <= KEYED_TAIL || name[name.length - KEYED_TAIL] !== '.') return null
    const key = name.slice(name.length - KEYED_TAIL + 1, name.length - TARGET_SUFFIX.length)
    if (!KEY.test(key)) return null
    return key === ownKey ? 'own' : 'other'
  }
  return name.endsWith(LEGACY_SUFFIX) ? 'legacy' : null
}

/** The key of a target: 16 hex of sha256(origin/project), also the default spool directory's last level. */
export function spoolKey (origin: string, projectId: string): string {
  return createHash('sha256').update(`${origin}/${projectId}`).digest('hex').slice(0, 16)
}

/** The time in a spool file's name (ms), NaN when it has none. */
export const writtenAt = (name: string): number => Number(name.slice(0, 15))

/**
 * Whether a replay pass has anything to do with a file: this target's, one from
 * before targets (sent or dropped), or another target's past maxAgeMs (expired).
 * Another target's younger files are left alone: not claimed, not read.
 */
export function actionable (kind: SpoolFileKind, name: string, now: number, maxAgeMs: number): boolean {
  if (kind === 'own' || kind === 'legacy') return true
  return kind === 'other' && now - writtenAt(name) > maxAgeMs
}

/** True when a spool directory holds files a replay by this target would act on (cheap: one readdir, run on the main thread before any worker starts). */
export function hasSpoolFiles (dir: string, target: SpoolTarget, maxAgeMs: number): boolean {
  const key = targetKey(target)
  const now = Date.now()
  try { return readdirSync(dir).some((n) => actionable(kindOf(n, key), n, now, maxAgeMs)) } catch { return false }
}
