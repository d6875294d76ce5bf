import { Worker } from 'node:worker_threads'

// Which of the host's Node flags the delivery workers get. A Worker refuses
// per-process and V8 flags (--max-old-space-size, --title, --jitless, ...) with
// ERR_WORKER_INVALID_EXEC_ARGV, and which flags those are differs between Node
// versions (--permission is refused on 20 and accepted on 22/24). So Node itself
// decides: each flag is offered to a Worker constructor, which validates execArgv
// before it starts a thread.

// Preloads (--require/--import/--loader) would run the host's instrumentation
// again in every worker; the worker needs none of them.
const PRELOAD = /^(--require|-r|--import|--loader|--experimental-loader)$/
const PRELOAD_INLINE = /^(--require|--import|--loader|--experimental-loader)=/

// A function cannot be cloned: the probe Worker fails at its first postMessage,
// which comes after execArgv is validated and before the thread would start.
const UNCLONEABLE = (): void => {}
// What that clone failure reports (DOMException DATA_CLONE_ERR): the flags passed.
const DATA_CLONE_ERR = 25

export interface WorkerArgv {
  /** The flags the workers are given. */
  accepted: string[]
  /** Host flags a Worker refuses (each with its value), left out. */
  refused: string[]
}

/** Thrown by probe when no Worker can be created at all (permission model, resources). */
export class WorkersUnavailable extends Error {}

/** Whether a Worker accepts these flags. */
function accepts (flags: string[]): boolean {
  try {
    const w = new Worker('', { eval: true, execArgv: flags, workerData: UNCLONEABLE, stdout: true, stderr: true })
    // A Node that validated the clone later than it started the thread: stop it at once.
    void w.terminate().catch(() => {})
    return true
  } catch (err) {
    const e = err as { code?: unknown, name?: unknown, message?: unknown }
    if (e.code === DATA_CLONE_ERR || e.name === 'DataCloneError') return true
    if (e.code === 'ERR_WORKER_INVALID_EXEC_ARGV') return false
    throw new WorkersUnavailable(`${typeof e.code === 'string' ? `${e.code}: ` : ''}${String(e.message)}`)
  }
}

/** Groups execArgv into one flag and the values that follow it (execArgv holds no script names). */
function groups (argv: readonly string[]): string[][] {
  const out: string[][] = []
  for (const a of argv) {
    const last = out.at(-1)
    if (!a.startsWith('-') && last !== undefined) last.push(a)
    else out.push([a])
  }
  return out
}

/**
 * The host's execArgv without preloads and without what a Worker refuses.
 * Throws WorkersUnavailable when a probe finds this process cannot create a Worker at all.
 */
export function workerExecArgv (argv: readonly string[] = process.execArgv): WorkerArgv {
  const candidate = groups(argv).filter((g) => !PRELOAD.test(g[0] as string) && !PRELOAD_INLINE.test(g[0] as string))
  const all = candidate.flat()
  // The common cases cost no probe (no flags) or one (only flags a Worker takes).
  if (all.length === 0 || accepts(all)) return { accepted: all, refused: [] }
  const accepted: string[] = []
  const refused: string[] = []
  for (const g of candidate) (accepts(g) ? accepted : refused).push(...g)
  return { accepted, refused }
}
