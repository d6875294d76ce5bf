import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { diagnoseOnce } from './diagnostics'

// Which files a worker may read for an event (a frame's context lines, a .map
// file, a map's sources), and how. A map names its sources, and a comment names
// its map: any path at all (/etc/passwd, /proc/self/environ, a FIFO). So a file
// is read only when it is
// - inside the application: under the working directory, the entry script's
//   directory or its package (the nearest package.json above it), the
//   node_modules of those and of their ancestors (where Node resolves packages).
//   A frame's own file too: a stack is text (an error-like object from anywhere,
//   a stack rewritten by source-map-support or by the app), so a path in it does
//   not prove that Node loaded the file;
// - never under /proc, /dev or /sys, whatever the roots;
// - a regular file, by its real path (a link inside the app to a file outside
//   it is refused), stat-checked before it is opened, opened non-blocking and
//   checked again on the descriptor, so a FIFO or a device is never read; and
// - at most the caller's bound, read with that bound (a file that grows, or
//   one that reports size 0, cannot make the read unbounded).
// All of it runs when a file is read, which callers do once per file and keep
// (with the file's stamp): a cached result costs no check and no syscall.

/** Why a file is not read. */
export type Refusal = 'outside' | 'system' | 'not_regular' | 'too_large'

export type Opened = { fd: number, size: number } | { refused: Refusal } | { missing: true }
export type Read = { text: string } | { refused: Refusal } | { missing: true }

// Pseudo-filesystems: the process's memory and environment, devices, kernel state.
const SYSTEM_DIRS = sep === '/' ? ['/proc', '/dev', '/sys'] : []

// Non-blocking: opening a FIFO for reading waits for a writer otherwise. No controlling
// terminal from a tty. Where the platform lacks a flag (Windows) it is 0: the checks on
// the descriptor still apply.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0)
// For a path already resolved to its real path: a link swapped in as its last component is not followed.
const OPEN_REAL_FLAGS = OPEN_FLAGS | (constants.O_NOFOLLOW ?? 0)

/** Read size once the file's own size is read (it grew, or reports 0): bounded steps, few reads. */
const READ_CHUNK_BYTES = 64 * 1024

/** Levels walked up from the entry script for its package.json: deeper than any real layout. */
const MAX_PACKAGE_DEPTH = 32

const WHY: Record<Exclude<Refusal, 'too_large'>, string> = {
  outside: 'it is outside the application (the working directory, the entry script\'s directory and package, their node_modules)',
  system: 'it is under /proc, /dev or /sys',
  not_regular: 'it is not a regular file (a FIFO, a device, a socket or a directory)'
}

const under = (path: string, dir: string): boolean => path.startsWith(dir.endsWith(sep) ? dir : dir + sep)
const isSystem = (path: string): boolean => SYSTEM_DIRS.some((d) => path === d || under(path, d))
const realOr = (path: string): string => { try { return realpathSync.native(path) } catch { return path } }
const isRoot = (dir: string): boolean => dirname(dir) === dir

function packageRoot (dir: string): string | null {
  for (let d = dir, i = 0; i < MAX_PACKAGE_DEPTH && !isRoot(d); d = dirname(d), i++) {
    try { if (statSync(join(d, 'package.json')).isFile()) return d } catch {}
  }
  return null
}

/**
 * Opens a regular file of at most maxBytes without blocking: stat first (a device
 * is not even opened), then the descriptor checked again. No location rule: see AppFiles.
 */
export function openRegularFile (path: string, maxBytes: number, flags = OPEN_FLAGS): Opened {
  try {
    if (!statSync(path).isFile()) return { refused: 'not_regular' }
  } catch {
    return { missing: true }
  }
  let fd: number
  try { fd = openSync(path, flags) } catch { return { missing: true } }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) { closeSync(fd); return { refused: 'not_regular' } }
    if (st.size > maxBytes) { closeSync(fd); return { refused: 'too_large' } }
    return { fd, size: st.size }
  } catch {
    closeSync(fd)
    return { missing: true }
  }
}

/** A regular file's text, read with maxBytes as the bound whatever its size says; nothing blocks. */
export function readRegularFile (path: string, maxBytes: number): Read {
  const opened = openRegularFile(path, maxBytes)
  return 'fd' in opened ? readOpened(opened, maxBytes) : opened
}

