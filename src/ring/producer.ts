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

  constructor (ring: RingViews) {
    this.r = ring
    this.mask = ring.capacity - 1
  }

  /** Copies the parts into one record. Returns its sequence number, or FULL / TOO_LARGE. */
  write (parts: readonly Uint8Array[], flags: number): WriteResult {
    const { header, data, words, capacity } = this.r
    let len = 0
    for (let i = 0; i < parts.length; i++) len += (parts[i] as Uint8Array).length
    const alen = align16(REC_HEADER + len)
    // Half the ring at most, so one record can never wedge the wrap logic.
    if (alen > capacity >>> 1) return TOO_LARGE

    const seq = Atomics.load(header, ENQ)
    if (this.slotsExhausted(seq)) return FULL

    let w = Atomics.load(header, WRITE) >>> 0
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
    // ENQ first: a consumer that settles this record must already see it counted,
    // or the DONE watermark could stop short of it.
    Atomics.store(header, ENQ, (seq + 1) | 0)
    Atomics.store(header, WRITE, w | 0)

    if (Atomics.load(header, SLEEPERS) > 0) {
      // A consumer is parked: wake it once per tick, or at once when the ring is filling up.
      if (((w - (Atomics.load(header, TAIL) >>> 0)) >>> 0) > capacity >>> 2) {
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
    const { header } = this.r
    return this.slotsExhausted(Atomics.load(header, ENQ)) || !this.hasRoom(Atomics.load(header, WRITE) >>> 0, minBytes)
  }

  /** maxQueuedEvents unsettled: another seq would reuse a settle slot still in use. */
  private slotsExhausted (seq: number): boolean {
    return ((seq - Atomics.load(this.r.header, DONE)) >>> 0) >= this.r.slotCount
  }

  /** Free bytes from cursor w, reclaiming what the consumers freed only when short. */
  private hasRoom (w: number, need: number): boolean {
    if (this.freeFrom(w) >= need) return true
    this.reclaim()
    return this.freeFrom(w) >= need
  }

  private freeFrom (w: number): number {
    return this.r.capacity - ((w - (Atomics.load(this.r.header, TAIL) >>> 0)) >>> 0)
  }

  /** Wakes every parked consumer now. */
  readonly notifyNow = (): void => {
    this.notifyPending = false
    Atomics.notify(this.r.header, WRITE)
  }

  /** Walks TAIL forward over records the consumers have freed. */
  private reclaim (): void {
    const { header, words } = this.r
    let t = Atomics.load(header, TAIL) >>> 0
    const claimed = Atomics.load(header, CLAIM) >>> 0
    while (t !== claimed) {
      const word = Atomics.load(words, (t & this.mask) >>> 2)
      if ((word & 3) !== STATE_FREE) break
      t = (t + (word >>> 2)) >>> 0
    }
    Atomics.store(header, TAIL, t | 0)
  }
}
