import {
  type RingViews, WRITE, TAIL, CLAIM, ENQ, DONE, SLEEPERS, REC_HEADER, STATE_READY, STATE_PAD, STATE_FREE, align16
} from './layout'

export type WriteResult = number // seq >= 0, or one of the negative codes below
export const FULL = -1
export const TOO_LARGE = -2

/**
 * The main thread's side of the ring. Single producer: only one thread may call
 * write(). Never blocks and never allocates beyond the ring: no room means a drop.
 */
export class RingProducer {
  private readonly r: RingViews
  private readonly mask: number
  private notifyPending = false
  // Copies of what only this thread writes (ENQ, WRITE, TAIL), and the last DONE read:
  // a capture reads no line the consumers write unless the ring looks full. DONE
  // only grows, so a check against an older value errs towards re-reading it, never
  // towards overwriting an unsettled slot. (Reading DONE, which every settle writes,
  // cost a cross-core cache miss per call.)
  private enq: number
  private w: number
  private tail: number
  private done: number

  constructor (ring: RingViews) {
    this.r = ring
    this.mask = ring.capacity - 1
    this.enq = Atomics.load(ring.header, ENQ)
    this.w = Atomics.load(ring.header, WRITE) >>> 0
    this.tail = Atomics.load(ring.header, TAIL) >>> 0
    this.done = Atomics.load(ring.header, DONE)
  }

  /** The seq the next write() will get. */
  nextSeq (): number { return this.enq }

  /** Copies the parts into one record. Returns its sequence number, or FULL / TOO_LARGE. */
  write (parts: readonly Uint8Array[], flags: number): WriteResult {
    const { header, data, words, capacity } = this.r
    let len = 0
    for (let i = 0; i < parts.length; i++) len += (parts[i] as Uint8Array).length
    const alen = align16(REC_HEADER + len)
    // Half the ring at most, so one record can never wedge the wrap logic.
    if (alen > capacity >>> 1) return TOO_LARGE

    const seq = this.enq
    if (this.slotsExhausted(seq)) return FULL

    let w = this.w
    let off = w & this.mask
    const contiguous = capacity - off
    if (!this.hasRoom(w, alen > contiguous ? alen + contiguous : alen)) return FULL
    let pad = 0
    if (alen > contiguous) {
      // Not enough room before the end: a PAD record fills it and we wrap to 0.
      Atomics.store(words, off >>> 2, (contiguous << 2) | STATE_PAD)
      pad = contiguous
      off = 0
    }
    let p = off + REC_HEADER
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as Uint8Array
      data.set(part, p)
      p += part.length
    }
    const wi = off >>> 2
    words[wi + 1] = seq
    words[wi + 2] = len
    words[wi + 3] = flags
    Atomics.store(words, wi, (alen << 2) | STATE_READY)
    w = (w + pad + alen) >>> 0
    this.w = w
    this.enq = (seq + 1) | 0
    // ENQ first: a consumer that settles this record must already see it counted,
    // or the DONE watermark could stop short of it.
    Atomics.store(header, ENQ, this.enq)
    Atomics.store(header, WRITE, w | 0)

    if (Atomics.load(header, SLEEPERS) > 0) {
      // A consumer is parked: wake it once per tick, or at once when the ring is filling
      // up with records nobody claimed. (Measured from TAIL, which moves only when the
      // producer runs short of room, this was "filling up" from 4 MiB after each reclaim
      // on, and every capture then paid a synchronous notify.)
      if (((w - (Atomics.load(header, CLAIM) >>> 0)) >>> 0) > capacity >>> 2) {
        Atomics.notify(header, WRITE)
      } else if (!this.notifyPending) {
        this.notifyPending = true
        queueMicrotask(this.notifyNow)
      }
    }
    return seq
  }

  /**
   * True when even a small record would not fit now (after reclaiming what the
   * consumers freed). Capture checks this first so a full ring costs a dropped
   * event nothing: no stack read, no packing.
   */
  isFull (minBytes: number): boolean {
    return this.slotsExhausted(this.enq) || !this.hasRoom(this.w, minBytes)
  }

  /** maxQueuedEvents unsettled: another seq would reuse a settle slot still in use. */
  private slotsExhausted (seq: number): boolean {
    if (((seq - this.done) >>> 0) < this.r.slotCount) return false
    this.done = Atomics.load(this.r.header, DONE)
    return ((seq - this.done) >>> 0) >= this.r.slotCount
  }

  /** Free bytes from cursor w, reclaiming what the consumers freed only when short. */
  private hasRoom (w: number, need: number): boolean {
    if (this.freeFrom(w) >= need) return true
    this.reclaim()
    return this.freeFrom(w) >= need
  }

  private freeFrom (w: number): number {
    return this.r.capacity - ((w - this.tail) >>> 0)
  }

  /** Wakes every parked consumer now. */
  readonly notifyNow = (): void => {
    this.notifyPending = false
    Atomics.notify(this.r.header, WRITE)
  }

  /** Walks TAIL forward over records the consumers have freed. */
  private reclaim (): void {
    const { header, words } = this.r
    let t = this.tail
    const claimed = Atomics.load(header, CLAIM) >>> 0
    while (t !== claimed) {
      const word = Atomics.load(words, (t & this.mask) >>> 2)
      if ((word & 3) !== STATE_FREE) break
      t = (t + (word >>> 2)) >>> 0
    }
    this.tail = t
    Atomics.store(header, TAIL, t | 0)
  }
}
