import { type RingViews, DONE } from './layout'

/**
 * Past this share of a half, the next blob goes back to the start of the same half whenever every
 * record that referenced the half is settled. A service whose scopes keep changing (a scope per
 * request) then keeps writing over the same pages, and the area's resident memory is what its
 * unsettled records need, not the whole area: going on to the end of one half and then the other
 * made all of it resident (a quarter of `ringSize`, 4 MiB by default). An eighth: 256 KiB of the
 * default half, a few hundred scopes' bytes between two settled moments.
 */
export const BLOB_RESTART_SHARE = 8

/**
 * The main thread's side of the blob area. Bytes that many records share (a
 * scope's data, its breadcrumbs, the frames of a stack thrown again and again)
 * are written here once and referenced by offset, so a record is ~200 bytes
 * instead of ~3.5 KB and a burst of tens of thousands of events fits the ring.
 *
 * The area has two halves. Blobs go into the active half until it is full; then
 * the other half becomes active, but only once every record that referenced it
 * is settled (DONE has passed the last seq that used it): a worker reads a blob
 * while its record is unsettled, so a half is never overwritten under a reader.
 * Past an eighth of the active half, writing starts over at that half's own start
 * once the same holds for it (BLOB_RESTART_SHARE). When neither half can take a
 * blob, put() says so and the caller copies the bytes into the record itself:
 * placement never waits and never drops.
 */
export class BlobWriter {
  private readonly area: Uint8Array
  private readonly header: Int32Array
  private readonly half: number
  private readonly restartAt: number
  private active = 0
  private used = 0
  private readonly lastSeq = [0, 0]
  private readonly inUse = [false, false]
  private readonly placed = new Map<number, number>() // blob id → offset, active half only
  /** Changes whenever the active half does: an offset from find()/put() stays valid while it is unchanged. */
  generation = 0

  constructor (ring: RingViews) {
    this.area = ring.blobArea
    this.header = ring.header
    this.half = (ring.blobArea.length >>> 1) & ~7
    this.restartAt = Math.floor(this.half / BLOB_RESTART_SHARE)
  }

  /** Offset of a blob already in the active half, or -1. seq: the record that will reference it. */
  find (id: number, seq: number): number {
    const off = this.placed.get(id)
    if (off === undefined) return -1
    this.lastSeq[this.active] = seq
    return off
  }

  /** For a record that references blobs already found in the active half (same generation): what find() records. */
  touch (seq: number): void {
    this.lastSeq[this.active] = seq
  }

  /** Copies the bytes in and returns their offset, or -1 when there is no room now. */
  put (id: number, bytes: Uint8Array, seq: number): number {
    const need = (bytes.length + 7) & ~7
    if (need > this.half) return -1
    // Reads DONE (written at every settle) only past restartAt, and only when a blob is placed.
    if (this.used >= this.restartAt && this.released(this.lastSeq[this.active] as number, seq)) this.restart(this.active)
    else if (this.used + need > this.half) {
      const other = 1 - this.active
      if (this.inUse[other] && !this.released(this.lastSeq[other] as number, seq)) return -1
      this.restart(other)
    }
    const off = this.active * this.half + this.used
    this.area.set(bytes, off)
    this.used += need
    this.inUse[this.active] = true
    this.lastSeq[this.active] = seq
    this.placed.set(id, off)
    return off
  }

  /** Writing starts over at the start of half h (the active one, or the other). */
  private restart (h: number): void {
    this.active = h
    this.used = 0
    this.generation++
    // Blobs placed before are placed again on their next use: the old places may be overwritten.
    this.placed.clear()
  }

  /** True when the record `last` is settled. Unsettled seqs are DONE..seq (seq: the one being written). */
  private released (last: number, seq: number): boolean {
    const done = Atomics.load(this.header, DONE)
    return ((last - done) >>> 0) > ((seq - done) >>> 0)
  }
}
