// A capture's main-thread time with its stack already formatted, as figures 1b and 1c time it:
// batches of errors made (and formatted) before the clock starts, each batch captured back to
// back, then a pause so the workers drain without sharing the timed loop's core.
import { setTimeout as sleep } from 'node:timers/promises'
import { makeError } from './data.mjs'

/** An error whose stack is formatted already (the first read of .stack formats it). */
export function formattedError () {
  const e = makeError()
  if (typeof e.stack !== 'string') throw new Error('no stack')
  return e
}

/** µs per capture(error), one figure per batch of `batch` errors; `batches` batches, 10 ms apart. */
export async function perCallUs (capture, { batches, batch }) {
  const perCall = []
  for (let b = 0; b < batches; b++) {
    const errors = Array.from({ length: batch }, formattedError)
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) capture(errors[i])
    perCall.push(Number(process.hrtime.bigint() - t0) / 1000 / batch)
    await sleep(10)
  }
  return perCall
}
