import { findSourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'
import { BLOCK_ERROR_TYPE, blockMessage, stackLines, type PausedFrame } from '../../shared/loop-block'

// The paused main thread's frames as the stack string of an error thrown there, so the event
// goes through the same worker steps as any error (frame order, in_app, source maps, context
// lines, the default fingerprint from the in-app frames).

/**
 * With --enable-source-maps Node maps the stacks it prints and the workers leave stack
 * strings alone; the inspector's positions are the generated ones, so they are mapped here
 * with the maps Node already loaded (a lookup per frame, on a stack taken once per block).
 */
function mapped (f: PausedFrame): PausedFrame {
  if (f.url === '') return f
  try {
    const map = findSourceMap(f.url) ?? (f.url.startsWith('file:') ? findSourceMap(fileURLToPath(f.url)) : undefined)
    if (map === undefined) return f
    const e = map.findEntry(f.line - 1, f.col - 1) as { originalSource?: string, originalLine?: number, originalColumn?: number }
    if (typeof e.originalSource !== 'string' || typeof e.originalLine !== 'number') return f
    return { fn: f.fn, url: e.originalSource, line: e.originalLine + 1, col: (e.originalColumn ?? 0) + 1 }
  } catch {
    return f
  }
}

/** "    at fn (url:line:col)" lines, newest call first, as V8 prints them. */
export function stackFromFrames (frames: readonly PausedFrame[], mapHere: boolean): string {
  return stackLines(mapHere ? frames.map(mapped) : frames)
}

/** An error whose stack is the paused one: what captureException reads (name, message, stack). */
export function blockedError (thresholdMs: number, frames: readonly PausedFrame[], mapHere: boolean): Error {
  const err = new Error(blockMessage(thresholdMs))
  err.name = BLOCK_ERROR_TYPE
  err.stack = `${BLOCK_ERROR_TYPE}: ${err.message}\n${stackFromFrames(frames, mapHere)}`
  return err
}
