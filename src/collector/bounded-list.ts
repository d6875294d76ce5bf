// A list that keeps its newest `max` items, oldest first, for the collector's events and
// request records. Dropping the oldest moves a start index instead of shifting the array
// (Array#splice(0, 1) on 100,000 items cost ~280 µs an item, more than the rest of a
// store request); the array is compacted in place every so often and whenever it is read,
// so readers always get the same array object holding exactly the kept items.

/**
 * Compact once this many slots at the front are spent (and they are at least half the array):
 * small lists never copy; a big one copies its items once per max/2 or so pushes, O(1) each.
 */
const COMPACT_AT = 1024

export class BoundedList<T> {
  private readonly buf: T[] = []
  private head = 0

  constructor (private readonly max: number) {}

  /** Adds an item; returns the oldest one when that had to go to keep `max`. */
  push (item: T): T | undefined {
    this.buf.push(item)
    if (this.buf.length - this.head <= this.max) return undefined
    const dropped = this.buf[this.head] as T
    // Let the dropped item be collected now, not at the next compaction.
    this.buf[this.head++] = undefined as unknown as T
    if (this.head >= COMPACT_AT && this.head * 2 >= this.buf.length) this.compact()
    return dropped
  }

  get length (): number {
    return this.buf.length - this.head
  }

  /** The i-th kept item, 0 the oldest; O(1). */
  at (i: number): T | undefined {
    return Number.isInteger(i) && i >= 0 && i < this.length ? this.buf[this.head + i] : undefined
  }

  /** The kept items, oldest first: always the same array. */
  get items (): T[] {
    if (this.head > 0) this.compact()
    return this.buf
  }

  private compact (): void {
    this.buf.copyWithin(0, this.head)
    this.buf.length -= this.head
    this.head = 0
  }
}
