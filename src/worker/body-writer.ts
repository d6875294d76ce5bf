// A request body in the making, written straight into one scratch buffer that the thread
// keeps, then copied once into a buffer of the body's exact size (a BodyPool's chunk).
//
// Why: the encoder used to gather each body's text as a string built with `+=` between the
// cached byte parts (a rope of small strings, with a `"key":` string made per key), which V8
// then flattened into a new string to measure and write it: of the ~7.6 KiB the encoder
// allocated per event (figure 2's event), all but the stringified values (~3 KiB). Here a
// short string is written char by char, a long one with one `write`, cached bytes are copied:
// nothing is allocated per part.

/** The scratch buffer's first size: a typical event's body (~9 KiB) fits with room to spare. */
const INITIAL_BYTES = 32 * 1024
/**
 * A scratch buffer grown past this for a large body (up to maxPayloadSize, 16 MiB at most) is
 * let go once that body is copied out: the thread keeps at most this much between bodies.
 */
const RETAIN_BYTES = 256 * 1024
/**
 * Strings up to this many UTF-16 units are written in a loop of char codes (keys, numbers,
 * short values): cheaper than a call into Buffer's native write for a handful of bytes.
 */
const SHORT_STRING = 48
/** UTF-8 needs at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3

export class BodyWriter {
  private buf = Buffer.allocUnsafeSlow(INITIAL_BYTES)
  private at = 0

  /** Starts a new body. */
  start (): void { this.at = 0 }

  /** Appends s as UTF-8. */
  str (s: string): void {
    const n = s.length
    // The exact size only when the cheap bound does not fit: a large value grows the buffer by
    // what it needs, not three times its length.
    if (this.at + n * MAX_BYTES_PER_UNIT > this.buf.length) {
      const exact = Buffer.byteLength(s, 'utf8')
      if (this.at + exact > this.buf.length) this.grow(exact)
    }
    if (n <= SHORT_STRING) {
      const buf = this.buf
      let at = this.at
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) { at = -1; break } // not ASCII: the native write encodes it
        buf[at++] = c
      }
      if (at !== -1) { this.at = at; return }
    }
    this.at += this.buf.write(s, this.at, 'utf8')
  }

  /** Appends bytes as they are. */
  bytes (b: Uint8Array): void {
    if (this.at + b.length > this.buf.length) this.grow(b.length)
    this.buf.set(b, this.at)
    this.at += b.length
  }

  /** The body so far, copied into a buffer of its size from take. */
  finish (take: (n: number) => Buffer): Buffer {
    const out = take(this.at)
    this.buf.copy(out, 0, 0, this.at)
    this.at = 0
    if (this.buf.length > RETAIN_BYTES) this.buf = Buffer.allocUnsafeSlow(INITIAL_BYTES)
    return out
  }

  /** Room for need more bytes: at least doubles, keeps what is written. */
  private grow (need: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + need))
    this.buf.copy(next, 0, 0, this.at)
    this.buf = next
  }
}
