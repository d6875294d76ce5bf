// Starts the bare sender (bare-sender-worker.cjs) in a worker thread of this process.
import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import slots from './bare-sender-slots.cjs'

const WORKER = fileURLToPath(new URL('./bare-sender-worker.cjs', import.meta.url))
const { ASKED, ANSWERED, SLOTS } = slots

/** The store URL's origin and path for a DSN of the bench's collector. */
export function storeTarget (dsn) {
  const u = new URL(dsn)
  return { origin: u.origin, path: `/api${u.pathname}/store/` }
}

/**
 * mode fast (perSecond: a budget per second) / paced: resolves once online; go() starts the sends and resolves with
 * { ok, failed } when all n are answered. mode counted: ask() requests one more send
 * (one Atomics.add on the caller's thread), flush(ms) waits until all asked are answered.
 */
export async function startBareSender ({ dsn, body, mode, n = 0, rate = 0, tickMs = 10, perSecond = 0 }) {
  const undiciPath = createRequire(import.meta.url).resolve('undici')
  const counts = mode === 'counted' ? new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT)) : null
  const worker = new Worker(WORKER, { workerData: { undiciPath, ...storeTarget(dsn), body, mode, n, rate, tickMs, perSecond, counts: counts?.buffer } })
  await new Promise((resolve) => worker.once('online', resolve))
  return {
    go () {
      const done = new Promise((resolve) => worker.once('message', resolve))
      worker.postMessage('go')
      return done
    },
    ask () { Atomics.add(counts, ASKED, 1) },
    async flush (ms) {
      const end = performance.now() + ms
      while (Atomics.load(counts, ANSWERED) < Atomics.load(counts, ASKED)) {
        if (performance.now() > end) return false
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      return true
    },
    terminate: () => worker.terminate()
  }
}
