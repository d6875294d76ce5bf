import type { EventPart } from '../event/assemble'
import { packr } from './packer'
import { eventIdBytes } from './event-id'

// Encodes an event's own part as the msgpack array partToTuple() describes (the
// worker unpacks it with msgpackr, unchanged), straight into the ring (preparePart,
// then writePart where Pipeline.reserve() made room) or into one reused buffer.
// msgpackr took ~1.5 µs per capture for this small array: its per-call setup, the
// tuple and exception arrays built only to be packed, and a Buffer view per call.
// Here the fixed shape is written field by field (the OpenTelemetry trace ids too,
// when a span was active); the optional objects (capture option tags, extra, user,
// fingerprint, contexts) are rare and still go through
// msgpackr, whose bytes are copied in as they are (msgpack values nest by
// concatenation).

// The buffer kept between captures; a bigger part (long messages or inline stacks)
// gets a larger buffer for that capture only, so memory stays bounded.
const KEPT_BYTES = 16 * 1024
// Strings up to this many characters are written by a JavaScript loop when they are
// ASCII; longer or non-ASCII ones by Buffer#write (native UTF-8, with U+FFFD for lone
// surrogates), which beats the loop from about this length on (event ids, 36, still loop).
const LOOP_MAX = 40

// Buffer#utf8Write is what Buffer#write(s, offset, length, 'utf8') ends in, without
// its argument checks (~0.15 µs a capture here); msgpackr relies on it too. Not
// documented, so Buffer#write stands in if a Node version lacks it.
interface Utf8Writer { utf8Write: (s: string, offset: number, length: number) => number }
const hasUtf8Write = typeof (Buffer.prototype as unknown as Partial<Utf8Writer>).utf8Write === 'function'

const kept: Buffer = Buffer.allocUnsafeSlow(KEPT_BYTES)
// Views of the kept buffer's first n bytes, made once per length: a part is
// returned without allocating (a new view cost ~60 ns).
const VIEWS_MAX = 1024
const views: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(VIEWS_MAX).fill(undefined)

function keptView (n: number): Uint8Array {
  if (n >= VIEWS_MAX) return new Uint8Array(kept.buffer, kept.byteOffset, n)
  return views[n] ?? (views[n] = new Uint8Array(kept.buffer, kept.byteOffset, n))
}
const f64 = new Float64Array(1)
const f64Bytes = new Uint8Array(f64.buffer)
const bigEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0

function strHeaderSize (bytes: number): number {
  return bytes < 32 ? 1 : bytes < 0x100 ? 2 : bytes < 0x10000 ? 3 : 5
}

/** Writes s at p (room for strHeaderSize(3n) + 3n bytes is there); returns the new position. */
function writeStr (b: Buffer, p: number, s: string): number {
  const len = s.length
  if (len <= LOOP_MAX) {
    // Short ASCII strings ("Error", "exception", levels, event ids): as many bytes as characters.
    const hdr = len < 32 ? 1 : 2
    let i = 0
    for (; i < len; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) break
      b[p + hdr + i] = c
    }
    if (i === len) {
      if (hdr === 1) b[p] = 0xa0 | len
      else { b[p] = 0xd9; b[p + 1] = len }
      return p + hdr + len
    }
  }
  const max = len * 3
  const reserved = strHeaderSize(max)
  const n = hasUtf8Write ? (b as unknown as Utf8Writer).utf8Write(s, p + reserved, max) : b.write(s, p + reserved, max, 'utf8')
  const hdr = strHeaderSize(n)
  if (hdr !== reserved) b.copyWithin(p + hdr, p + reserved, p + reserved + n)
  if (hdr === 1) b[p] = 0xa0 | n
  else if (hdr === 2) { b[p] = 0xd9; b[p + 1] = n } else if (hdr === 3) { b[p] = 0xda; b[p + 1] = n >>> 8; b[p + 2] = n & 0xff } else { b[p] = 0xdb; b.writeUInt32BE(n, p + 1) }
  return p + hdr + n
}

function writeStrOrNil (b: Buffer, p: number, s: string | null): number {
  if (s !== null) return writeStr(b, p, s)
  b[p] = 0xc0
  return p + 1
}

