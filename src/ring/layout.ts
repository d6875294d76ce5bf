// Shared memory layout of the ring: one SharedArrayBuffer holding a header of
// Int32 counters, a table of settle stamps, the record bytes and the blob area
// (scope and stack bytes that many records reference; see blob-writer.ts).
// Hot fields sit on their own 64-byte line so the producer and the consumers
// do not false-share.

export const LINE = 16 // Int32 slots per 64-byte cache line

export const WRITE = 0 * LINE // producer cursor, bytes, wraps at 2^32
// Events published (next sequence number). On WRITE's line: the producer stores both
// per record and consumers read both, so a capture takes one line back, not two.
export const ENQ = WRITE + 1
export const CLAIM = 1 * LINE // next unclaimed record, consumers CAS it
export const TAIL = 2 * LINE // reclaimed cursor, producer only
export const DONE = 4 * LINE // in-order settled watermark: every seq < DONE is settled
// Enqueued events settled so far, in any order. DONE stops at the oldest unsettled
// seq (one hung request holds it back while later ones are delivered), so ENQ - DONE
// overstates what is still on its way; ENQ - SETTLED is exact. On DONE's line: the
// same threads (whoever settles) write both.
export const SETTLED = DONE + 1
export const SLEEPERS = 5 * LINE // consumers parked in waitAsync
export const CLOSED = 6 * LINE // 1 once close() began: consumers finish and stop
export const FLAGS = 7 * LINE // one-shot diagnostics already printed (bit set)
export const WAITERS = 7 * LINE + 1 // flushes parked on DONE
export const WAKE_AT = 7 * LINE + 2 // lowest DONE a parked flush waits for
export const EXITING = 7 * LINE + 3 // exit announcements so far (0: none); see exitTimes and exitGeneration
// Two Float64 (four Int32 slots, 8-byte aligned) of the latest exit announcement: see RingViews.exitTimes.
export const EXIT_TIMES = 7 * LINE + 4
export const MORE_FLAGS = 7 * LINE + 8 // one-shot diagnostics past FLAGS' 31 bits
export const STATS = 8 * LINE // counters, see STAT below

/** Counters; every accepted event ends in exactly one of delivered/dropped_*. */
export const STAT = {
  captured: 0,
  // Events captured off the main thread (a delivery worker sending an event-loop block the
  // main thread is still stuck in): shared, unlike the main thread's own captured count.
  captured_off_thread: 1,
  delivered: 2,
  sampled: 3,
  before_send: 4,
  queue_full: 5,
  rate_limited: 6,
  network_error: 7,
  rejected: 8,
  too_large: 9,
  disabled: 10,
  internal_error: 11,
  worker_crashed: 12,
  spooled: 13,
  spool_full: 14,
  spool_delivered: 15,
  spool_rejected: 16,
  spool_corrupt: 17,
  spool_expired: 18,
  worker_unavailable: 19,
  // Spooling failed (directory unsafe or unusable, disk full, write error): not spool_full, which is only the spoolMaxBytes bound.
  spool_error: 20,
  shutdown_timeout: 21,
  grouped: 22
} as const
export type StatName = keyof typeof STAT
export const DROP_REASONS = ['sampled', 'before_send', 'queue_full', 'rate_limited', 'network_error', 'rejected', 'too_large', 'disabled', 'internal_error', 'worker_crashed', 'spool_full',
  'worker_unavailable', 'spool_error', 'shutdown_timeout', 'grouped'] as const
export type DropReason = typeof DROP_REASONS[number]

export const STAT_LINES = 2 // room for 32 counters
export const HEADER_INTS = STATS + LINE * STAT_LINES
export const HEADER_BYTES = HEADER_INTS * 4

// Record header, 16 bytes: word0 = (alignedLen << 2) | state, seq, payload length, flags.
export const REC_HEADER = 16
export const STATE_READY = 1
export const STATE_PAD = 2
export const STATE_FREE = 3

/**
 * Record flags: how the worker should read the payload.
 * REC_FULL: one msgpack value, an event already merged (beforeSend ran).
 * Otherwise (low bit 0): flags >>> 1 is the byte length of the packed event part.
 * The part lists its four scope blobs as [id, offset, length] triples: offset >= 0
 * is a place in the blob area, -1 means the bytes follow the part, in order.
 */
export const REC_FULL = 1
export function partsFlags (eventPartLength: number): number { return eventPartLength << 1 }

export interface RingViews {
  sab: SharedArrayBuffer
  header: Int32Array
  slots: Int32Array // settle stamps, indexed by seq & (slotCount - 1)
  owners: Int32Array // thread id of the consumer that claimed the seq …
  ownedSeqs: Int32Array // … and that seq, so a stale entry from an earlier lap is not mistaken for it
  data: Uint8Array
  words: Int32Array // same bytes as data, for record headers
  blobArea: Uint8Array // written by the main thread only, read by the workers
  /** Of the latest exit announcement: [0] epoch ms from which workers spool everything still queued, [1] the deadline. */
  exitTimes: Float64Array
  capacity: number
  slotCount: number
}

export function align16 (n: number): number { return (n + 15) & ~15 }

function pow2AtLeast (n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

/** The blob area takes a quarter of the record capacity on top of it. */
export function blobAreaBytes (capacity: number): number { return capacity >>> 2 }

/** Allocates the ring. capacity is rounded up to a power of two. */
export function createRing (capacityBytes: number, slotCount: number): RingViews {
  const capacity = pow2AtLeast(Math.max(4096, capacityBytes))
  const slots = pow2AtLeast(Math.max(64, slotCount))
  const sab = new SharedArrayBuffer(HEADER_BYTES + slots * 12 + capacity + blobAreaBytes(capacity))
  return viewRing(sab, capacity, slots)
}

export function viewRing (sab: SharedArrayBuffer, capacity: number, slotCount: number): RingViews {
  const dataOffset = HEADER_BYTES + slotCount * 12
  return {
    sab,
    header: new Int32Array(sab, 0, HEADER_INTS),
    slots: new Int32Array(sab, HEADER_BYTES, slotCount),
    owners: new Int32Array(sab, HEADER_BYTES + slotCount * 4, slotCount),
    ownedSeqs: new Int32Array(sab, HEADER_BYTES + slotCount * 8, slotCount),
    data: new Uint8Array(sab, dataOffset, capacity),
    words: new Int32Array(sab, dataOffset, capacity / 4),
    blobArea: new Uint8Array(sab, dataOffset + capacity, blobAreaBytes(capacity)),
    exitTimes: new Float64Array(sab, EXIT_TIMES * 4, 2),
    capacity,
    slotCount
  }
}

// A process still running this long after an exit deadline did not exit (a
// beforeExit listener scheduled more work): the announcement lapses.
const EXIT_GRACE_MS = 1000

/** The exit announcement in force at `now`: its generation, or 0 when there is none. */
export function exitGeneration (r: RingViews, now: number): number {
  const gen = Atomics.load(r.header, EXITING)
  return gen !== 0 && now <= (r.exitTimes[1] as number) + EXIT_GRACE_MS ? gen : 0
}

export function count (header: Int32Array, name: StatName, n = 1): void {
  Atomics.add(header, STATS + STAT[name], n)
}

export function readStat (header: Int32Array, name: StatName): number {
  return Atomics.load(header, STATS + STAT[name]) >>> 0
}
