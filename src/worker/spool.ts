import { mkdirSync, writeFileSync, renameSync, readdirSync, readFileSync, unlinkSync, statSync, chmodSync } from 'node:fs'
import { join } from 'node:path'

// Events that cannot be delivered in time (ingest down, 5xx storm, 429 window,
// the end of the process) wait on disk, already scrubbed and truncated, one per
// line of a file (a file holds one delivery batch, up to 64 events), and are sent
// later by this process or the next one, oldest first. Files are claimed by
// rename, so two processes sharing the directory never send the same file twice.

const SUFFIX = '.json'
const CLAIM = '.sending-'
const STALE_CLAIM_MS = 60_000

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
  claimed: string
  bodies: string[]
  /** Events to put back: the ingest asked us to wait before they were sent. */
  keep: string[]
}

/** True when a spool directory holds events to send (cheap: one readdir). */
export function hasSpoolFiles (dir: string): boolean {
  try { return readdirSync(dir).some((n) => n.endsWith(SUFFIX)) } catch { return false }
}

export class Spool {
  readonly dir: string
  private readonly maxBytes: number
  private readonly maxAgeMs: number
  private bytes = -1 // unknown until the first scan
  private seq = 0
  private replaying = false
  private dirReady = false

  constructor (dir: string, maxBytes: number, maxAgeMs: number) {
    this.dir = dir
    this.maxBytes = maxBytes
    this.maxAgeMs = maxAgeMs
  }

  private ensureDir (): void {
    if (this.dirReady) return
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    try { chmodSync(this.dir, 0o700) } catch {}
    this.dirReady = true
  }

  private scanBytes (): number {
    let total = 0
    try {
      for (const name of readdirSync(this.dir)) {
        try { total += statSync(join(this.dir, name)).size } catch {}
      }
    } catch {}
    return total
  }

  /**
   * Writes event bodies into one file, a line each (JSON never holds a raw newline):
   * one file create and rename for the lot, which is what makes spooling a backlog
   * at exit fast. False when the spool is full or not writable.
   */
  writeBatch (bodies: readonly string[]): boolean {
    if (bodies.length === 0) return true
    try {
      this.ensureDir()
      if (this.bytes < 0) this.bytes = this.scanBytes()
      const text = bodies.join('\n')
      const size = Buffer.byteLength(text)
      if (this.bytes + size > this.maxBytes) return false
      try {
        this.writeFile(this.newName(), text)
      } catch {
        // The directory may have gone since (a tmp cleaner): make it again, once.
        this.dirReady = false
        this.ensureDir()
        this.writeFile(this.newName(), text)
      }
      this.bytes += size
      return true
    } catch {
      return false
    }
  }

  /** Sortable by time; unique per process and thread. */
  private newName (): string {
    return `${String(Date.now()).padStart(15, '0')}-${process.pid}-${this.seq++}-${Math.random().toString(36).slice(2, 8)}${SUFFIX}`
  }

  private writeFile (name: string, text: string): void {
    const tmp = join(this.dir, `${name}.tmp`)
    writeFileSync(tmp, text, { mode: 0o600 })
    renameSync(tmp, join(this.dir, name))
  }

  /** Claims a file and reads its events; null when another process has it or it is gone. */
  private claim (name: string, now: number, counters: SpoolCounters): ClaimedFile | null {
    const path = join(this.dir, name)
    const claimed = `${path}${CLAIM}${process.pid}`
    try { renameSync(path, claimed) } catch { return null } // another process has it
    let text: string
    try { text = readFileSync(claimed, 'utf8') } catch { this.remove(claimed); return null }
    const lines = text.split('\n').filter((l) => l !== '')
    const written = Number(name.slice(0, 15))
    if (Number.isFinite(written) && now - written > this.maxAgeMs) {
      this.remove(claimed)
      counters.expired(Math.max(1, lines.length))
      return null
    }
    const bodies: string[] = []
    for (const line of lines) {
      try {
        JSON.parse(line)
        bodies.push(line)
      } catch {
        counters.corrupt(1) // a truncated or foreign line; the rest of the file still counts
      }
    }
    if (lines.length === 0) counters.corrupt(1)
    return { name, claimed, bodies, keep: [] }
  }

  /** After sending: remove the file, or put back what must wait (under its old name, so its place in line). */
  private finish (f: ClaimedFile): void {
    if (f.keep.length === 0) {
      this.remove(f.claimed)
      return
    }
    if (f.keep.length < f.bodies.length) {
      // The rest first, then drop the claim: if writing fails, the whole file goes back
      // (sent lines would be sent again, but nothing is lost).
      try {
        const text = f.keep.join('\n')
        this.writeFile(f.name, text)
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
      let names: string[]
      try { names = readdirSync(this.dir).sort() } catch { return false }
      const now = Date.now()
      for (const name of names) {
        // A claim left by a process that died mid-send goes back to the queue; a
        // half-written file of one that died mid-write is removed.
        const at = name.indexOf(CLAIM)
        const partial = name.endsWith(`${SUFFIX}.tmp`)
        if (at > 0 || partial) {
          try {
            const path = join(this.dir, name)
            if (now - statSync(path).mtimeMs <= STALE_CLAIM_MS) continue
            if (partial) this.remove(path)
            else renameSync(path, join(this.dir, name.slice(0, at)))
          } catch {}
        }
      }
      const ready = names.filter((n) => n.endsWith(SUFFIX)).slice(0, maxFiles)
      let next = 0
      while (next < ready.length) {
        if (stopping()) return false
        // Claim files until a chunk's worth of events (or the files) run out.
        const files: ClaimedFile[] = []
        let count = 0
        while (next < ready.length && count < chunkSize) {
          const f = this.claim(ready[next++] as string, now, counters)
          if (f !== null) { files.push(f); count += f.bodies.length }
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
      const size = statSync(path).size
      unlinkSync(path)
      if (this.bytes >= 0) this.bytes = Math.max(0, this.bytes - size)
    } catch {}
  }
}
