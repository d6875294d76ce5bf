import { openSync, closeSync, writeFileSync, renameSync, readdirSync, unlinkSync, lstatSync, utimesSync, constants } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { UnsafeDirectoryError } from '../shared/errors'
import { spoolOwnLevels } from '../config/spool-dir'
import { ensureSafeDir } from './safe-dir'
import { readSpoolFile } from './spool-read'
import { diagnoseOnce } from './diagnostics'
import { type SpoolTarget, type SpoolFileKind, TARGET_SUFFIX, LEGACY_SUFFIX, targetKey, headerLine, readHeader, sameTarget, targetFileName, keyedName, kindOf, writtenAt, actionable } from '../shared/spool-target'

// Events that cannot be delivered in time (ingest down, 5xx storm, 429 window,
// the end of the process) wait on disk, already scrubbed and truncated, one per
// line of a file (a file holds one delivery batch, up to 64 events), and are sent
// later by this process or the next one, oldest first. Files are claimed by
// rename, so two processes sharing the directory never send the same file twice.
// Each file names the target (DSN origin and project) its events were captured
// for (spool-target.ts): a process sends only its own target's files and leaves
// the others' where they are, until a process of their target sends them or
// they pass spoolMaxAge. Files from before targets (bare events) are sent only
// by the target the directory is keyed for, else dropped as corrupt.
// The directory is used only once safe-dir.ts finds that no other user can touch
// it; files are created exclusively (never through a planted name or link) and
// read by spool-read.ts, which never follows a link nor reads a file that is not
// this uid's.

const CLAIM = '.sending-'
const STALE_CLAIM_MS = 60_000
/**
 * A replay chunk stops claiming files once it holds this much file text: chunks
 * cut across files, and without a byte bound one chunk could hold chunkSize
 * large files at once. 4 MiB is a full batch of ~64 KiB events.
 */
const REPLAY_CHUNK_BYTES = 4 * 1024 * 1024
// Created exclusively (a name someone planted is an error, not a file we write through), never via a link.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0)
const FILE_MODE = 0o600

export type WriteOutcome = 'spooled' | 'spool_full' | 'spool_error'

/** The reason and the fix for a failure, by errno code; each is followed by ", or set spoolDir elsewhere". */
const WHY: Record<string, string> = {
  ENOSPC: 'the disk is full. Free space on it',
  EDQUOT: 'the disk quota is exhausted. Free space',
  EROFS: 'the file system is read-only. Use a writable directory',
  EACCES: 'permission denied. Make it writable by this user',
  EPERM: 'the operation was not permitted. Make it writable by this user',
  ENOTDIR: 'a level of its path is not a directory. Choose a path whose every level is a directory or does not exist yet',
  EEXIST: 'something that is not a directory is in its place. Choose a path that is a directory or does not exist yet',
  EFBIG: "the process's file size limit (ulimit -f) was reached. Raise the limit"
}

/** Each adds n events to its stat. */
export interface SpoolCounters {
  delivered (n: number): void
  rejected (n: number): void
  corrupt (n: number): void
  expired (n: number): void
}

export type ReplayOutcome = 'delivered' | 'retry_later' | 'rejected'

interface ClaimedFile {
  name: string
  /** Written before targets: what must wait is written back under a keyed name, with a header. */
  legacy: boolean
  claimed: string
  bodies: string[]
  /** Event lines the file held (the header aside), events or not: more than bodies when some were corrupt (and counted). */
  lines: number
  /** Bytes read from the file. */
  bytes: number
  /** Events to put back: the ingest asked us to wait before they were sent. */
  keep: string[]
}

export class Spool {
  readonly dir: string
  private readonly maxBytes: number
  private readonly maxAgeMs: number
  private bytes = -1 // unknown until the first scan
  private seq = 0
  private replaying = false
  private dirReady = false
  /** Trailing levels of dir that are the SDK's own (see safe-dir.ts). */
  private readonly ownLevels: number
  private readonly target: SpoolTarget
  private readonly key: string
  private readonly header: string
  /**
   * Files from before targets are this target's only when the directory is keyed
   * for it (the default location's last level); in any other directory nothing
   * says whose they are.
   */
  private readonly legacyIsOwn: boolean

