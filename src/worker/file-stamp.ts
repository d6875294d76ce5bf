import { statSync } from 'node:fs'

// Files the worker reads once and keeps (source lines, source maps) are re-read
// when a redeploy rewrites them. Re-checking costs a stat, so it is done at most
// once a second per file: the events in between use what is cached.

export const RECHECK_MS = 1000

/** What a file was when it was read; size -1 for a file that was missing or unreadable. */
export interface Stamp {
  readonly path: string
  readonly size: number
  readonly mtimeMs: number
  /** When the file was last seen unchanged (Date.now()). */
  checkedAt: number
}

export function stampFile (path: string, now = Date.now()): Stamp {
  try {
    const st = statSync(path)
    return { path, size: st.size, mtimeMs: st.mtimeMs, checkedAt: now }
  } catch {
    return { path, size: -1, mtimeMs: -1, checkedAt: now }
  }
}

/**
 * A stamp that never needs a re-check: for a path refused by its name alone (app-files.ts),
 * which no change on disk can make readable. Nothing is stat-ed for it.
 */
export function lastingStamp (path: string): Stamp {
  return { path, size: -1, mtimeMs: -1, checkedAt: Number.POSITIVE_INFINITY }
}

/** True while the file is as stamped (a missing file still missing); stats it at most once per RECHECK_MS. */
export function unchanged (stamp: Stamp, now = Date.now()): boolean {
  if (now - stamp.checkedAt < RECHECK_MS) return true
  const fresh = stampFile(stamp.path, now)
  if (fresh.size !== stamp.size || fresh.mtimeMs !== stamp.mtimeMs) return false
  stamp.checkedAt = now
  return true
}
