import { isAbsolute } from 'node:path'
import { LRUCache } from 'lru-cache'
import type { WireFrame } from '../shared/types'
import { scrubSourceLine, type ScrubOptions } from '../privacy/scrub'
import { lastingStamp, stampFile, unchanged, type Stamp } from './file-stamp'
import type { AppFiles } from './app-files'

// Source lines around each frame, from a cache bounded in files and bytes so a
// service with thousands of files cannot grow the worker without limit. A file
// rewritten since it was read (a redeploy) is read again (file-stamp.ts). Only
// the app's regular files are read (app-files.ts).

const PRE = 5
const POST = 2
const MAX_FILE_BYTES = 1024 * 1024
const MAX_LINE = 300

interface Cached { lines: string[] | false, stamp: Stamp }

const clip = (l: string): string => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) + '…' : l)

/** Sets context_line, pre_context and post_context from a file's lines (nothing when the line is past its end). */
export function setContext (frame: WireFrame, lines: string[]): void {
  if (frame.lineno === null || frame.lineno < 1 || frame.lineno > lines.length) return
  const i = frame.lineno - 1
  frame.context_line = lines[i] ?? null
  frame.pre_context = lines.slice(Math.max(0, i - PRE), i)
  frame.post_context = lines.slice(i + 1, i + 1 + POST)
}

/** The app's source lines as a worker reads them: made once at start-up, with its privacy rules. */
export class ContextLines {
  private readonly cache = new LRUCache<string, Cached>({
    max: 200,
    maxSize: 16 * 1024 * 1024,
    sizeCalculation: ({ lines }) => (lines === false ? 1 : lines.reduce((n, l) => n + l.length + 1, 1))
  })

  /**
   * app: which files may be read. scrub: the worker's privacy rules (null: lines kept as
   * they are). Source near a throw can hold the auth token (init({ authToken: '…' }) a few
   * lines up): lines are scrubbed once as a file is read, so cached lines are clean.
   */
  constructor (private readonly app: AppFiles, private readonly scrub: ScrubOptions | null) {}

  /** A source text as context lines: scrubbed (before clipping: a token cut in half would no longer match), then clipped. */
  toLines (text: string): string[] {
    const opts = this.scrub
    return text.split(/\r?\n/).map((l) => clip(opts === null ? l : scrubSourceLine(l, opts)))
  }

  /**
   * A file's context lines, or false when it is missing, unreadable, over 1 MiB or not
   * one the app may read (app-files.ts). Remembered, so it is not retried per event: a
   * cached answer costs neither a check nor a syscall. deps receives the file's stamp.
   */
  ofFile (path: string, deps?: Stamp[]): string[] | false {
    const hit = this.cache.get(path)
    if (hit !== undefined && unchanged(hit.stamp)) {
      deps?.push(hit.stamp)
      return hit.lines
    }
    let lines: string[] | false = false
    let stamp: Stamp
    if (!this.app.allows(path)) {
      stamp = lastingStamp(path) // refused by its name: nothing on disk is looked at, now or later
    } else {
      stamp = stampFile(path)
      if (stamp.size >= 0 && stamp.size <= MAX_FILE_BYTES) {
        const got = this.app.read(path, MAX_FILE_BYTES)
        if ('text' in got) lines = this.toLines(got.text)
      }
    }
    this.cache.set(path, { lines, stamp })
    deps?.push(stamp)
    return lines
  }

  /**
   * Adds context_line, pre_context and post_context to each frame whose own file the
   * app may read. Frames that have context lines are left, and so are those in done
   * (mapped without context: their file is a map's source, not one Node loaded).
   */
  addTo (frames: WireFrame[], deps?: Stamp[], done?: ReadonlySet<WireFrame>): void {
    for (const frame of frames) {
      const path = frame.abs_path
      if (done?.has(frame) === true || frame.context_line !== undefined || path === null || !isAbsolute(path) || frame.lineno === null || frame.lineno < 1) continue
      const lines = this.ofFile(path, deps)
      if (lines !== false) setContext(frame, lines)
    }
  }
}
