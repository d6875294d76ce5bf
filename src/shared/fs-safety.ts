import { chmodSync, type Stats } from 'node:fs'

// The rules for a place on disk the SDK later trusts: the spool (worker/safe-dir.ts: its events
// are replayed with the token) and the embedded worker files (pool/materialise.ts: code it runs).
// No other local user may add, remove or swap what is there: every level above the SDK's own is
// owned by this uid or root and not writable by group or others unless sticky; the SDK's own
// directories and files are real ones (no symbolic link), owned by this uid and writable by no
// one else. Each check returns what is wrong, or null; the caller says it in its own words,
// since each names its own fix.

/** What the SDK's own directories are created as and tightened to: owner only. */
export const OWNER_ONLY_DIR = 0o700
/** What the SDK's own files are created as: owner read and write. */
export const OWNER_ONLY_FILE = 0o600
/** Write access for group or others: someone else may have changed what is there, so it is refused. */
const GROUP_OTHER_WRITE = 0o022
/** Any access for group or others: taken from the SDK's own directories (read access changes nothing there, so it is tightened, not refused). */
const GROUP_OTHER_ANY = 0o077
/** A sticky directory (/tmp) lets others create entries but not rename or delete ours. */
const STICKY = 0o1000

/** What is wrong with a path. */
export type Unsafe =
  /** Owned by another uid (for a level above the SDK's own: neither this uid nor root). */
  | { problem: 'owner', owner: number }
  /** Writable by group or others (for a level above the SDK's own: and not sticky). */
  | { problem: 'writable', mode: number }
  | { problem: 'symlink' }
  /** Not a directory (for a file: not a regular file). */
  | { problem: 'kind' }

/** What a check that never refuses a link finds (an ancestor's link is judged by its target; a file is opened with O_NOFOLLOW). */
export type UnsafeNotLink = Exclude<Unsafe, { problem: 'symlink' }>

const SYMLINK: Unsafe = { problem: 'symlink' }
const KIND: UnsafeNotLink = { problem: 'kind' }

/** This process's uid, or null where there are none (Windows): owners and modes then mean nothing and are not checked. */
export function processUid (): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null
}

/**
 * A level above the caller's own (st from lstat or stat). A symbolic link is checked for its
 * owner only: its target is checked with the resolved path. With mustBeDirectory false, a
 * level that is not a directory is left to the caller's first use of it to find.
 */
export function ancestorProblem (st: Stats, uid: number, mustBeDirectory = true): UnsafeNotLink | null {
  if (st.uid !== uid && st.uid !== 0) return { problem: 'owner', owner: st.uid }
  if (st.isSymbolicLink()) return null
  if (mustBeDirectory && !st.isDirectory()) return KIND
  if ((st.mode & GROUP_OTHER_WRITE) !== 0 && (st.mode & STICKY) === 0) return { problem: 'writable', mode: st.mode }
  return null
}

/** One of the caller's own directories (st from lstat): a real directory, this uid's, writable by no one else. */
export function ownDirProblem (st: Stats, uid: number | null): Unsafe | null {
  if (st.isSymbolicLink()) return SYMLINK
  if (!st.isDirectory()) return KIND
  return uid === null ? null : ownerProblem(st, uid)
}

/** A file in one of the caller's own directories (st from fstat of a descriptor opened without following links). */
export function ownFileProblem (st: Stats, uid: number | null): UnsafeNotLink | null {
  if (!st.isFile()) return KIND
  return uid === null ? null : ownerProblem(st, uid)
}

function ownerProblem (st: Stats, uid: number): UnsafeNotLink | null {
  if (st.uid !== uid) return { problem: 'owner', owner: st.uid }
  if ((st.mode & GROUP_OTHER_WRITE) !== 0) return { problem: 'writable', mode: st.mode }
  return null
}

/** Takes group and others' read access from an own directory that passed ownDirProblem. */
export function keepToOwner (path: string, st: Stats): void {
  if ((st.mode & GROUP_OTHER_ANY) !== 0) chmodSync(path, OWNER_ONLY_DIR)
}

/** A mode as chmod takes it, with the setuid/setgid/sticky digit: "0777", "1777" (the spool's messages). */
export const modeWithSpecialBits = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0')

/** A mode's permission bits alone: "777" (the bundled worker directory's messages). */
export const permissionBits = (mode: number): string => (mode & 0o777).toString(8)