function writeArrayHeader (b: Buffer, p: number, n: number): number {
  if (n < 16) { b[p] = 0x90 | n; return p + 1 }
  if (n < 0x10000) { b[p] = 0xdc; b[p + 1] = n >>> 8; b[p + 2] = n & 0xff; return p + 3 }
  b[p] = 0xdd
  b.writeUInt32BE(n, p + 1)
  return p + 5
}

/** A number as msgpackr writes it: int32/uint32 as the smallest integer, anything else float64 (9 bytes at most). */
function writeNum (b: Buffer, p: number, v: number): number {
  if (v >>> 0 === v) {
    if (v < 0x80) { b[p] = v; return p + 1 }
    if (v < 0x100) { b[p] = 0xcc; b[p + 1] = v; return p + 2 }
    if (v < 0x10000) { b[p] = 0xcd; b[p + 1] = v >>> 8; b[p + 2] = v & 0xff; return p + 3 }
    b[p] = 0xce; b[p + 1] = v >>> 24; b[p + 2] = (v >>> 16) & 0xff; b[p + 3] = (v >>> 8) & 0xff; b[p + 4] = v & 0xff
    return p + 5
  }
  if (v >> 0 === v) {
    if (v >= -32) { b[p] = v & 0xff; return p + 1 }
    b[p] = 0xd2; b[p + 1] = (v >>> 24) & 0xff; b[p + 2] = (v >>> 16) & 0xff; b[p + 3] = (v >>> 8) & 0xff; b[p + 4] = v & 0xff
    return p + 5
  }
  b[p] = 0xcb
  f64[0] = v
  if (bigEndianHost) for (let i = 0; i < 8; i++) b[p + 1 + i] = f64Bytes[i] as number
  else for (let i = 0; i < 8; i++) b[p + 1 + i] = f64Bytes[7 - i] as number
  return p + 9
}

function writeNumbersOrNil (b: Buffer, p: number, a: readonly number[] | null | undefined): number {
  if (a === null || a === undefined) { b[p] = 0xc0; return p + 1 }
  p = writeArrayHeader(b, p, a.length)
  for (let i = 0; i < a.length; i++) p = writeNum(b, p, a[i] as number)
  return p
}

/** Upper bound of a string's bytes with its header. */
function strMax (s: string | null): number {
  return s === null ? 1 : 5 + s.length * 3
}

function numbersMax (a: readonly number[] | null | undefined): number {
  return a === null || a === undefined ? 1 : 5 + a.length * 9
}

// The part prepare() measured, for write(): set by one, used by the next.
let prepared: EventPart | null = null
let preparedBlobs: Uint8Array | null = null
let preparedPacked: Uint8Array[] | null = null

/**
 * Readies a part for write(): packs its rare objects and returns an upper bound of
 * its encoded bytes. blobsEncoded: part.blobs already encoded (encodeNumbers),
 * copied in as they are.
 */
export function preparePart (part: EventPart, blobsEncoded: Uint8Array | null = null): number {
  // Optional objects first (msgpackr reuses its buffer: each is copied out before the next is packed).
  const tags = part.tags
  const extra = part.extra
  const user = part.user
  const fingerprint = part.fingerprint
  const contexts = part.contexts
  const rare = tags !== null || extra !== null || user !== null || fingerprint !== null || contexts !== null
  const packed: Uint8Array[] | null = rare ? [] : null
  let max = 1 + strMax(part.id) + 9 + strMax(part.level) + strMax(part.kind) + strMax(part.message) + 5 + (blobsEncoded === null ? numbersMax(part.blobs) : blobsEncoded.length)
  if (packed !== null) {
    for (const v of [tags, extra, user, fingerprint, contexts]) {
      const bytes = v === null || v === undefined ? NIL : Uint8Array.prototype.slice.call(packr.pack(v))
      packed.push(bytes)
      max += bytes.length
    }
  } else max += 5
  const trace = part.trace
  max += trace === null || trace === undefined ? 1 : 1 + strMax(trace[0]) + strMax(trace[1]) + 9 + strMax(trace[3])
  const exc = part.exc
  if (exc !== null) {
    for (let k = 0; k < exc.length; k++) {
      const v = exc[k] as NonNullable<EventPart['exc']>[number]
      max += 1 + strMax(v.type) + strMax(v.value) + strMax(v.stack) + numbersMax(v.sref)
    }
  }
  prepared = part
  preparedBlobs = blobsEncoded
  preparedPacked = packed
  return max
}

