import { LRUCache } from 'lru-cache'

// A worker's decoded blobs (scope data, breadcrumb lists, stacks) by blob id, most recently used
// kept. A blob recurs while its scope is unchanged (the global scope, a request that captures
// more than once, captures in a row from one scope), so each is decoded once. But a service whose
// breadcrumb list changes between captures makes a new blob each time, and a bound by count alone
// (1,024 entries) let decoded lists of up to 100 breadcrumbs hold the worker's heap at ~50 MiB
// (500 captures/s, a breadcrumb and a tag per capture) where it is ~22 without them. So the bound
// is also by packed size, which a decoded value's heap follows.

/** Entries at most. */
export const BLOB_CACHE_ENTRIES = 1024
/**
 * Packed bytes at most over all entries: ~50 lists of 100 breadcrumbs. A decoded list takes ~10×
 * its packed size on the heap: at 2 MiB the worker's heap was still 41 MiB in figure 2c's run
 * (a scope changing at every capture), at 512 KiB 25 MiB, what it is with an unchanging scope.
 */
export const BLOB_CACHE_BYTES = 512 * 1024

export class BlobCache<V extends {}> {
  private readonly lru = new LRUCache<number, V>({ max: BLOB_CACHE_ENTRIES, maxSize: BLOB_CACHE_BYTES })

  get (id: number): V | undefined { return this.lru.get(id) }

  /** packedBytes: the blob's size in the record or blob area; a blob larger than the whole bound is not kept. */
  set (id: number, value: V, packedBytes: number): void {
    this.lru.set(id, value, { size: Math.max(1, packedBytes) })
  }

  /** Packed bytes of the entries kept. */
  get bytes (): number { return this.lru.calculatedSize }

  get size (): number { return this.lru.size }
}
