import { randomBytes } from 'node:crypto'
import { startupSnapshot } from 'node:v8'

// Event ids in UUID v4 form (the wire contract), made without a random draw per
// capture: 74 random bits drawn once per process (the first 20 hex digits, less
// the version and variant bits) and a 48-bit counter that starts at a random value
// and steps by one. Ids of one process never repeat (the prefix is redrawn if the
// counter ever wraps, 2^48 ids later); ids of two processes or threads (each loads
// this module afresh) share a prefix with odds of about n²/2^75 for n of them.
// randomUUID() cost ~0.3 µs per capture here (its entropy refills included);
// this is a string concatenation.

const HALF = 0x1000000 // the counter is two 24-bit halves: exact in a double, 6 hex digits each

// Two hex digits per byte value, as text and as ASCII codes.
const HEX: string[] = Array.from({ length: 256 }, (_, i) => (0x100 + i).toString(16).slice(1))
const HEX_CODES = Buffer.from(HEX.join(''), 'latin1')

// The last id as ASCII bytes, kept beside the string: the id string is a concatenation
// (a V8 cons string), and reading it back character by character to encode it cost
// ~0.1 µs a capture; the encoder copies these bytes instead (eventIdBytes).
const idBytes = Buffer.alloc(36)
let lastId = ''

// The 24 characters before the counter (random, drawn once)
let base = ''
// … and with the counter's high 6 digits, which change every 16,777,216 ids.
let prefix = ''
let hi = 0
let lo = 0
let drawn = false

function draw (): void {
  const b = randomBytes(16)
  b[6] = ((b[6] as number) & 0x0f) | 0x40 // version 4
  b[8] = ((b[8] as number) & 0x3f) | 0x80 // variant 10
  const h = b.toString('hex')
  base = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-`
  hi = b.readUIntBE(10, 3)
  lo = b.readUIntBE(13, 3)
  prefix = base + (HALF + hi).toString(16).slice(1)
  idBytes.write(prefix, 0, 30, 'latin1')
  drawn = true
  // Every process started from a V8 startup snapshot taken after a capture would
  // otherwise reuse the snapshot's prefix: such a process draws its own.
  // (Node 20 answers 1 or 0, not a boolean.)
  if (Boolean(startupSnapshot?.isBuildingSnapshot?.())) startupSnapshot.addDeserializeCallback(() => { drawn = false })
}

/** A new event id: 32 lowercase hex digits as 8-4-4-4-12, unique in this process. */
export function newEventId (): string {
  if (!drawn) draw()
  if (++lo === HALF) {
    lo = 0
    if (++hi === HALF) draw()
    else {
      prefix = base + (HALF + hi).toString(16).slice(1)
      idBytes.write(prefix, 0, 30, 'latin1')
    }
  }
  const a = lo >>> 16
  const b = (lo >>> 8) & 0xff
  const c = lo & 0xff
  idBytes[30] = HEX_CODES[a * 2] as number
  idBytes[31] = HEX_CODES[a * 2 + 1] as number
  idBytes[32] = HEX_CODES[b * 2] as number
  idBytes[33] = HEX_CODES[b * 2 + 1] as number
  idBytes[34] = HEX_CODES[c * 2] as number
  idBytes[35] = HEX_CODES[c * 2 + 1] as number
  return (lastId = prefix + (HEX[a] as string) + (HEX[b] as string) + (HEX[c] as string))
}

/** The ASCII bytes of id when it is the id newEventId() returned last (the usual case when encoding it); else null. */
export function eventIdBytes (id: string): Uint8Array | null {
  return id === lastId ? idBytes : null
}