/** Encodes the part preparePart() readied at b[at…] (room for its bound is there); returns the end. */
export function writePart (b: Buffer, at: number): number {
  const part = prepared as EventPart
  const blobsEncoded = preparedBlobs
  const packed = preparedPacked
  prepared = preparedBlobs = preparedPacked = null
  const exc = part.exc
  let p = at
  b[p++] = 0x9d // fixarray of 13, in partToTuple's order
  const idBytes = eventIdBytes(part.id)
  if (idBytes !== null) {
    b[p] = 0xd9
    b[p + 1] = 36
    p = copySmall(b, p + 2, idBytes)
  } else p = writeStr(b, p, part.id)
  p = writeNum(b, p, part.ts)
  p = writeStrOrNil(b, p, part.level)
  p = writeStr(b, p, part.kind)
  p = writeStrOrNil(b, p, part.message)
  if (exc === null) b[p++] = 0xc0
  else {
    p = writeArrayHeader(b, p, exc.length)
    for (let k = 0; k < exc.length; k++) {
      const v = exc[k] as NonNullable<EventPart['exc']>[number]
      b[p++] = 0x94
      p = writeStr(b, p, v.type)
      p = writeStr(b, p, v.value)
      p = writeStrOrNil(b, p, v.stack)
      p = writeNumbersOrNil(b, p, v.sref)
    }
  }
  if (packed === null) {
    for (let i = 0; i < 5; i++) b[p++] = 0xc0
  } else {
    for (let i = 0; i < 5; i++) {
      const bytes = packed[i] as Uint8Array
      b.set(bytes, p)
      p += bytes.length
    }
  }
  if (blobsEncoded === null) p = writeNumbersOrNil(b, p, part.blobs)
  else p = copySmall(b, p, blobsEncoded)
  const trace = part.trace
  if (trace === null || trace === undefined) b[p++] = 0xc0
  else {
    b[p++] = 0x94
    p = writeStr(b, p, trace[0])
    p = writeStr(b, p, trace[1])
    p = writeNum(b, p, trace[2])
    p = writeStrOrNil(b, p, trace[3])
  }
  return p
}

// Below this, a byte loop beats TypedArray#set, whose call into the runtime (slower
// still into shared memory) cost ~70 ns for the 36 bytes of an event id.
const SET_MIN = 128

/** Copies bytes to b[p…]; returns the end. */
export function copySmall (b: Uint8Array, p: number, bytes: Uint8Array): number {
  const n = bytes.length
  if (n >= SET_MIN) b.set(bytes, p)
  else for (let i = 0; i < n; i++) b[p + i] = bytes[i] as number
  return p + n
}

/**
 * The part's bytes: a view into the encoder's buffer, valid until the next call
 * (copy them before encoding again). blobsEncoded as for preparePart().
 */
export function encodePart (part: EventPart, blobsEncoded: Uint8Array | null = null): Uint8Array {
  const max = preparePart(part, blobsEncoded)
  // A part bigger than the kept buffer (long messages, inline stacks) gets one of its own.
  const b = max <= KEPT_BYTES ? kept : Buffer.allocUnsafeSlow(max)
  const n = writePart(b, 0)
  return b === kept ? keptView(n) : new Uint8Array(b.buffer, b.byteOffset, n)
}

const NIL = new Uint8Array([0xc0])

/** A number array encoded alone (for encodePart's blobsEncoded: bytes that repeat from part to part). */
export function encodeNumbers (a: readonly number[]): Uint8Array {
  const b = Buffer.allocUnsafe(numbersMax(a))
  return Uint8Array.prototype.slice.call(b, 0, writeNumbersOrNil(b, 0, a))
}
