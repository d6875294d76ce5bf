import type { Pipeline } from '../pool/pipeline'
import { timeoutOr } from '../config/timeout'
import { exitHooks, type ExitParticipant } from './exit-hooks'

// One pipeline's part in the end of the process: at 'beforeExit' it waits for what is
// on its way, at 'exit' (or process.exit()) it blocks until that is sent or spooled,
// within one shutdownTimeout in all, and counts what is lost. A close or a signal that
// will end the process is announced to the workers the same way.

// At exit, at least this long (or a quarter of shutdownTimeout) is kept for spooling.
const EXIT_SPOOL_MIN_MS = 250

export class ExitDrain implements ExitParticipant {
  private readonly pipeline: Pipeline
  private readonly shutdownTimeout: number
  private drained = false
  /** When this exit's shutdownTimeout ends (set by the drain at 'exit'). */
  private deadline = 0
  /** The batch (enqueued count) that 'beforeExit' last waited for, and when that wait ends. */
  private beforeExitAt = -1
  private beforeExitDeadline = 0

  constructor (pipeline: Pipeline, shutdownTimeout: number) {
    this.pipeline = pipeline
    this.shutdownTimeout = shutdownTimeout
    exitHooks.add(this)
  }

  /** The drain at 'exit' (ExitParticipant); also run by process.exit() called in an earlier 'exit' listener. */
  readonly onExit = (): void => {
    // A closed pipeline takes no part: its close() flushed and settles what is left itself.
    if (this.drained || this.pipeline.isClosed) return
    this.drained = true
    const p = this.pipeline
    // One shutdownTimeout in all: what beforeExit already waited counts against it.
    const sameBatch = p.enqueuedCount() === this.beforeExitAt
    const timeout = sameBatch ? Math.max(0, this.beforeExitDeadline - Date.now()) : this.shutdownTimeout
    this.deadline = Date.now() + timeout
    p.afterEachEnqueue(this.drainLate)
    if (!sameBatch) this.announceExit(timeout)
    // What is neither sent nor spooled by now is lost with the process: counted, so a
    // later exit listener reading stats() sees where every event went.
    if (!p.flushSync(timeout)) this.abandonUnsettled('exited')
  }

  /** 'beforeExit' (ExitParticipant). */
  readonly onBeforeExit = (): void => {
    const p = this.pipeline
    if (p.isClosed) return
    // The loop emptied with events still on their way: wait for them asynchronously
    // (a ref'd timer keeps the loop alive), at most shutdownTimeout, once per batch.
    const enq = p.enqueuedCount()
    if (p.pending() > 0 && enq !== this.beforeExitAt) {
      this.beforeExitAt = enq
      this.beforeExitDeadline = Date.now() + this.shutdownTimeout
      this.announceExit(this.shutdownTimeout)
      p.flush(this.shutdownTimeout).catch(() => {}) // never rejects; a background promise must not be able to
    }
  }

  /**
   * A capture after the exit drain: an 'exit' listener the application added after
   * init() runs after ours, and nothing of ours runs after it (a listener added during
   * 'exit' is not called for it). So the event is drained now, within what is left of
   * the exit's shutdownTimeout, and counted (and said) as lost if it does not settle.
   */
  private readonly drainLate = (): void => {
    const left = Math.max(0, this.deadline - Date.now())
    this.announceExit(left)
    if (!this.pipeline.flushSync(left)) this.abandonUnsettled('exited')
  }

  /**
   * The process is ending within timeoutMs. Workers then spool (instead of send)
   * what they cannot send in time: the backlog beyond what the send rate they
   * measure now can clear, and everything still queued in the last quarter of the
   * time. What cannot be delivered now is kept for the next run instead of lost.
   * Nothing pending: nothing to announce. The flush that follows wakes the workers.
   */
  announceExit (timeoutMs: number): void {
    if (this.pipeline.pending() === 0) return
    const reserve = Math.min(timeoutMs, Math.max(EXIT_SPOOL_MIN_MS, timeoutMs / 4))
    const now = Date.now()
    this.pipeline.announceEnd(now + timeoutMs - reserve, now + timeoutMs)
  }

  /**
   * The process ends now (the exit handler returns, or a signal is raised again):
   * what is neither sent nor spooled is lost with it. Counted, so a later reader of
   * stats() sees where every event went, and said once, without debug too (stderr
   * to a pipe or file is synchronous here).
   */
  abandonUnsettled (how: 'exited' | 'is ending on a signal'): void {
    const lost = this.pipeline.settleUnsettled()
    if (lost > 0) this.pipeline.diagnose(`the process ${how} with ${lost} event(s) neither sent nor spooled within shutdownTimeout; they are lost (counted as dropped: shutdown_timeout).`, true)
  }

  /**
   * Closes the pipeline, announced like an exit: what cannot be sent in the time (an
   * outage, a hung ingest, sends in retry back-off or queued in the limiter) is
   * spooled instead (a custom transport sends on this thread: nothing to spool). Then
   * this pipeline leaves the process's exit. Never rejects.
   */
  async close (timeoutArg: number): Promise<boolean> {
    const p = this.pipeline
    if (p.isClosed) return true
    const timeoutMs = timeoutOr(timeoutArg, this.shutdownTimeout)
    if (!p.sendsOnMainThread) this.announceExit(timeoutMs)
    const ok = await p.close(timeoutMs)
    exitHooks.remove(this)
    return ok
  }
}