  constructor (dir: string, maxBytes: number, maxAgeMs: number, target: SpoolTarget) {
    this.dir = dir
    this.ownLevels = spoolOwnLevels(dir)
    this.maxBytes = maxBytes
    this.maxAgeMs = maxAgeMs
    this.target = target
    this.key = targetKey(target)
    this.header = headerLine(target)
    this.legacyIsOwn = basename(resolve(dir)) === this.key
  }

  /**
   * Checks the directory (and, to write, makes it) before the first use: a
   * directory another user can touch is refused. Throws what made it unusable.
   * False when it does not exist and `create` is false.
   */
  private checkDir (create: boolean): boolean {
    if (this.dirReady) return true
    if (!ensureSafeDir(this.dir, { create, ownLevels: this.ownLevels })) return false
    this.dirReady = true
    return true
  }

  /** Says once per process (whichever worker sees it first) why the spool cannot be used. */
  private report (err: unknown): void {
    const tail = 'Events that cannot be delivered are counted as dropped: spool_error.'
    if (err instanceof UnsafeDirectoryError) {
      diagnoseOnce('spool', `[xrayradar] refusing the spool directory ${this.dir}: ${err.path} ${err.problem}. Nothing in it is read or sent. ${tail} ${err.fix}.`)
      return
    }
    const code = (err as NodeJS.ErrnoException)?.code ?? 'unknown error'
    const why = code === 'EACCES' && typeof process.getuid === 'function' ? `${WHY[code]} (uid ${process.getuid()})` : WHY[code]
    diagnoseOnce('spool', `[xrayradar] cannot use the spool directory ${this.dir} (${code}): ${why ?? 'check the directory'}, or set spoolDir elsewhere. ${tail}`)
  }

  private scanBytes (): number {
    let total = 0
    try {
      for (const name of readdirSync(this.dir)) {
        try { total += lstatSync(join(this.dir, name)).size } catch {}
      }
    } catch {}
    return total
  }

  /**
   * Writes event bodies into one file, a line each (JSON never holds a raw newline),
   * after the header naming this target: one file create and rename for the lot,
   * which is what makes spooling a backlog at exit fast. spool_full: over
   * spoolMaxBytes; spool_error: the directory is refused or the write failed (said
   * once on stderr; no partial file is left).
   */
  writeBatch (bodies: readonly string[]): WriteOutcome {
    if (bodies.length === 0) return 'spooled'
    try {
      this.checkDir(true)
      if (this.bytes < 0) this.bytes = this.scanBytes()
      const text = this.fileText(bodies)
      const size = Buffer.byteLength(text)
      if (this.bytes + size > this.maxBytes) return 'spool_full'
      try {
        this.writeFile(this.newName(), text)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
        // The directory has gone since (a tmp cleaner): check and make it again, once.
        this.dirReady = false
        this.checkDir(true)
        this.writeFile(this.newName(), text)
      }
      this.bytes += size
      return 'spooled'
    } catch (err) {
      this.report(err)
      return 'spool_error'
    }
  }

  /** Sortable by time; unique per process and thread; ends with this target's key. */
  private newName (): string {
    return targetFileName(`${String(Date.now()).padStart(15, '0')}-${process.pid}-${this.seq++}-${Math.random().toString(36).slice(2, 8)}`, this.key)
  }

  private fileText (bodies: readonly string[]): string {
    return `${this.header}\n${bodies.join('\n')}`
  }

  /** Written under a .tmp name, then renamed: a reader never sees half a file. On failure the .tmp is removed. */
  private writeFile (name: string, text: string): void {
    const tmp = join(this.dir, `${name}.tmp`)
    const fd = openSync(tmp, CREATE_FLAGS, FILE_MODE)
    let open = true
    try {
      writeFileSync(fd, text)
      open = false
      closeSync(fd)
      renameSync(tmp, join(this.dir, name))
    } catch (err) {
      if (open) try { closeSync(fd) } catch {}
      try { unlinkSync(tmp) } catch {}
      throw err
    }
  }