/** Reads to the end, but never more than maxBytes + 1 (then too_large), and closes fd. */
function readOpened ({ fd, size }: { fd: number, size: number }, maxBytes: number): Read {
  try {
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      // The whole file in the first read as a rule (one byte more shows it did not grow), chunks after.
      const want = total === 0 && size > 0 ? size + 1 : READ_CHUNK_BYTES
      const buf = Buffer.allocUnsafe(Math.min(want, maxBytes + 1 - total))
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      chunks.push(n === buf.length ? buf : buf.subarray(0, n))
      total += n
      if (total > maxBytes) return { refused: 'too_large' }
    }
    return { text: Buffer.concat(chunks, total).toString('utf8') }
  } catch {
    return { missing: true }
  } finally {
    closeSync(fd)
  }
}

export interface AppFilesOptions {
  /** The host's working directory. */
  cwd: string
  /** The host's process.argv[1] (null without one: node -e, the REPL). */
  entryScript: string | null
  /** Print the first refused file (one line per process). */
  debug?: boolean
}

/** The application's files, as a worker sees them; made once at start-up. */
export class AppFiles {
  /** Directories (with a trailing separator) whose files are the app's, as written and as real paths. */
  private readonly roots: string[]
  private readonly debug: boolean
  private told = false

  constructor (o: AppFilesOptions) {
    this.debug = o.debug === true
    const dirs = [resolve(o.cwd)]
    if (o.entryScript !== null && o.entryScript !== '') {
      const entryDir = dirname(realOr(resolve(o.cwd, o.entryScript)))
      dirs.push(entryDir)
      const pkg = packageRoot(entryDir)
      if (pkg !== null) dirs.push(pkg)
    }
    const roots = new Set<string>()
    for (const dir of [...dirs, ...dirs.map(realOr)]) {
      // The filesystem root is no root of the app: a service started in / would open the whole disk.
      if (!isRoot(dir)) roots.add(dir + sep)
      for (let d = dir; ; d = dirname(d)) {
        roots.add(join(d, 'node_modules') + sep)
        if (isRoot(d)) break
      }
    }
    this.roots = [...roots]
  }

  /**
   * Why path may not be read, or null: by location only, no syscall. A frame's own file is held
   * to the same roots as a map's source: a stack is text (an error-like object from anywhere,
   * a stack rewritten by source-map-support or by the app), so a path in it does not prove that
   * Node loaded the file.
   */
  refusal (path: string): Refusal | null {
    if (!isAbsolute(path)) return 'outside'
    const p = resolve(path)
    if (isSystem(p)) return 'system'
    return this.roots.some((r) => p.startsWith(r)) ? null : 'outside'
  }

  /** refusal() as a yes or no, telling the first refused file in debug. */
  allows (path: string): boolean {
    const why = this.refusal(path)
    if (why !== null) this.tell(path, why)
    return why === null
  }

  /**
   * Opens path when the app may read it (by its path and by its real path) and it is a
   * regular file of at most maxBytes; the caller closes fd. Never blocks.
   */
  open (path: string, maxBytes: number): Opened {
    const where = this.refusal(path)
    if (where !== null) {
      this.tell(path, where)
      return { refused: where }
    }
    let real: string
    try { real = realpathSync.native(path) } catch { return { missing: true } }
    // What is opened is the real path: it must pass as well (a link inside the app may lead out of it).
    const why = this.refusal(real)
    if (why !== null) {
      this.tell(path, why)
      return { refused: why }
    }
    const opened = openRegularFile(real, maxBytes, OPEN_REAL_FLAGS)
    if ('refused' in opened && opened.refused !== 'too_large') this.tell(path, opened.refused)
    return opened
  }

  /** open(), then the text read with maxBytes as its bound. */
  read (path: string, maxBytes: number): Read {
    const opened = this.open(path, maxBytes)
    return 'fd' in opened ? readOpened(opened, maxBytes) : opened
  }

  private tell (path: string, why: Refusal): void {
    if (!this.debug || this.told || why === 'too_large') return
    this.told = true
    diagnoseOnce('files', `[xrayradar] ${path} is not read: ${WHY[why]}. Events go without what it would give (context lines; for a .map file, the mapping of its frames). Further refused files are not printed.`)
  }
}
