import type { WireEvent, WireFrame } from '../shared/types'
import { encodeEvent } from './encode'

// Makes an event fit maxPayloadSize, in the order the Python SDK does (message to
// 1000 characters, 50 frames a stack, 100 breadcrumbs), then by dropping what
// helps least. Returns the JSON body, or null when even the bare event is too large.

// Frames and breadcrumbs can be shared with other events (cached in the worker):
// every step replaces them with changed copies instead of editing them.

const enc = encodeEvent

function mapFrames (e: WireEvent, f: (frame: WireFrame) => WireFrame): void {
  for (const v of e.exception?.values ?? []) {
    if (v.stacktrace !== null) v.stacktrace = { frames: v.stacktrace.frames.map(f) }
  }
}
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

export function fitPayload (event: WireEvent, max: number): string | null {
  let body = enc(event)
  if (bytes(body) <= max) return body
  const steps: Array<(e: WireEvent) => void> = [
    (e) => {
      if (e.message.length > 1000) e.message = e.message.slice(0, 1000)
      for (const v of e.exception?.values ?? []) {
        if (v.value.length > 1000) v.value = v.value.slice(0, 1000)
        // Keep the frames nearest the throw: they say where it failed.
        if (v.stacktrace !== null && v.stacktrace.frames.length > 50) v.stacktrace = { frames: v.stacktrace.frames.slice(-50) }
      }
      if (e.breadcrumbs.length > 100) e.breadcrumbs = e.breadcrumbs.slice(-100)
    },
    (e) => mapFrames(e, ({ pre_context: _pre, post_context: _post, ...rest }) => rest),
    (e) => { e.breadcrumbs = e.breadcrumbs.slice(-10); e.modules = {} },
    (e) => {
      const extra: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(e.contexts.extra)) extra[k] = typeof v === 'string' ? v.slice(0, 256) : typeof v === 'object' && v !== null ? '[Removed: event too large]' : v
      e.contexts.extra = extra
      if (e.contexts.request !== null) e.contexts.request = { ...e.contexts.request, data: '[Removed: event too large]' }
      e.breadcrumbs = e.breadcrumbs.map((b) => ({ ...b, data: null }))
    },
    (e) => { e.breadcrumbs = []; mapFrames(e, ({ context_line: _line, ...rest }) => rest) }
  ]
  for (const step of steps) {
    step(event)
    body = enc(event)
    if (bytes(body) <= max) return body
  }
  return null
}
