import { chmodSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'

// Writes the embedded worker files (scripts/build-bundles.mjs) to disk so that Node
// can start threads from them. The files are code the SDK runs, so where they live
// is checked like every file the SDK reads or writes: owner, mode, no symlinks.

export interface EmbeddedWorker {
  /** A hash of the files' names and contents: one directory per build. */
  id: string
  files: Array<[name: string, text: string]>
}

/** Group and others may neither read nor write: the directory holds code the SDK runs. */
const PRIVATE_MODE = 0o700
const FILE_MODE = 0o600
/**
 * Write access for group or others: on a directory or file found there, someone
 * else may have changed the code, so it is refused. Read access alone is not a
 * risk (the code is the package's, public) and is tightened instead.
 */
const OTHERS_WRITE = 0o022
const OTHERS_ANY = 0o077
/** A sticky directory (/tmp) lets others create entries but not rename or delete ours. */
const STICKY = 0o1000
const octal = (mode: number): string => (mode & 0o777).toString(8)
/** Random suffix of a file while it is written: another process writing the same file never collides. */
const TMP_SUFFIX_BYTES = 6

class Refused extends Error {}

const uid = (): number | null => typeof process.getuid === 'function' ? process.getuid() : null

/** The per-user directory: stable across runs, so a second run reuses what the first wrote. */
export function workerBaseDir (): string {
  const u = uid()
  return join(tmpdir(), `xrayradar-${u ?? 'user'}`)
}

/**
 * Every directory from / down to dir (resolved): owned by this uid or root, and
 * not writable by others unless sticky. Otherwise another user could rename a
 * directory below and put other code where the SDK then loads it from.
 */
function checkAncestors (dir: string): void {
  const u = uid()
  if (u === null) return
  for (let p = realpathSync(dir); ; p = dirname(p)) {
    const st = statSync(p)
    if (st.uid !== u && st.uid !== 0) throw new Refused(`${p} is owned by uid ${st.uid}, neither ${u} nor root`)
    if ((st.mode & OTHERS_WRITE) !== 0 && (st.mode & STICKY) === 0) throw new Refused(`${p} is writable by group or others (mode ${octal(st.mode)}) and not sticky`)
    if (dirname(p) === p) return
  }
}

/** Creates path owner-only if missing; refuses a symlink, another owner or write access for others. */
function privateDir (path: string): void {
  try {
    mkdirSync(path, { mode: PRIVATE_MODE })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const st = lstatSync(path)
  if (st.isSymbolicLink()) throw new Refused(`${path} is a symbolic link`)
  if (!st.isDirectory()) throw new Refused(`${path} is not a directory`)
  const u = uid()
  if (u === null) return
  if (st.uid !== u) throw new Refused(`${path} is owned by uid ${st.uid}, not ${u}`)
  if ((st.mode & OTHERS_WRITE) !== 0) throw new Refused(`${path} is writable by group or others (mode ${octal(st.mode)})`)
  if ((st.mode & OTHERS_ANY) !== 0) chmodSync(path, PRIVATE_MODE)
}

/** Atomic and exclusive: a reader sees the whole file or none; a planted file or link is never written through. */
function writeFile (dir: string, name: string, text: string): void {
  const tmp = join(dir, `.${name}.${process.pid}.${randomBytes(TMP_SUFFIX_BYTES).toString('hex')}.tmp`)
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, FILE_MODE)
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
    if (code === 'ELOOP') throw new Refused(`${path} is a symbolic link`)
    throw err
  }
  try {
    const st = fstatSync(fd)
    const u = uid()
    if (!st.isFile()) throw new Refused(`${path} is not a regular file`)
    if (u !== null && st.uid !== u) throw new Refused(`${path} is owned by uid ${st.uid}, not ${u}`)
    if (u !== null && (st.mode & OTHERS_WRITE) !== 0) throw new Refused(`${path} is writable by group or others (mode ${octal(st.mode)})`)
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
