import { writeSync } from 'node:fs'

// A worker's process.stdout is relayed through the main thread's event loop. At
// exit that thread is blocked in the exit handler (or gone), so what a worker
// printed there never arrived. Debug output is written to fd 1 directly instead.

// A non-blocking stdout that is momentarily full (EAGAIN) is retried this many times.
const EAGAIN_RETRIES = 100

/** Writes text to the process's stdout now, from any thread; never throws. */
export function writeStdout (text: string): void {
  let buf = Buffer.from(text)
  for (let tries = 0; buf.length > 0 && tries <= EAGAIN_RETRIES;) {
    try {
      buf = buf.subarray(writeSync(1, buf))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return // stdout closed: nothing to print to
      tries++
    }
  }
}
