import {
  type RingViews, WRITE, CLAIM, DONE, ENQ, SETTLED, WAITERS, WAKE_AT, REC_HEADER, STATE_PAD, STATE_FREE, STATS, STAT, type DropReason
} from './layout'

export interface ClaimedRecord {
  seq: number
  flags: number
  payload: Uint8Array // a private copy: the ring slot is already free again
}

/**
 * A consumer's side of the ring. Many consumers may claim concurrently; each
 * record goes to exactly one of them.
 */
export class RingConsumer {
  private readonly r: RingViews
  private readonly mask: number
  private readonly ownerId: number

  /** ownerId: this consumer's thread id, recorded per claimed seq so a dead consumer's events can be accounted for. */
  constructor (ring: RingViews, ownerId = 0) {
    this.r = ring
    this.mask = ring.capacity - 1
    this.ownerId = ownerId
  }

  claim (): ClaimedRecord | null {
    const { header, data, words } = this.r
    for (;;) {
      const c = Atomics.load(header, CLAIM) >>> 0
      if (c === (Atomics.load(header, WRITE) >>> 0)) return null
      const wi = (c & this.mask) >>> 2
      const word = Atomics.load(words, wi)
      const alen = word >>> 2
      if (alen === 0) return null // not published yet (cannot happen below WRITE, but never spin on it)
      if (Atomics.compareExchange(header, CLAIM, c | 0, (c + alen) | 0) !== (c | 0)) continue
      if ((word & 3) === STATE_PAD) {
        Atomics.store(words, wi, (alen << 2) | STATE_FREE)
        continue
      }
      const seq = words[wi + 1] as number
      const slot = seq & (this.r.slotCount - 1)
      // Settled before anyone claimed it (close() or the exit deadline counted it as
      // shutdown_timeout): its outcome is final, so it is not built and sent after all, and the
      // blob-area bytes it references (released once it was settled) are not read.
      if (Atomics.load(this.r.slots, slot) === ((seq + 1) | 0)) {
        Atomics.store(words, wi, (alen << 2) | STATE_FREE)
        continue
      }
      Atomics.store(this.r.owners, slot, this.ownerId)
      Atomics.store(this.r.ownedSeqs, slot, seq)
      const len = words[wi + 2] as number
      const flags = words[wi + 3] as number
      const start = (c & this.mask) + REC_HEADER
      const payload = data.slice(start, start + len)
      Atomics.store(words, wi, (alen << 2) | STATE_FREE)
      return { seq, flags, payload }
    }
  }

  /**
   * Settles, as worker_crashed, every unsettled event that the given (dead) consumer
   * had claimed: they were in its memory and are gone. Returns how many.
   */
  settleOrphans (deadOwner: number): number {
    const { header, slots, owners, ownedSeqs } = this.r
    const mask = this.r.slotCount - 1
    const end = Atomics.load(header, ENQ)
    let n = 0
    for (let seq = Atomics.load(header, DONE); seq !== end; seq = (seq + 1) | 0) {
      const slot = seq & mask
      if (Atomics.load(slots, slot) === ((seq + 1) | 0)) continue
      if (Atomics.load(ownedSeqs, slot) !== seq || Atomics.load(owners, slot) !== deadOwner) continue
      this.settle(seq, 'worker_crashed')
      n++
    }
    return n
  }

  /** Records published and not yet claimed by anyone. */
  hasUnclaimed (): boolean {
    const h = this.r.header
    return Atomics.load(h, WRITE) !== Atomics.load(h, CLAIM)
  }

  /**
   * Final disposition of one event: stamp its settle slot, count it, then move
   * the in-order DONE watermark over every settled seq so flush() is exact.
   * Exactly once per seq: the stamp is taken by compare-and-swap, so when two
   * threads settle the same event (a worker whose send ends after close() or the
   * exit handler counted it as shutdown_timeout) only the first counts. Returns
   * whether this call settled it.
   */
  settle (seq: number, outcome: 'delivered' | 'spooled' | DropReason): boolean {
    const { header, slots } = this.r
    const mask = this.r.slotCount - 1
    const slot = seq & mask
    const stamp = (seq + 1) | 0
    for (;;) {
      const cur = Atomics.load(slots, slot)
      if (cur === stamp) return false
      if (Atomics.compareExchange(slots, slot, cur, stamp) === cur) break
    }
    // The outcome before SETTLED: a reader that sees SETTLED moved also sees where the event went.
    Atomics.add(header, STATS + STAT[outcome], 1)
    Atomics.add(header, SETTLED, 1)
    let moved = false
    for (;;) {
      const d = Atomics.load(header, DONE)
      if (d === Atomics.load(header, ENQ)) break
      if (Atomics.load(slots, d & mask) !== ((d + 1) | 0)) break
      if (Atomics.compareExchange(header, DONE, d, (d + 1) | 0) === d) moved = true
    }
    // Wake a parked flush only when it can return: one notify per flush, not per event.
    if (moved && Atomics.load(header, WAITERS) > 0 && ((Atomics.load(header, DONE) - Atomics.load(header, WAKE_AT)) | 0) >= 0) {
      Atomics.notify(header, DONE)
    }
    return true
  }

  /**
   * Settles every event still unsettled as `outcome`: for close() and the exit
   * handler once their deadline has passed, so nothing stays pending forever.
   * Returns how many this call settled.
   */
  settleAll (outcome: DropReason): number {
    const { header, slots } = this.r
    const mask = this.r.slotCount - 1
    const end = Atomics.load(header, ENQ)
    let n = 0
    for (let seq = Atomics.load(header, DONE); seq !== end; seq = (seq + 1) | 0) {
      if (Atomics.load(slots, seq & mask) === ((seq + 1) | 0)) continue
      if (this.settle(seq, outcome)) n++
    }
    return n
  }
}
