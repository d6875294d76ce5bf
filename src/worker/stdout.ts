import { writeSync } from 'node:fs'

// A worker's process.stdout and process.stderr are relayed through the main
// thread's event loop. At exit that thread is blocked in the exit handler (or
// gone), so what a worker wrote there never arrived. Debug output and diagnostic
// lines are written to the file descriptor directly instead.

// A non-blocking descriptor that is momentarily full (EAGAIN) is retried this many times.
const EAGAIN_RETRIES = 100

function writeFd (fd: number, text: string): void {
  let buf = Buffer.from(text)
  for (let tries = 0; buf.length > 0 && tries <= EAGAIN_RETRIES;) {
    try {
      buf = buf.subarray(writeSync(fd, buf))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return // closed: nothing to print to
      tries++
    }
  }
}

/** Writes text to the process's stdout now, from any thread; never throws. */
export function writeStdout (text: string): void { writeFd(1, text) }

/** Writes text to the process's stderr now, from any thread; never throws. */
export function writeStderr (text: string): void { writeFd(2, text) }
