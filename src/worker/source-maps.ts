import { closeSync, readSync } from 'node:fs'
import { isAbsolute, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { LRUCache } from 'lru-cache'
import type { TraceMap } from '@jridgewell/trace-mapping'
import type { WireFrame } from '../shared/types'
import { isInApp } from './stack'
import { setContext, type ContextLines } from './context-lines'
import { lastingStamp, stampFile, unchanged, type Stamp } from './file-stamp'
import { diagnoseOnce } from './diagnostics'
import type { AppFiles } from './app-files'

// Frames of compiled code → the original file, line, column and function name,
// from the file's source map (docs/source-maps.md). Runs in the workers, so the
// main thread never pays for it. A map is looked for once per file: the file's
// tail is read for a `//# sourceMappingURL=` comment, the map (a .map file or an
// inline data: URL) parsed when a frame first needs it, and kept in an LRU cache
// bounded in bytes. A missing, huge or malformed map leaves the frames as they
// are: counted, told once in debug, never thrown. Every file is read through
// app-files.ts: a map, like its sources, is read only when it is a regular file
// of the application, and a source that is not keeps its frame's mapped file
// and line, without context lines.

/** The end of a file read to find the comment (tsc, esbuild, webpack and rollup put it on the last line). */
const TAIL_BYTES = 4096
/** A larger map (file, or inline once decoded) is not read. */
export const MAX_MAP_BYTES = 12 * 1024 * 1024
/** An inline map's last line, base64 of at most MAX_MAP_BYTES. */
const MAX_INLINE_LINE = Math.ceil(MAX_MAP_BYTES * 4 / 3) + 256
/**
 * Bytes of parsed maps kept per worker. A map weighs WEIGHT_PER_BYTE × its JSON size (which
 * includes sourcesContent): parsed, decoded and with its sources' lines split it holds about
 * that much (measured: docs/source-maps.md). The largest map must fit, or it would be
 * parsed again for every event: the cache refuses an entry larger than itself.
 */
const WEIGHT_PER_BYTE = 10
const CACHE_BYTES = 128 * 1024 * 1024
if (MAX_MAP_BYTES * WEIGHT_PER_BYTE > CACHE_BYTES) throw new Error('source-maps: the largest map would not fit in the cache')

// Loaded with the first map: it costs 15-60 ms of a worker's start, which a service
// without maps should not pay (as yaml in load-config.ts). Kept for the thread's
// life, as require's cache keeps it: a library, not state of one worker's run.
type TraceMapping = typeof import('@jridgewell/trace-mapping')
let lib: TraceMapping | null = null
const traceMapping = (): TraceMapping => (lib ??= require('@jridgewell/trace-mapping') as TraceMapping)

/** unsafe: the .map file is outside the app or not a regular file (app-files.ts tells it). */
export type Problem = 'missing' | 'too_large' | 'malformed' | 'refused' | 'unsafe'

const WHAT: Record<Problem, string> = {
  missing: 'is missing or unreadable',
  too_large: `is over ${MAX_MAP_BYTES / 1024 / 1024} MiB`,
  malformed: 'is not a valid source map',
  refused: 'is neither a .map file nor an inline data: URL',
  unsafe: 'is not a regular file of the application'
}

/** What every frame mapped to one source shares: computed once per source. */
interface Source {
  abs: string
  filename: string
  inApp: boolean
  /** Scrubbed lines from sourcesContent; undefined when the map has none (then read from disk, when the app may). */
  lines: string[] | undefined
  /** Without sourcesContent: whether the source may be read from disk (app-files.ts), decided once. */
  onDisk: boolean
}

/** A map ready to use, and its sources as they are first needed. */
interface Loaded {
  trace: TraceMap
  sources: Array<Source | undefined>
  /** What the cache counts for it (see CACHE_BYTES). */
  weight: number
}

/** One generated file: null map when it has none or it could not be used. */
interface Generated {
  map: Loaded | null
  /** The file, and the .map file when the map is one: a change to either reloads. */
  stamps: Stamp[]
}

// A comment at the start of a line: a string literal holding one (a bundled tool's
// own code) rarely is. The last one wins, as in Node.
const COMMENT = /^[ \t]*(?:\/\/|\/\*)[#@][ \t]+sourceMappingURL=([^\s'"]+?)[ \t]*(?:\*\/)?[ \t]*$/gm

function lastComment (text: string): string | null {
  let url: string | null = null
  for (const m of text.matchAll(COMMENT)) url = m[1] as string
  return url
}

function readAt (fd: number, position: number, length: number): string {
  const buf = Buffer.allocUnsafe(length)
  const n = readSync(fd, buf, 0, length, position)
  return buf.toString('utf8', 0, n)
}

type Found = { url: string } | { none: true } | { problem: Problem, detail: string }

/** The sourceMappingURL of a file (a frame's own), from its tail only. */
function findUrl (path: string, app: AppFiles): Found {
  // Any size: only the tail is read.
  const opened = app.open(path, Number.MAX_SAFE_INTEGER)
  if (!('fd' in opened)) return { none: true } // not a file we can read: nothing to map
  const { fd, size } = opened
  try {
    const tail = readAt(fd, Math.max(0, size - TAIL_BYTES), Math.min(size, TAIL_BYTES))
    const url = lastComment(tail)
    if (url !== null) return { url }
    // A last line that began before the tail may be an inline map: read back to its start.
    if (size <= TAIL_BYTES || tail.trimEnd().includes('\n')) return { none: true }
    const len = Math.min(size, MAX_INLINE_LINE)
    const text = readAt(fd, size - len, len)
    const long = lastComment(text)
    if (long !== null) return { url: long }
    if (len < size && !text.trimEnd().includes('\n') && text.includes('base64,')) {
      return { problem: 'too_large', detail: `its last line, an inline map, is over ${MAX_INLINE_LINE} bytes` }
    }
    return { none: true }
  } catch {
    return { none: true }
  } finally {
    closeSync(fd)
  }
}

const DATA_URL = /^data:application\/json(?:;charset=[\w-]+)?(;base64)?,/i

/** A resolved source as a path when it is a file (file: URL or absolute path), else as given (webpack://…). */
function sourcePath (source: string): string {
  if (source.startsWith('file:')) {
    try { return fileURLToPath(source) } catch { return source }
  }
  return source
}

/** The segment of a 1-based line and column, or null (no mapping there, or a bad position). */
function segmentAt (map: Loaded, line: number, col: number): Readonly<number[]> | null {
  try {
    const seg = traceMapping().traceSegment(map.trace, line - 1, col - 1)
    return seg === null || seg.length < 4 ? null : seg
  } catch {
    return null
  }
}

// What mapFrames returns when every mapped frame got its context: empty, never added to.
const NONE: ReadonlySet<WireFrame> = new Set()

export interface SourceMapsOptions {
  /**
   * Off when the sourceMaps option is off, and when the main thread runs with source maps
   * enabled (its stacks are already mapped).
   */
  enabled: boolean
  /** Tell the first map problem (one line per process). */
  debug: boolean
  /** The host's working directory: mapped files under it are named relative to it. */
  cwd: string
}

/** A worker's source maps: made once at start-up, with the files it may read and their lines. */
export class SourceMaps {
  private readonly enabled: boolean
  private readonly debug: boolean
  private readonly cwd: string
  private readonly files = new LRUCache<string, Generated>({
    max: 5000,
    maxSize: CACHE_BYTES,
    sizeCalculation: (g, path) => (g.map === null ? path.length + 64 : g.map.weight)
  })

  private mapped = 0
  private readonly problems: Record<Problem, number> = { missing: 0, too_large: 0, malformed: 0, refused: 0, unsafe: 0 }

  constructor (o: SourceMapsOptions, private readonly app: AppFiles, private readonly lines: ContextLines) {
    this.enabled = o.enabled
    this.debug = o.debug
    this.cwd = o.cwd
  }

  /** Counts since the worker started: frames mapped, and maps that could not be used, by kind. */
  counts (): { mapped: number } & Record<Problem, number> {
    return { mapped: this.mapped, ...this.problems }
  }

  private problem (kind: Problem, file: string, detail: string): null {
    this.problems[kind]++
    // An unsafe map was told by app-files.ts, in the words that apply to every file it refuses.
    if (this.debug && kind !== 'unsafe') {
      diagnoseOnce('sourcemaps', `[xrayradar] the source map of ${file} ${WHAT[kind]} (${detail}); its frames are sent as compiled. Further map problems are not printed (each file's is remembered, not retried).`)
    }
    return null
  }

  /** Reads and parses the map a URL names; stamps receives the .map file's stamp. */
  private loadMap (path: string, url: string, stamps: Stamp[]): Loaded | null {
    let json: string
    let mapUrl: string // what relative sources are resolved against
    if (url.startsWith('data:')) {
      const m = DATA_URL.exec(url)
      if (m === null) return this.problem('refused', path, 'an inline map must be data:application/json')
      const body = url.slice(m[0].length)
      try {
        json = m[1] !== undefined ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body)
      } catch {
        return this.problem('malformed', path, 'the data: URL cannot be decoded')
      }
      if (json.length > MAX_MAP_BYTES) return this.problem('too_large', path, `inline map of ${json.length} bytes`)
      mapUrl = path
    } else {
      // Relative to the file; only file paths: an http(s) or other URL is never fetched.
      let target: URL
      try { target = new URL(url, pathToFileURL(path)) } catch { return this.problem('refused', path, `sourceMappingURL ${url.slice(0, 100)}`) }
      if (target.protocol !== 'file:') return this.problem('refused', path, `${target.protocol} URLs are not followed`)
      let mapPath: string
      try { mapPath = fileURLToPath(target) } catch { return this.problem('refused', path, `sourceMappingURL ${url.slice(0, 100)}`) }
      // Only .map files: a comment naming any other file (/etc/passwd) is not read.
      if (!mapPath.endsWith('.map')) return this.problem('refused', path, `${mapPath} does not end in .map`)
      // Outside the app: not even stat'ed (a dead network mount would block), nor re-checked later.
      if (!this.app.allows(mapPath)) {
        stamps.push(lastingStamp(mapPath))
        return this.problem('unsafe', path, mapPath)
      }
      const stamp = stampFile(mapPath)
      stamps.push(stamp)
      if (stamp.size < 0) return this.problem('missing', path, mapPath)
      if (stamp.size > MAX_MAP_BYTES) return this.problem('too_large', path, `${mapPath} is ${stamp.size} bytes`)
      const got = this.app.read(mapPath, MAX_MAP_BYTES)
      if ('missing' in got) return this.problem('missing', path, mapPath)
      if ('refused' in got) return got.refused === 'too_large' ? this.problem('too_large', path, `${mapPath} is over the bound`) : this.problem('unsafe', path, mapPath)
      json = got.text
      mapUrl = mapPath
    }
    try {
      const raw = JSON.parse(json) as { version?: unknown, mappings?: unknown, sections?: unknown, sources?: unknown }
      if (raw === null || typeof raw !== 'object' || raw.version !== 3 || !(typeof raw.mappings === 'string' || Array.isArray(raw.sections))) {
        return this.problem('malformed', path, 'not a version 3 map with mappings')
      }
      const { AnyMap } = traceMapping()
      const trace = new AnyMap(raw as ConstructorParameters<typeof AnyMap>[0], mapUrl)
      return { trace, sources: [], weight: json.length * WEIGHT_PER_BYTE }
    } catch (err) {
      // Not the parser's message: it quotes the file, which may be anything a comment named.
      return this.problem('malformed', path, err instanceof SyntaxError ? 'not JSON' : 'its mappings cannot be read')
    }
  }

  private generated (path: string): Generated {
    const hit = this.files.get(path)
    if (hit !== undefined && hit.stamps.every((s) => unchanged(s))) return hit
    // A frame's file outside the app is not looked at on disk: no map, now or later.
    if (!this.app.allows(path)) {
      const entry: Generated = { map: null, stamps: [lastingStamp(path)] }
      this.files.set(path, entry)
      return entry
    }
    const stamps = [stampFile(path)]
    const found = findUrl(path, this.app)
    let map: Loaded | null = null
    if ('url' in found) map = this.loadMap(path, found.url, stamps)
    else if ('problem' in found) this.problem(found.problem, path, found.detail)
    const entry: Generated = { map, stamps }
    this.files.set(path, entry)
    return entry
  }

  /** The map's source at index. */
  private sourceOf (map: Loaded, index: number): Source | undefined {
    const known = map.sources[index]
    if (known !== undefined) return known
    const resolved = map.trace.resolvedSources[index]
    if (resolved === undefined || resolved === null) return undefined
    const abs = sourcePath(resolved)
    const text = map.trace.sourcesContent?.[index]
    const lines = typeof text === 'string' ? this.lines.toLines(text) : undefined
    const src: Source = {
      abs,
      filename: isAbsolute(abs) && abs.startsWith(this.cwd + sep) ? relative(this.cwd, abs) : abs,
      inApp: isInApp(abs),
      lines,
      onDisk: lines === undefined && isAbsolute(abs) && this.app.allows(abs)
    }
    map.sources[index] = src
    return src
  }

  /**
   * Maps frames (oldest first, as parseStack gives them) in place, with their context
   * lines from the map's sourcesContent or, when the app may read it, the source file.
   * Frames of files without a usable map, and of Node's own code, are left as they are.
   * deps receives the stamps of the files read, so a cached result can be re-checked.
   * Returns the frames mapped that got no context lines (ContextLines.addTo must leave them).
   */
  mapFrames (frames: WireFrame[], deps?: Stamp[]): ReadonlySet<WireFrame> {
    if (!this.enabled) return NONE
    let bare: Set<WireFrame> | null = null
    // Each frame's compiled position, before any is changed: a frame's name comes from its caller's.
    const positions = frames.map((f) => [f.abs_path, f.lineno, f.colno] as const)
    // Frames of one event mostly share a file (all of them, in a bundle): look it up once.
    let lastPath: string | null = null
    let last: Generated | null = null
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i] as WireFrame
      const [abs, line, col] = positions[i] as readonly [string | null, number | null, number | null]
      if (abs === null || line === null || col === null || line < 1 || col < 1 || !isAbsolute(abs)) continue
      if (abs !== lastPath) {
        last = this.generated(abs)
        lastPath = abs
        if (deps !== undefined) deps.push(...last.stamps)
      }
      const map = (last as Generated).map
      if (map === null) continue
      const seg = segmentAt(map, line, col)
      if (seg === null) continue
      const src = this.sourceOf(map, seg[1] as number)
      if (src === undefined) continue
      frame.abs_path = src.abs
      frame.filename = src.filename
      frame.lineno = (seg[2] as number) + 1
      frame.colno = (seg[3] as number) + 1
      frame.in_app = src.inApp
      // As Node does when it maps: the name its caller's call site has in the map, when the caller is in the same file.
      const caller = positions[i - 1]
      if (map.trace.names.length > 0 && caller !== undefined && caller[0] === abs && caller[1] !== null && caller[2] !== null && caller[1] >= 1 && caller[2] >= 1) {
        const at = segmentAt(map, caller[1], caller[2])
        const name = at !== null && at.length === 5 ? map.trace.names[at[4] as number] : undefined
        if (name !== undefined && name !== '') frame.function = name
      }
      const lines = src.lines ?? (src.onDisk ? this.lines.ofFile(src.abs, deps) : false)
      if (lines !== false) setContext(frame, lines)
      // Usually the frame now has its context; one without must not get its source read as a loaded file.
      if (frame.context_line === undefined) (bare ??= new Set()).add(frame)
      this.mapped++
    }
    return bare ?? NONE
  }
}
