import { lstatSync, mkdirSync, realpathSync, statSync, type Stats } from 'node:fs'
import { resolve, parse, join, sep } from 'node:path'
import { UnsafeDirectoryError } from '../shared/errors'
import { OWNER_ONLY_DIR, ancestorProblem, keepToOwner, modeWithSpecialBits, ownDirProblem, processUid } from '../shared/fs-safety'

// The spool's directory, checked by the rules of shared/fs-safety.ts (no other local user can
// add, remove or swap what is in it) and said as UnsafeDirectoryError lines that name a spoolDir
// fix. The caller's own levels (the last `ownLevels` of the path, and any level created here)
// are made owner-only (0700). Both the path as written (a symbolic link on the way must belong
// to this uid or root) and the path it resolves to are checked.

export interface SafeDirOptions {
  /** Create missing levels (owner-only). When false, a missing directory returns false. Default true. */
  create?: boolean
  /** How many trailing levels of the path are the caller's own (at least 1: the directory itself). */
  ownLevels?: number
}

/** What a non-directory is, for the message: "/dev/null is a character device, not a directory". */
function kindOf (st: Stats): string | null {
  if (st.isFile()) return 'a regular file'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isFIFO()) return 'a named pipe'
  if (st.isSocket()) return 'a socket'
  return null
}

/**
 * A level that is not a directory: nothing can be kept under it. Not the SDK's to remove
 * (it may be /dev/null or the user's file): the fix is another spoolDir.
 */
function notADirectory (path: string, st: Stats): UnsafeDirectoryError {
  const kind = kindOf(st)
  return new UnsafeDirectoryError(path, kind === null ? 'is not a directory' : `is ${kind}, not a directory`, 'Choose another spoolDir: every level of its path must be a directory, or not exist yet (the SDK creates the missing ones)')
}

function lstatOrNull (path: string): Stats | null {
  try { return lstatSync(path) } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** A level above the caller's own: what ancestorProblem finds, said with the fix. */
function checkAncestor (path: string, st: Stats, uid: number): void {
  const found = ancestorProblem(st, uid)
  if (found === null) return
  switch (found.problem) {
    case 'owner': throw new UnsafeDirectoryError(path, `is owned by uid ${found.owner}, neither this process (uid ${uid}) nor root, so that user could replace what lies below it`, 'Set spoolDir to a directory under one this user or root owns')
    case 'kind': throw notADirectory(path, st)
    case 'writable': throw new UnsafeDirectoryError(path, `is writable by group or others (mode ${modeWithSpecialBits(found.mode)}), so another user could replace what lies below it`, `Run chmod go-w ${path}, or set spoolDir elsewhere`)
  }
}

/** One of the caller's own levels: a real directory owned by this uid, made owner-only. */
function checkOwn (path: string, st: Stats, uid: number): void {
  const found = ownDirProblem(st, uid)
  if (found === null) { keepToOwner(path, st); return }
  switch (found.problem) {
    case 'symlink': throw new UnsafeDirectoryError(path, 'is a symbolic link', `Remove the link (the SDK creates the directory itself) or set spoolDir to the real directory`)
    case 'kind': throw notADirectory(path, st)
    case 'owner': throw new UnsafeDirectoryError(path, `is owned by uid ${found.owner}, not this process (uid ${uid})`, `Remove it (another user may have planted it) or set spoolDir to a directory this user owns`)
    // Its content may already have been tampered with: tightening now would hide that.
    case 'writable': throw new UnsafeDirectoryError(path, `is writable by group or others (mode ${modeWithSpecialBits(found.mode)})`, `Remove it, or check its files and run chmod 700 ${path}`)
  }
}

/**
 * Checks (and with `create`, makes) a directory no other local user can touch.
 * True when it is ready; false when it is missing and `create` is false.
 * Throws UnsafeDirectoryError for a level that fails, or the fs error
 * (EACCES, ENOTDIR, EROFS, …) that prevented the check or the creation.
 * Where there are no uids (Windows) it only makes the directory.
 */
export function ensureSafeDir (dir: string, opts: SafeDirOptions = {}): boolean {
  const create = opts.create ?? true
  const abs = resolve(dir)
  const uid = processUid()
  if (uid === null) {
    if (!create) { try { return statSync(abs).isDirectory() } catch { return false } }
    mkdirSync(abs, { recursive: true, mode: OWNER_ONLY_DIR })
    return true
  }
  const root = parse(abs).root
  const names = abs.slice(root.length).split(sep).filter((n) => n !== '')
  if (names.length === 0) throw new UnsafeDirectoryError(abs, 'is the file system root', 'Set spoolDir to a directory of its own')
  const firstOwn = names.length - Math.min(names.length, Math.max(1, opts.ownLevels ?? 1))

  // The path as written, from the top: each level is checked before anything is created under it.
  checkAncestor(root, lstatSync(root), uid)
  let path = root
  let lastAncestor = root
  for (let i = 0; i < names.length; i++) {
    path = join(path, names[i] as string)
    let st = lstatOrNull(path)
    let created = false
    if (st === null) {
      if (!create) return false
      try { mkdirSync(path, { mode: OWNER_ONLY_DIR }); created = true } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err // made meanwhile: checked below like any other
      }
      st = lstatSync(path)
    }
    if (i < firstOwn && !created) { checkAncestor(path, st, uid); lastAncestor = path } else checkOwn(path, st, uid)
  }

  // Where the levels above our own really are (a link on the way was checked for its owner only).
  if (lastAncestor !== root) {
    const real = realpathSync(lastAncestor)
    const realRoot = parse(real).root
    let p = realRoot
    for (const name of real.slice(realRoot.length).split(sep).filter((n) => n !== '')) {
      p = join(p, name)
      checkAncestor(p, lstatSync(p), uid)
    }
  }
  return true
}
