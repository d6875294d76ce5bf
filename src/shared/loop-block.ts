// What the event-loop block watcher, the main thread and the delivery workers share about a
// block episode: the paused frames, the hand-off message by which a delivery worker sends the
// event while the main thread is still stuck, and the claim that lets exactly one of them send it.

/** A frame of the paused main thread, 1-based line and column as a V8 stack prints them. */
export interface PausedFrame { fn: string, url: string, line: number, col: number }

export const BLOCK_ERROR_TYPE = 'EventLoopBlocked'
export const BLOCK_MECHANISM = { type: 'event_loop_block', handled: false } as const

export function blockMessage (thresholdMs: number): string {
  return `Event loop blocked for at least ${thresholdMs} ms`
}

/** "    at fn (url:line:col)" lines, newest call first, as V8 prints them. */
export function stackLines (frames: readonly PausedFrame[]): string {
  const lines: string[] = []
  for (const f of frames) {
    const where = f.url === '' ? '<anonymous>' : `${f.url}:${f.line}:${f.col}`
    lines.push(f.fn === '' ? `    at ${where}` : `    at ${f.fn} (${where})`)
  }
  return lines.join('\n')
}

/**
 * Posted by the watcher on the delivery workers' BroadcastChannel when the main thread has
 * not resumed a while after its stack was taken: the event's parts, for one worker to build
 * and send as it does any other.
 */
export interface BlockHandoff {
  type: 'xrayradar-loop-block'
  episode: number
  /** The watch's shared memory: the Int32 at CLAIM_INDEX is the latest episode someone took. */
  claim: SharedArrayBuffer
  frames: PausedFrame[]
  /** The scope when the main thread last proved alive: packed global data, global crumbs, isolation data, isolation crumbs. */
  scope: Uint8Array[]
  thresholdMs: number
  /** Date.now() when the heartbeat the main thread missed was due: it has been stuck at least since then. */
  since: number
  /**
   * Node maps the main thread's stacks (--enable-source-maps), so the workers do not: the
   * paused positions are the generated ones, and the worker maps these frames itself.
   */
  mapFrames: boolean
}

/** Int32 index of the claim word in the watch's shared memory (bytes 12-15). */
export const CLAIM_INDEX = 3

/**
 * Takes episode n for the caller: true for exactly one caller per episode (the main thread
 * when its loop resumes, or the delivery worker that got the hand-off first).
 */
export function claimEpisode (words: Int32Array, episode: number): boolean {
  for (;;) {
    const cur = Atomics.load(words, CLAIM_INDEX)
    if (cur >= episode) return false
    if (Atomics.compareExchange(words, CLAIM_INDEX, cur, episode) === cur) return true
  }
}

export function isBlockHandoff (m: unknown): m is BlockHandoff {
  const h = m as BlockHandoff | null
  return typeof h === 'object' && h !== null && h.type === 'xrayradar-loop-block' && typeof h.episode === 'number' &&
    h.claim instanceof SharedArrayBuffer && Array.isArray(h.frames) && Array.isArray(h.scope) && typeof h.thresholdMs === 'number'
}
