import { appendFile } from 'node:fs/promises'
import type { WireEvent } from '../shared/types'
import { BoundedList } from './bounded-list'
import { createEventStore, type EventStore } from './event-store'
import { createLiveStream, type LiveStream } from './live-stream'
import type { AccessPolicy } from './page-access'
import { createPageRoutes, type PageRoutes } from './page-routes'
import { summaryLine } from './summary-line'
import type { CollectorOptions, Fault, StoreRequest } from './types'

// Everything one collector holds, made once by startCollector (server.ts) and passed to the
// request handlers (routes.ts) and to the Collector's methods; the changes that take more
// than one assignment are the functions below.

/** Largest store body when maxBodyBytes is not given, bytes: ten times the SDK's default maxPayloadSize (100 KiB), so its events always fit. */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
/** Events (and store request records) kept when keep is not given: the size the page is measured at (docs/collector.md), a page of its list in about a millisecond. */
const DEFAULT_KEEP = 100_000

interface Waiter { n: number, resolve: (ok: boolean) => void }

export interface CollectorState {
  readonly maxBodyBytes: number
  readonly token: string | null
  /** The token and the listen address, as the access rules (page-access.ts) read them. */
  readonly access: AccessPolicy
  readonly projects: string[] | null
  readonly file: string | null
  readonly acceptSentryEnvelopes: boolean
  readonly log: ((line: string) => void) | null
  /** The kept events and their groups: what Collector.events, the page and waitForEvents read. */
  readonly store: EventStore
  readonly requests: BoundedList<StoreRequest>
  readonly counts: Record<string, number>
  readonly live: LiveStream
  readonly page: PageRoutes
  fault: Fault | null
  waiters: Waiter[]
  /** The appends to `file`, in order: close() waits for the last. */
  fileChain: Promise<void>
  /**
   * Answers a latency fault is holding back: close() drops them (their connections are gone
   * by then), or their timers would keep the process alive for up to latencyMs after it.
   */
  readonly held: Set<NodeJS.Timeout>
}

export function createCollectorState (options: CollectorOptions, listenHost: string): CollectorState {
  const keep = options.keep ?? DEFAULT_KEEP
  const store = createEventStore(keep)
  const live = createLiveStream(() => ({ lastSeq: store.received, kept: store.kept, received: store.received }))
  const token = options.token ?? null
  const access = { token, listenHost }
  return {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    token,
    access,
    projects: options.projects ?? null,
    file: options.file ?? null,
    acceptSentryEnvelopes: options.acceptSentryEnvelopes === true,
    log: options.log === true ? (l: string) => process.stdout.write(l + '\n') : typeof options.log === 'function' ? options.log : null,
    store,
    requests: new BoundedList<StoreRequest>(keep),
    counts: {},
    live,
    page: createPageRoutes(store, live, access),
    fault: options.fault ?? null,
    waiters: [],
    fileChain: Promise.resolve(),
    held: new Set()
  }
}

export function recordRequest (state: CollectorState, project: string, status: number): void {
  state.requests.push({ at: Date.now(), project, status })
}

/** An accepted event: counted, kept, announced to open pages, logged, appended to the file, and any waiter it satisfies woken. */
export function storeEvent (state: CollectorState, project: string, event: WireEvent, bytes: number): void {
  state.counts[project] = (state.counts[project] ?? 0) + 1
  state.store.add(project, event, bytes)
  state.live.notify()
  if (state.log !== null) state.log(summaryLine(project, event))
  const file = state.file
  if (file !== null) {
    const line = JSON.stringify(event) + '\n'
    state.fileChain = state.fileChain.then(() => appendFile(file, line, { mode: 0o600 })).catch(() => {})
  }
  const kept = state.store.kept
  state.waiters = state.waiters.filter((w) => { if (kept >= w.n) { w.resolve(true); return false } return true })
}

/** The fault to apply, or null when it has no uses left (a count of 0 or less). */
export function activeFault (f: Fault): Fault | null {
  return f.count !== undefined && f.count <= 0 ? null : f
}

/** The fault for one store request, if any; the request uses up one of a counted fault's uses. */
export function takeFault (state: CollectorState): Fault | null {
  const f = state.fault
  if (f !== null && f.count !== undefined && --f.count <= 0) state.fault = null
  return f
}

export function waitForEvents (state: CollectorState, n: number, timeoutMs: number): Promise<boolean> {
  if (state.store.kept >= n) return Promise.resolve(true)
  return new Promise((resolve) => {
    const w = { n, resolve: (ok: boolean) => { clearTimeout(timer); resolve(ok) } }
    const timer = setTimeout(() => { state.waiters = state.waiters.filter((x) => x !== w); resolve(false) }, timeoutMs)
    state.waiters.push(w)
  })
}

/** Waits ms before answering (a latency fault), unless close() drops the answer first. */
export async function holdAnswer (state: CollectorState, ms: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => { state.held.delete(timer); resolve() }, ms)
    state.held.add(timer)
  })
}

/** Drops every held answer (see `held`). */
export function dropHeldAnswers (state: CollectorState): void {
  for (const timer of state.held) clearTimeout(timer)
  state.held.clear()
}
