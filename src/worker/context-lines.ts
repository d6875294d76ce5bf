import { readFileSync, statSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { LRUCache } from 'lru-cache'
import type { WireFrame } from '../types'
import { scrubSourceLine, type ScrubOptions } from './scrub'

// Source lines around each frame, from a cache bounded in files and bytes so a
// service with thousands of files cannot grow the worker without limit.

const PRE = 5
const POST = 2
const MAX_FILE_BYTES = 1024 * 1024
const MAX_LINE = 300

const cache = new LRUCache<string, string[] | false>({
  max: 200,
  maxSize: 16 * 1024 * 1024,
  sizeCalculation: (lines) => (lines === false ? 1 : lines.reduce((n, l) => n + l.length + 1, 1))
})

// Source near a throw can hold the auth token (init({ authToken: '…' }) a few lines
// up): lines are scrubbed once as a file is read, so cached lines are clean.
let scrubOptions: ScrubOptions | null = null

/** The worker's privacy rules, set once at start-up, before any file is read. */
export function setSourceScrubbing (opts: ScrubOptions): void {
  scrubOptions = opts
  cache.clear()
}

const clip = (l: string): string => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) + '…' : l)

function linesOf (path: string): string[] | false {
  const hit = cache.get(path)
  if (hit !== undefined) return hit
  let lines: string[] | false = false
  try {
    if (statSync(path).size <= MAX_FILE_BYTES) {
      const opts = scrubOptions
      // Scrubbed before clipping: a token cut in half by the clip would no longer match.
      lines = readFileSync(path, 'utf8').split(/\r?\n/).map((l) => clip(opts === null ? l : scrubSourceLine(l, opts)))
    }
  } catch {
    lines = false // missing or unreadable: remembered, so it is not retried per event
  }
  cache.set(path, lines)
  return lines
}

/** Adds context_line, pre_context and post_context where the file can be read. */
export function addContextLines (frames: WireFrame[]): void {
  for (const frame of frames) {
    const path = frame.abs_path
    if (path === null || !isAbsolute(path) || frame.lineno === null || frame.lineno < 1) continue
    const lines = linesOf(path)
    if (lines === false || frame.lineno > lines.length) continue
    const i = frame.lineno - 1
    frame.context_line = lines[i] ?? null
    frame.pre_context = lines.slice(Math.max(0, i - PRE), i)
    frame.post_context = lines.slice(i + 1, i + 1 + POST)
  }
}
