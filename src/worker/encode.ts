import { randomBytes } from 'node:crypto'
import type { WireBreadcrumb, WireEvent, WireFrame } from '../shared/types'

// JSON for an event. Frames and breadcrumbs are most of the bytes and repeat from
// event to event as the very same (cached, never mutated) objects, so their JSON
// is computed once per object and spliced into the rest of the event. One map of
// each for the thread: keyed weakly by the object itself, it holds nothing past the
// object's life, and the JSON depends on nothing but the object.
const framesJson = new WeakMap<readonly WireFrame[], string>()
const crumbJson = new WeakMap<WireBreadcrumb, string>()

function frames (list: readonly WireFrame[]): string {
  let json = framesJson.get(list)
  if (json === undefined) framesJson.set(list, (json = JSON.stringify(list)))
  return json
}

function crumbs (list: readonly WireBreadcrumb[]): string {
  let out = '['
  for (let i = 0; i < list.length; i++) {
    const c = list[i] as WireBreadcrumb
    let json = crumbJson.get(c)
    if (json === undefined) crumbJson.set(c, (json = JSON.stringify(c)))
    out += i === 0 ? json : ',' + json
  }
  return out + ']'
}

// Placeholders carry a random nonce so no user string can pose as one.
const NONCE = randomBytes(9).toString('base64url')
const CRUMBS_MARK = `\u0001${NONCE}-breadcrumbs\u0001`
const FRAMES_MARK = (i: number): string => `\u0001${NONCE}-frames-${i}\u0001`

/** Same text as JSON.stringify(event) (keys in the same order), for less work. */
export function encodeEvent (event: WireEvent): string {
  const values = event.exception?.values ?? []
  const shell: Record<string, unknown> = { ...event, breadcrumbs: CRUMBS_MARK }
  const spliced: Array<[string, string]> = [[JSON.stringify(CRUMBS_MARK), crumbs(event.breadcrumbs)]]
  if (event.exception !== undefined) {
    shell.exception = {
      ...event.exception,
      values: values.map((v, i) => {
        if (v.stacktrace === null) return v
        const mark = FRAMES_MARK(i)
        spliced.push([JSON.stringify(mark), `{"frames":${frames(v.stacktrace.frames)}}`])
        return { ...v, stacktrace: mark }
      })
    }
  }
  let json = JSON.stringify(shell)
  for (const [mark, text] of spliced) {
    const at = json.indexOf(mark)
    if (at >= 0) json = json.slice(0, at) + text + json.slice(at + mark.length)
  }
  return json
}
