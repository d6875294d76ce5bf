import { zeroStats, type Client } from './client'
import { getIsolationScope, recordBreadcrumb } from './hub'
import type { Breadcrumb, CaptureOptions, Level, RequestInfo, Stats, User } from '../shared/types'

// The process-wide client behind the module-level functions. Scope setters work
// before init() (the data waits in the scope); captures before init() are no-ops.

let current: Client | null = null
// The client close() ended, so stats() after `await close()` still reports what it did.
let closedClient: Client | null = null

/** Makes next the global client (init() does, in src/sdk.ts); returns the one it replaces, for the caller to close. */
export function replaceCurrentClient (next: Client): Client | null {
  const previous = current
  current = next
  return previous
}

export function currentClient (): Client | null { return current }

export function captureException (error?: unknown, opts?: CaptureOptions): string | undefined {
  return current?.captureExceptionBelow(error, opts, captureException)
}

export function captureMessage (message: string, opts?: CaptureOptions | Level): string | undefined {
  return current?.captureMessage(message, opts)
}

export function addBreadcrumb (crumb: Breadcrumb): void {
  if (current !== null) current.addBreadcrumb(crumb)
  // Before init() there are no options (beforeBreadcrumb, maxBreadcrumbs): keep the default 100.
  else recordBreadcrumb(crumb, null, 100)
}

export function setUser (user: User | null): void { getIsolationScope().setUser(user) }
export function setTag (key: string, value: unknown): void { getIsolationScope().setTag(key, value) }
export function setTags (tags: Record<string, unknown>): void { getIsolationScope().setTags(tags) }
export function setExtra (key: string, value: unknown): void { getIsolationScope().setExtra(key, value) }
export function setContext (name: string, data: Record<string, unknown> | null): void { getIsolationScope().setContext(name, data) }
export function setRequest (request: RequestInfo | null): void { getIsolationScope().setRequest(request) }
export function clearBreadcrumbs (): void { getIsolationScope().clearBreadcrumbs() }

export async function flush (timeoutMs?: number): Promise<boolean> {
  return current === null ? true : await current.flush(timeoutMs)
}

/** Blocking flush for shutdown code that cannot await; see Client.flushSync. */
export function flushSync (timeoutMs?: number): boolean {
  return current === null ? true : current.flushSync(timeoutMs)
}

export async function close (timeoutMs?: number): Promise<boolean> {
  const c = current
  current = null
  if (c !== null) closedClient = c
  return c === null ? true : await c.close(timeoutMs)
}

/**
 * Counts of the global client since its init(); after close(), its final counts; before
 * any init(), all zero (captures before init() are not recorded, so none is counted).
 */
export function stats (): Stats {
  const c = current ?? closedClient
  if (c !== null) return c.stats()
  return zeroStats()
}
