import { closeSync, constants, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { OWNER_ONLY_DIR, OWNER_ONLY_FILE, ancestorProblem, keepToOwner, ownDirProblem, ownFileProblem, permissionBits, processUid, type Unsafe } from '../shared/fs-safety'

// Writes the embedded worker files (scripts/build-bundles.mjs) to disk so that Node
// can start threads from them. The files are code the SDK runs, so where they live
// is checked by the rules of shared/fs-safety.ts: owner, mode, no symlinks. Read access
// for others is not refused (the code is the package's, public) but tightened.

export interface EmbeddedWorker {
  /** A hash of the files' names and contents: one directory per build. */
  id: string
  files: Array<[name: string, text: string]>
}

/** Random suffix of a file while it is written: another process writing the same file never collides. */
const TMP_SUFFIX_BYTES = 6

/** A place that is not safely ours: caught in materialise() and said as its warning. */
class Refused extends Error {}

/** Refused, in the words of this module's warning: "<path> is …". */
function refused (path: string, found: Unsafe, uid: number | null, level: 'ancestor' | 'own directory' | 'file'): Refused {
  switch (found.problem) {
    case 'owner': return new Refused(`${path} is owned by uid ${found.owner}, ${level === 'ancestor' ? `neither ${uid} nor root` : `not ${uid}`}`)
    case 'writable': return new Refused(`${path} is writable by group or others (mode ${permissionBits(found.mode)})${level === 'ancestor' ? ' and not sticky' : ''}`)
    case 'symlink': return new Refused(`${path} is a symbolic link`)
    case 'kind': return new Refused(`${path} is not ${level === 'file' ? 'a regular file' : 'a directory'}`)
  }
}

/** The per-user directory: stable across runs, so a second run reuses what the first wrote. */
export function workerBaseDir (): string {
  const u = processUid()
  return join(tmpdir(), `xrayradar-${u ?? 'user'}`)
}

/**
 * Every directory from / down to dir (resolved): owned by this uid or root, and
 * not writable by others unless sticky. Otherwise another user could rename a
 * directory below and put other code where the SDK then loads it from.
 */
function checkAncestors (dir: string): void {
  const u = processUid()
  if (u === null) return
  for (let p = realpathSync(dir); ; p = dirname(p)) {
    // A TMPDIR that is not a directory is not unsafe, only unusable: the write below fails and says so.
    const found = ancestorProblem(statSync(p), u, false)
    if (found !== null) throw refused(p, found, u, 'ancestor')
    if (dirname(p) === p) return
  }
}

/** Creates path owner-only if missing; refuses a symlink, another owner or write access for others. */
function privateDir (path: string): void {
  try {
    mkdirSync(path, { mode: OWNER_ONLY_DIR })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const st = lstatSync(path)
  const u = processUid()
  const found = ownDirProblem(st, u)
  if (found !== null) throw refused(path, found, u, 'own directory')
  if (u !== null) keepToOwner(path, st)
}

/** Atomic and exclusive: a reader sees the whole file or none; a planted file or link is never written through. */
function writeFile (dir: string, name: string, text: string): void {
  const tmp = join(dir, `.${name}.${process.pid}.${randomBytes(TMP_SUFFIX_BYTES).toString('hex')}.tmp`)
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, OWNER_ONLY_FILE)
  try {
    const bytes = Buffer.from(text)
    let off = 0
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off)
  } catch (err) {
    closeSync(fd)
    unlinkSync(tmp)
    throw err
  }
  closeSync(fd)
  try {
    renameSync(tmp, join(dir, name))
  } catch (err) {
    unlinkSync(tmp)
    throw err
  }
}

/** True if the file is there with the expected content; throws Refused if it is there but not ours or changed. */
function verifyFile (dir: string, name: string, text: string): boolean {
  const path = join(dir, name)
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return false
    if (code === 'ELOOP') throw refused(path, { problem: 'symlink' }, null, 'file')
    throw err
  }
  try {
    const u = processUid()
    const found = ownFileProblem(fstatSync(fd), u)
    if (found !== null) throw refused(path, found, u, 'file')
    if (!readFileSync(fd).equals(Buffer.from(text))) throw new Refused(`${path} was modified`)
    return true
  } finally {
    closeSync(fd)
  }
}

function writeAll (dir: string, embedded: EmbeddedWorker): void {
  for (const [name, text] of embedded.files) {
    if (!verifyFile(dir, name, text)) writeFile(dir, name, text)
  }
  // A file written concurrently by another process is checked like one found.
  for (const [name, text] of embedded.files) verifyFile(dir, name, text)
}

/**
 * The directory holding the embedded worker files, checked or written now:
 * <tmpdir>/xrayradar-<uid>/workers-<id>, reused by every later run of the same
 * build. A directory or file there that is not safely ours is refused (said
 * through warn) and a fresh private directory is used for this process instead,
 * removed at exit. Throws only if no directory can be written at all.
 */
export function materialise (embedded: EmbeddedWorker, warn: (message: string) => void): string {
  const base = workerBaseDir()
  const dir = join(base, `workers-${embedded.id}`)
  try {
    checkAncestors(tmpdir())
  } catch (err) {
    // Nowhere under it is safe, a fresh directory included.
    const why = err instanceof Refused ? err.message : (err as Error).message
    throw new Error(`cannot write the delivery worker files safely: ${why}; set TMPDIR to a directory only this user can write`)
  }
  try {
    privateDir(base)
    privateDir(dir)
    writeAll(dir, embedded)
    return dir
  } catch (err) {
    const why = err instanceof Refused ? `refused ${err.message}` : `could not write ${dir} (${(err as Error).message})`
    let own = ''
    try {
      own = mkdtempSync(join(tmpdir(), 'xrayradar-workers-')) // created 0700 with a name nobody could plant
      writeAll(own, embedded)
    } catch (err2) {
      if (own !== '') try { rmSync(own, { recursive: true, force: true }) } catch {}
      throw new Error(`cannot write the delivery worker files (${why}; a private copy failed too: ${(err2 as Error).message}); make ${tmpdir()} writable or set TMPDIR`)
    }
    // A failed removal must not throw inside 'exit' (it would change the exit code): the copy stays in tmp.
    process.once('exit', () => { try { rmSync(own, { recursive: true, force: true }) } catch {} })
    warn(`${why}; the delivery workers start from ${own} for this process instead${err instanceof Refused ? ` (remove ${base} to let the SDK recreate it)` : ''}.`)
    return own
  }
}
