import { randomBytes } from 'node:crypto'
import type { WireBreadcrumb, WireEvent, WireFrame } from '../shared/types'

// JSON for an event, as the bytes of a request body. Frames and breadcrumbs are most
// of the bytes and repeat from event to event as the very same (cached, never mutated)
// objects, so their JSON bytes are computed once per object and spliced into the rest
// of the event; the body is put together from them without building its whole text on
// the worker's heap first (a ~10 KiB string per event, then encoded again for the
// socket). One map of each for the thread: keyed weakly by the object itself, it holds
// nothing past the object's life, and the JSON depends on nothing but the object.
const framesBytes = new WeakMap<readonly WireFrame[], Buffer>()
const crumbBytes = new WeakMap<WireBreadcrumb, Buffer>()
const COMMA = Buffer.from(',')
const OPEN = Buffer.from('[')
const CLOSE = Buffer.from(']')

function framesPart (list: readonly WireFrame[]): Buffer {
  let b = framesBytes.get(list)
  if (b === undefined) framesBytes.set(list, (b = Buffer.from(`{"frames":${JSON.stringify(list)}}`, 'utf8')))
  return b
}

function pushCrumbs (list: readonly WireBreadcrumb[], out: Buffer[]): void {
  out.push(OPEN)
  for (let i = 0; i < list.length; i++) {
    const c = list[i] as WireBreadcrumb
    let b = crumbBytes.get(c)
    if (b === undefined) crumbBytes.set(c, (b = Buffer.from(JSON.stringify(c), 'utf8')))
    if (i > 0) out.push(COMMA)
    out.push(b)
  }
  out.push(CLOSE)
}

// Placeholders carry a random nonce so no user string can pose as one.
const NONCE = randomBytes(9).toString('base64url')
const CRUMBS_MARK = `\u0001${NONCE}-breadcrumbs\u0001`
const FRAMES_MARK = (i: number): string => `\u0001${NONCE}-frames-${i}\u0001`

/** Same text as JSON.stringify(event) (keys in the same order), for less work. */
export function encodeEvent (event: WireEvent): string {
  return encodeEventBytes(event).toString('utf8')
}

/** The UTF-8 bytes of JSON.stringify(event), for the request body. */
export function encodeEventBytes (event: WireEvent): Buffer {
  const values = event.exception?.values ?? []
  const shell: Record<string, unknown> = { ...event, breadcrumbs: CRUMBS_MARK }
  const spliced: Array<[string, (out: Buffer[]) => void]> = [[JSON.stringify(CRUMBS_MARK), (out) => pushCrumbs(event.breadcrumbs, out)]]
  if (event.exception !== undefined) {
    shell.exception = {
      ...event.exception,
      values: values.map((v, i) => {
        if (v.stacktrace === null) return v
        const mark = FRAMES_MARK(i)
        const list = v.stacktrace.frames
        spliced.push([JSON.stringify(mark), (out) => { out.push(framesPart(list)) }])
        return { ...v, stacktrace: mark }
      })
    }
  }
  const json = JSON.stringify(shell)
  // The marks in the order they occur: each stands for a part spliced in as bytes.
  const found: Array<[number, number, (out: Buffer[]) => void]> = []
  for (const [mark, part] of spliced) {
    const at = json.indexOf(mark)
    if (at >= 0) found.push([at, mark.length, part])
  }
  found.sort((a, b) => a[0] - b[0])
  const out: Buffer[] = []
  let from = 0
  for (const [at, len, part] of found) {
    out.push(Buffer.from(json.slice(from, at), 'utf8'))
    part(out)
    from = at + len
  }
  out.push(Buffer.from(json.slice(from), 'utf8'))
  return Buffer.concat(out)
}
