import {
  type RingViews, WRITE, TAIL, CLAIM, ENQ, DONE, SLEEPERS, REC_HEADER, STATE_READY, STATE_PAD, STATE_FREE, align16
} from './layout'

export type WriteResult = number // seq >= 0, or one of the negative codes below
export const FULL = -1
export const TOO_LARGE = -2

/**
 * Past this offset into the ring, a record goes back to the ring's start instead whenever every
 * record before it has been claimed (a PAD to the end, claimed by the producer itself). A steady
 * flow then keeps writing over the same few pages, and the ring's resident memory is what its
 * backlog needs, not its capacity: cycling through a 16 MiB ring made all of it resident after
 * one lap (~16 s at 5,000 events/s), for a backlog of a few KiB. A 64th of the ring: 256 KiB of
 * the default, ~1,300 records of ~200 bytes, far more than the workers let queue between two
 * claims; a backlog past it (a burst) uses the whole ring as before.
 */
export const RESTART_SHARE = 64

/**
 * The main thread's side of the ring. Single producer: only one thread may call
 * write(). Never blocks and never allocates beyond the ring: no room means a drop.
 */
export class RingProducer {
  private readonly r: RingViews
  private readonly mask: number
  private readonly restartAt: number
  private notifyPending = false
  // Copies of what only this thread writes (ENQ, WRITE, TAIL), and the last DONE read:
  // a capture reads no line the consumers write unless the ring looks full (or, for CLAIM, the
  // cursor is past restartAt: restartIfEmpty). DONE
  // only grows, so a check against an older value errs towards re-reading it, never
  // towards overwriting an unsettled slot. (Reading DONE, which every settle writes,
  // cost a cross-core cache miss per call.)
  private enq: number
  private w: number
  private tail: number
  private done: number
  // Where reserve() put the record it made room for, and the PAD before it (0: none).
  private reservedOff = 0
  private reservedPad = 0

  constructor (ring: RingViews) {
    this.r = ring
    this.mask = ring.capacity - 1
    this.restartAt = ring.capacity / RESTART_SHARE
    this.enq = Atomics.load(ring.header, ENQ)
    this.w = Atomics.load(ring.header, WRITE) >>> 0
    this.tail = Atomics.load(ring.header, TAIL) >>> 0
    this.done = Atomics.load(ring.header, DONE)
  }

  /** The seq the next write() will get. */
  nextSeq (): number { return this.enq }

  /** Copies the parts into one record. Returns its sequence number, or FULL / TOO_LARGE. */
  write (parts: readonly Uint8Array[], flags: number): WriteResult {
    let len = 0
    for (let i = 0; i < parts.length; i++) len += (parts[i] as Uint8Array).length
    let p = this.reserve(len)
    if (p < 0) return p
    const { data } = this.r
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as Uint8Array
      data.set(part, p)
      p += part.length
    }
    return this.commit(len, flags)
  }

  /**
   * Room for one record of up to maxLen payload bytes: the offset in the record area
   * where its payload goes, or FULL / TOO_LARGE. The caller writes the payload there
   * (nothing is visible to consumers yet), then calls commit() before any other
   * write() or reserve(). Lets capture encode straight into the ring.
   */
  reserve (maxLen: number): WriteResult {
    const { capacity } = this.r
    const alen = align16(REC_HEADER + maxLen)
    // Half the ring at most, so one record can never wedge the wrap logic.
    if (alen > capacity >>> 1) return TOO_LARGE
    if (this.slotsExhausted(this.enq)) return FULL
    if ((this.w & this.mask) >= this.restartAt) this.restartIfEmpty()
    const w = this.w
    const off = w & this.mask
    const contiguous = capacity - off
    if (!this.hasRoom(w, alen > contiguous ? alen + contiguous : alen)) return FULL
    // Not enough room before the end: commit() writes a PAD record there and we wrap to 0.
    this.reservedPad = alen > contiguous ? contiguous : 0
    this.reservedOff = this.reservedPad > 0 ? 0 : off
    return this.reservedOff + REC_HEADER
  }

  /** Publishes the record reserve() made room for, with its real length (at most the reserved one). Returns its seq. */
  commit (len: number, flags: number): number {
    const { header, words, capacity } = this.r
    const seq = this.enq
    const alen = align16(REC_HEADER + len)
    let w = this.w
    const pad = this.reservedPad
    if (pad > 0) Atomics.store(words, (w & this.mask) >>> 2, (pad << 2) | STATE_PAD)
    const wi = this.reservedOff >>> 2
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

  /**
   * Moves the cursor to the start of the next lap when nothing is left to claim: the rest of this
   * lap becomes a PAD that the producer claims itself (a consumer may beat it to the claim, which
   * is as good), so the padding never holds room while the consumers are busy elsewhere. Reads
   * CLAIM, which consumers write once per claimed record, not per capture.
   */
  private restartIfEmpty (): void {
    const { header, words, capacity } = this.r
    const w = this.w
    if ((Atomics.load(header, CLAIM) >>> 0) !== w) return
    // TAIL up to w first: the PAD overwrites bytes that records of the last lap may still span.
    this.reclaim()
    if (this.tail !== w) return
    const wi = (w & this.mask) >>> 2
    const pad = capacity - (w & this.mask)
    const next = (w + pad) >>> 0
    Atomics.store(words, wi, (pad << 2) | STATE_PAD)
    Atomics.store(header, WRITE, next | 0)
    if (Atomics.compareExchange(header, CLAIM, w | 0, next | 0) === (w | 0)) Atomics.store(words, wi, (pad << 2) | STATE_FREE)
    this.w = next
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
