// The memory request bodies are written into, reused from one delivered event to the next.
//
// Why: a body waits for its answer for a few ms, across young-generation GCs, so its
// ArrayBuffer is promoted, and V8 counts an old ArrayBuffer's bytes toward the old generation's
// limit. A fresh ~10 KiB buffer per event then made the delivery worker's isolate run a full
// mark-compact every ~150 ms at 5,000 events/s (30 in 5 s, against 7 with the bodies' memory
// reused, and 1 for the HTTP floor's sender, whose body is one string sent again and again;
// docs/benchmarks-notes.md). Chunks that are reused stay the same few old ArrayBuffers.
//
// A chunk comes back only when nothing can still read it: when the body's one and only attempt
// was answered 2xx (the ingest answers success only once it has read and parsed the whole
// body, so every byte has left this process and no write of it is pending;
// HttpTransport.sendBatch's onFree), or when the body was never handed to a socket (too large,
// spooled at exit, a main-thread or debug sink). Otherwise the body is left to the GC and the
// pool makes a new chunk later: a socket may still be writing a failed attempt (an answer that
// came before the body was read), and a chunk reused then could put one event's bytes in
// another's request.

/** Smallest chunk: a body of fewer bytes still takes this much (Node's own pool serves smaller buffers the same way). */
const MIN_CHUNK_BYTES = 4 * 1024
/**
 * Largest chunk, a power of two above the default maxPayloadSize (100 KiB): a larger body (a
 * raised maxPayloadSize) gets a buffer of its own, not reused.
 */
const MAX_CHUNK_BYTES = 128 * 1024
/**
 * Idle chunks kept, in bytes, over all sizes: 64 bodies of a typical event (~10 KiB, a 16 KiB
 * chunk), what a worker has in flight at its default maxInFlight (32, twice that claimed).
 * Chunks given back past this are left to the GC.
 */
const MAX_IDLE_BYTES = 64 * 16 * 1024

/** The chunk size for a body of n bytes: the next power of two from MIN_CHUNK_BYTES, or 0 past MAX_CHUNK_BYTES. */
export function chunkSizeFor (n: number): number {
  if (n > MAX_CHUNK_BYTES) return 0
  let size = MIN_CHUNK_BYTES
  while (size < n) size *= 2
  return size
}

/** One worker's reusable body memory: take() a buffer of exactly n bytes, give() it back once nothing reads it. */
export class BodyPool {
  /** Idle chunks by size. */
  private readonly idle = new Map<number, ArrayBuffer[]>()
  private idleBytes = 0
  /**
   * Each chunk handed out and not given back, with the very view it was handed out as: only
   * that view gives it back. A foreign buffer, a second give(), or a stale one after the chunk
   * went out again as another body's, is ignored.
   */
  private readonly out = new WeakMap<ArrayBuffer, Uint8Array>()

  /** A buffer of exactly n bytes, a view of a reused chunk where n fits one (bound: passed as a function). */
  readonly take = (n: number): Buffer => {
    const size = chunkSizeFor(n)
    if (size === 0) return Buffer.allocUnsafeSlow(n)
    let chunk = this.idle.get(size)?.pop()
    if (chunk !== undefined) this.idleBytes -= size
    else chunk = new ArrayBuffer(size)
    const body = Buffer.from(chunk, 0, n)
    this.out.set(chunk, body)
    return body
  }

  /** Gives back a body from take() that nothing reads any more; anything else is ignored. */
  give (body: Uint8Array | string): void {
    if (typeof body === 'string') return
    const chunk = body.buffer
    if (!(chunk instanceof ArrayBuffer) || this.out.get(chunk) !== body) return
    this.out.delete(chunk)
    const size = chunk.byteLength
    if (this.idleBytes + size > MAX_IDLE_BYTES) return
    let list = this.idle.get(size)
    if (list === undefined) this.idle.set(size, (list = []))
    list.push(chunk)
    this.idleBytes += size
  }

  /** Bytes held in idle chunks (for tests). */
  get idleByteCount (): number { return this.idleBytes }
}