  /**
   * Claims a file and reads its events; null when another process has it, it is gone, it held
   * nothing to send, or it is another target's (claimed only once expired, to be removed).
   */
  private async claim (name: string, kind: SpoolFileKind, now: number, counters: SpoolCounters): Promise<ClaimedFile | null> {
    const written = writtenAt(name)
    const expired = Number.isFinite(written) && now - written > this.maxAgeMs
    if (kind === 'other' && !expired) return null // left for a process of its target
    const path = join(this.dir, name)
    const claimed = `${path}${CLAIM}${process.pid}`
    try { renameSync(path, claimed) } catch { return null } // another process has it
    // A rename keeps the file's mtime, and a claim is taken as abandoned by its mtime: an
    // old file just claimed would look stale to the next pass of another worker or process,
    // which would put it back and send it a second time.
    try { const at = new Date(); utimesSync(claimed, at, at) } catch {}
    const read = await readSpoolFile(claimed)
    if (!read.ok) {
      if (read.why === 'gone') return null
      if (read.why === 'directory' || (read.why === 'unreadable' && !expired)) {
        // A directory under a spool name is left as found; a read that failed (EMFILE, EIO) may work next pass.
        try { renameSync(claimed, path) } catch {}
        return null
      }
      // Not ours (a link, a FIFO, another uid's, larger than a batch): removed unread (a link is
      // removed, never its target) and counted once, so no pass meets it again. Unreadable past
      // spoolMaxAge: it would never be sent.
      this.remove(claimed)
      if (read.why === 'unreadable') counters.expired(1)
      else counters.corrupt(1)
      return null
    }
    const { lines } = read
    const legacy = kind === 'legacy'
    // A file that names its target starts with the header; its events follow.
    const header = legacy ? null : readHeader(lines[0])
    const events = header === null ? lines : lines.slice(1)
    if (expired) {
      // Whoever's they are: another target's files are bounded by the same age (and bytes).
      this.remove(claimed)
      counters.expired(Math.max(1, events.length))
      return null
    }
    if (legacy ? !this.legacyIsOwn : header === null || !sameTarget(header, this.target)) {
      // Nothing says these events were captured for this target, so they are never sent with its
      // token to its project: from before targets in a directory not keyed for it, or a file under
      // this target's key without a header naming it. Removed and counted once.
      this.remove(claimed)
      counters.corrupt(Math.max(1, events.length))
      return null
    }
    const bodies: string[] = []
    for (const line of events) {
      if (isEventBody(line)) bodies.push(line)
      else counters.corrupt(1) // a truncated or foreign line; the rest of the file still counts
    }
    if (events.length === 0) counters.corrupt(1)
    return { name, legacy, claimed, bodies, lines: events.length, bytes: read.bytes, keep: [] }
  }

  /**
   * After sending: remove the file, or put back what must wait (under its old name, so its place
   * in line; a file from before targets is rewritten under its keyed name, with the header).
   */
  private finish (f: ClaimedFile): void {
    if (f.keep.length === 0) {
      this.remove(f.claimed)
      return
    }
    if (f.keep.length < f.lines) {
      // The rest first, then drop the claim: if writing fails, the whole file goes back
      // (sent lines would be sent again, but nothing is lost). Corrupt lines are left out
      // too: they were counted once and must not be counted again by the next pass.
      try {
        const text = this.fileText(f.keep)
        this.writeFile(f.legacy ? keyedName(f.name, this.key) : f.name, text)
        this.bytes += Buffer.byteLength(text)
        this.remove(f.claimed)
        return
      } catch {}
    }
    try { renameSync(f.claimed, join(this.dir, f.name)) } catch {}
  }

