import { findSourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { PausedFrame } from './watcher'

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
  const lines: string[] = []
  for (const raw of frames) {
    const f = mapHere ? mapped(raw) : raw
    const where = f.url === '' ? '<anonymous>' : `${f.url}:${f.line}:${f.col}`
    lines.push(f.fn === '' ? `    at ${where}` : `    at ${f.fn} (${where})`)
  }
  return lines.join('\n')
}

/** An error whose stack is the paused one: what captureException reads (name, message, stack). */
export function blockedError (thresholdMs: number, frames: readonly PausedFrame[], mapHere: boolean): Error {
  const err = new Error(`Event loop blocked for at least ${thresholdMs} ms`)
  err.name = 'EventLoopBlocked'
  err.stack = `EventLoopBlocked: ${err.message}\n${stackFromFrames(frames, mapHere)}`
  return err
}
