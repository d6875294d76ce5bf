import { mkdirSync, writeFileSync, renameSync, readdirSync, readFileSync, unlinkSync, statSync, chmodSync } from 'node:fs'
import { join } from 'node:path'

// Events that cannot be delivered in time (ingest down, 5xx storm, 429 window)
// wait on disk, already scrubbed and truncated, one file each, and are sent later
// by this process or the next one, oldest first. Files are claimed by rename, so
// two processes sharing the directory never send the same file twice.

const SUFFIX = '.json'
const CLAIM = '.sending-'
const STALE_CLAIM_MS = 60_000

export interface SpoolCounters {
  delivered (): void
  rejected (): void
  corrupt (): void
  expired (): void
}

export type ReplayOutcome = 'delivered' | 'retry_later' | 'rejected'

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

  constructor (dir: string, maxBytes: number, maxAgeMs: number) {
    this.dir = dir
    this.maxBytes = maxBytes
    this.maxAgeMs = maxAgeMs
  }

  private dirReady = false

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

  /** Writes one event body; false when the spool is full or not writable. */
  write (body: string): boolean {
    try {
      this.ensureDir()
      if (this.bytes < 0) this.bytes = this.scanBytes()
      const size = Buffer.byteLength(body)
      if (this.bytes + size > this.maxBytes) return false
      try {
        this.writeFile(body)
      } catch {
        // The directory may have gone since (a tmp cleaner): make it again, once.
        this.dirReady = false
        this.ensureDir()
        this.writeFile(body)
      }
      this.bytes += size
      return true
    } catch {
      return false
    }
  }

  private writeFile (body: string): void {
    // Sortable by time; unique per process and thread.
    const name = `${String(Date.now()).padStart(15, '0')}-${process.pid}-${this.seq++}-${Math.random().toString(36).slice(2, 8)}`
    const tmp = join(this.dir, `${name}.tmp`)
    writeFileSync(tmp, body, { mode: 0o600 })
    renameSync(tmp, join(this.dir, name + SUFFIX))
  }

  /**
   * One pass, oldest first: claim, send (a chunk at a time), remove. Stops at the
   * first file that must wait (ingest still down or rate limited) and gives it back.
   * Resolves true when the pass ended at maxFiles with more possibly waiting.
   * `stopping` is asked before each chunk: a process that is exiting must not claim
   * files it may not live to remove (they would be sent again a minute later).
   */
  async replay (send: (bodies: string[]) => Promise<ReplayOutcome[]>, counters: SpoolCounters, chunkSize: number, stopping: () => boolean = () => false, maxFiles = 1000): Promise<boolean> {
    if (this.replaying) return false
    this.replaying = true
    try {
      let names: string[]
      try { names = readdirSync(this.dir).sort() } catch { return false }
      const now = Date.now()
      for (const name of names) {
        // A claim left by a process that died mid-send goes back to the queue.
        const at = name.indexOf(CLAIM)
        if (at > 0) {
          try {
            if (now - statSync(join(this.dir, name)).mtimeMs > STALE_CLAIM_MS) renameSync(join(this.dir, name), join(this.dir, name.slice(0, at)))
          } catch {}
        }
      }
      const ready = names.filter((n) => n.endsWith(SUFFIX)).slice(0, maxFiles)
      for (let i = 0; i < ready.length; i += chunkSize) {
        if (stopping()) return false
        const chunk: Array<{ path: string, claimed: string, body: string }> = []
        for (const name of ready.slice(i, i + chunkSize)) {
          const path = join(this.dir, name)
          const claimed = `${path}${CLAIM}${process.pid}`
          try { renameSync(path, claimed) } catch { continue } // another process has it
          const written = Number(name.slice(0, 15))
          if (Number.isFinite(written) && now - written > this.maxAgeMs) {
            this.remove(claimed)
            counters.expired()
            continue
          }
          try {
            const body = readFileSync(claimed, 'utf8')
            JSON.parse(body)
            chunk.push({ path, claimed, body })
          } catch {
            this.remove(claimed)
            counters.corrupt()
          }
        }
        const outcomes = chunk.length > 0 ? await send(chunk.map((f) => f.body)) : []
        let stop = false
        chunk.forEach((f, k) => {
          const outcome = outcomes[k]
          if (outcome === 'retry_later') {
            stop = true
            try { renameSync(f.claimed, f.path) } catch {}
            return
          }
          this.remove(f.claimed)
          if (outcome === 'delivered') counters.delivered()
          else counters.rejected()
        })
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