  /**
   * One pass, oldest first: claim files, send their events a chunk at a time,
   * remove what was sent. Stops at the first event that must wait (ingest still
   * down or rate limited) and gives back what was not sent. Resolves true when the
   * pass ended at maxFiles with more possibly waiting. `stopping` is asked before
   * each chunk: a process that is exiting must not claim files it may not live to
   * remove (they would be sent again a minute later).
   */
  async replay (send: (bodies: string[]) => Promise<ReplayOutcome[]>, counters: SpoolCounters, chunkSize: number, stopping: () => boolean = () => false, maxFiles = 1000): Promise<boolean> {
    if (this.replaying) return false
    this.replaying = true
    try {
      try {
        if (!this.checkDir(false)) return false // nothing spooled yet
      } catch (err) {
        this.report(err) // a directory someone else can touch is not read at all
        return false
      }
      let names: string[]
      // Directories are never spool files: not claimed, not counted.
      try { names = readdirSync(this.dir, { withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => e.name).sort() } catch { return false }
      const now = Date.now()
      for (const name of names) {
        // A claim left by a process that died mid-send goes back to the queue; a
        // half-written file of one that died mid-write is removed.
        const at = name.indexOf(CLAIM)
        const partial = name.endsWith(`${TARGET_SUFFIX}.tmp`) || name.endsWith(`${LEGACY_SUFFIX}.tmp`)
        if (at > 0 || partial) {
          try {
            const path = join(this.dir, name)
            if (now - lstatSync(path).mtimeMs <= STALE_CLAIM_MS) continue
            if (partial) this.remove(path)
            else renameSync(path, join(this.dir, name.slice(0, at)))
          } catch {}
        }
      }
      // Another target's files are passed over by name (not claimed, not read) until they expire;
      // they must not fill maxFiles either, or a pass would find "more" forever.
      const ready = names.map((n) => ({ n, kind: kindOf(n, this.key) })).filter((f) => actionable(f.kind, f.n, now, this.maxAgeMs)).slice(0, maxFiles)
      let next = 0
      while (next < ready.length) {
        if (stopping()) return false
        // Claim files until a chunk's worth of events or bytes (or the files) run out.
        const files: ClaimedFile[] = []
        let count = 0
        let bytes = 0
        while (next < ready.length && count < chunkSize && bytes < REPLAY_CHUNK_BYTES) {
          const { n, kind } = ready[next++] as { n: string, kind: SpoolFileKind }
          const f = await this.claim(n, kind, now, counters)
          if (f !== null) { files.push(f); count += f.bodies.length; bytes += f.bytes }
        }
        // Chunks cut across files: a file of one event must not cost a limiter job of its own.
        const items = files.flatMap((f) => f.bodies.map((body) => ({ f, body })))
        let stop = false
        let delivered = 0
        let rejected = 0
        for (let i = 0; i < items.length; i += chunkSize) {
          const part = items.slice(i, i + chunkSize)
          if (stop) { for (const it of part) it.f.keep.push(it.body); continue }
          const outcomes = await send(part.map((it) => it.body))
          part.forEach((it, k) => {
            const outcome = outcomes[k]
            if (outcome === 'retry_later') { stop = true; it.f.keep.push(it.body) } else if (outcome === 'delivered') delivered++
            else rejected++
          })
        }
        for (const f of files) this.finish(f)
        // Counted once the files are gone: whoever reads the counters sees the disk agree.
        if (delivered > 0) counters.delivered(delivered)
        if (rejected > 0) counters.rejected(rejected)
        if (stop) return false
      }
      return ready.length === maxFiles
    } finally {
      this.replaying = false
    }
  }

  private remove (path: string): void {
    try {
      const size = lstatSync(path).size
      unlinkSync(path)
      if (this.bytes >= 0) this.bytes = Math.max(0, this.bytes - size)
    } catch {}
  }
}

/** A line the SDK can have written: a JSON object with an event_id (anything else would only be refused by the ingest). */
function isEventBody (line: string): boolean {
  try {
    const v: unknown = JSON.parse(line)
    return typeof v === 'object' && v !== null && typeof (v as { event_id?: unknown }).event_id === 'string'
  } catch {
    return false
  }
}
