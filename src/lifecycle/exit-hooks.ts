// One set of process listeners ('exit' first and in order, 'beforeExit') for every
// pipeline's exit drain in the process. A replaced client keeps its pipeline until its close() has
// flushed, asynchronously, so listeners per drain would pile up when init() is called
// again and again (a dev server reloading, a setup per test file) and cross Node's
// MaxListeners (10), which prints a leak warning.

type ExitFn = (code?: number) => never

/** What an exit drain (lifecycle/exit-drain.ts) does when the process ends. */
export interface ExitParticipant {
  /** The drain at 'exit' (and before process.exit() ends the process). Must not throw. */
  onExit (): void
  /** The loop ran dry: wait asynchronously for what is on its way. Must not throw. */
  onBeforeExit (): void
}

class ExitHooks {
  /** In creation order: a replaced client's drain runs before its successor's. */
  private readonly members = new Set<ExitParticipant>()

  private readonly onExit = (): void => {
    for (const m of [...this.members]) {
      try { m.onExit() } catch {}
    }
  }

  /**
   * First 'exit' listener. Node calls 'exit' listeners in order, and process.exit()
   * inside one ends the process at once, skipping the listeners after it (ours runs
   * last when the application registered its own before init()). So for the rest of
   * this exit, process.reallyExit (what process.exit() ends in) drains first.
   */
  private readonly onExitFirst = (): void => {
    const proc = process as unknown as { reallyExit?: ExitFn }
    const reallyExit = proc.reallyExit
    if (typeof reallyExit !== 'function') return
    const onExit = this.onExit
    proc.reallyExit = function (this: unknown, ...args: [number?]): never {
      try { onExit() } catch {}
      return reallyExit.apply(this, args)
    }
  }

  private readonly onBeforeExit = (): void => {
    for (const m of [...this.members]) {
      try { m.onBeforeExit() } catch {}
    }
  }

  add (m: ExitParticipant): void {
    if (this.members.size === 0) {
      process.prependListener('exit', this.onExitFirst)
      process.on('exit', this.onExit)
      process.on('beforeExit', this.onBeforeExit)
    }
    this.members.add(m)
  }

  remove (m: ExitParticipant): void {
    if (!this.members.delete(m) || this.members.size > 0) return
    process.removeListener('exit', this.onExitFirst)
    process.removeListener('exit', this.onExit)
    process.removeListener('beforeExit', this.onBeforeExit)
  }
}

/** The process's one set of exit listeners. */
export const exitHooks = new ExitHooks()
