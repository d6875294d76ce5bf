import { BroadcastChannel } from 'node:worker_threads'
import { randomUUID } from 'node:crypto'
import { Packr } from 'msgpackr'
import { partToTuple, type EventPart } from '../event/assemble'
import { partsFlags } from '../ring/layout'
import { BLOCK_ERROR_TYPE, BLOCK_MECHANISM, blockMessage, claimEpisode, isBlockHandoff, stackLines, type BlockHandoff } from '../shared/loop-block'

// A delivery worker's side of an event-loop block the main thread is still stuck in: the
// watcher posts the episode on this pool's BroadcastChannel; the worker that claims it first
// turns it into a record in the ring's parts format (the event part plus the four scope blobs
// inline) and hands it to the same build, scrub, size and send steps as any event.

// The same settings as the main thread's packer: the builder unpacks with them.
const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true })

/** The hand-off as record bytes and flags for EventBuilder.build(). */
export function handoffRecord (h: BlockHandoff, now: number): { payload: Uint8Array, flags: number } {
  const scope = [0, 1, 2, 3].map((k) => (h.scope[k] instanceof Uint8Array ? h.scope[k] as Uint8Array : new Uint8Array(0)))
  const part: EventPart = {
    // UUID v4 form, as the main thread's ids.
    id: randomUUID(),
    ts: now,
    level: 'error',
    kind: 'exception',
    message: null,
    exc: [{ type: BLOCK_ERROR_TYPE, value: blockMessage(h.thresholdMs), stack: `${BLOCK_ERROR_TYPE}: ${blockMessage(h.thresholdMs)}\n${stackLines(h.frames)}` }],
    tags: null,
    // Still blocked when sent: how long it lasted is not known, only how long it had so far.
    extra: { event_loop_blocked_ms: Math.max(h.thresholdMs, Math.round(now - h.since)), event_loop_block_ended: false, event_loop_block_threshold_ms: h.thresholdMs },
    user: null,
    fingerprint: null,
    contexts: { mechanism: { ...BLOCK_MECHANISM } },
    // Id 0: not cached by the builder; offset -1: the bytes follow the part, in order.
    blobs: scope.flatMap((b) => [0, -1, b.length]),
    trace: null
  }
  const head = Uint8Array.prototype.slice.call(packr.pack(partToTuple(part))) as Uint8Array
  const payload = new Uint8Array(head.length + scope.reduce((n, b) => n + b.length, 0))
  payload.set(head, 0)
  let at = head.length
  for (const b of scope) { payload.set(b, at); at += b.length }
  return { payload, flags: partsFlags(head.length) }
}

/** Listens for hand-offs on `channel`; `deliver` gets each episode this worker claimed. Returns the stop. */
export function listenForBlockHandoffs (channel: string, deliver: (payload: Uint8Array, flags: number, mapFrames: boolean) => void): () => void {
  const bc = new BroadcastChannel(channel)
  // Never what keeps this thread (or the process) running.
  ;(bc as unknown as { unref?: () => void }).unref?.()
  bc.onmessage = (e: unknown) => {
    const h = (e as { data?: unknown }).data
    if (!isBlockHandoff(h)) return
    if (!claimEpisode(new Int32Array(h.claim), h.episode)) return
    const { payload, flags } = handoffRecord(h, Date.now())
    deliver(payload, flags, h.mapFrames === true)
  }
  return () => bc.close()
}
