import type { WireEvent, WireFrame } from '../shared/types'
import { FIT_BREADCRUMBS, FIT_EXTRA_STRING_LENGTH, FIT_FEW_BREADCRUMBS, FIT_FRAMES_PER_STACK, FIT_MESSAGE_LENGTH } from '../shared/limits'
import { encodeEventBytes } from './encode'
import type { BodyPool } from './body-pool'

// Makes an event fit maxPayloadSize, first as the Python SDK does (message and values
// cut, frames and breadcrumbs to the newest: the FIT_* bounds in shared/limits.ts), then
// by dropping what helps least. Returns the JSON body's bytes, or null when even the bare event is too large.

// Frames and breadcrumbs can be shared with other events (cached in the worker):
// every step replaces them with changed copies instead of editing them.

/** Replaces every stack's frames by f's copies (the frames themselves may be shared). */
function replaceFrames (e: WireEvent, f: (frame: WireFrame) => WireFrame): void {
  for (const v of e.exception?.values ?? []) {
    if (v.stacktrace !== null) v.stacktrace = { frames: v.stacktrace.frames.map(f) }
  }
}

/** pool: where the body's memory comes from, and where a body that did not fit goes back. */
export function fitPayload (event: WireEvent, max: number, pool: BodyPool | null = null): Buffer | null {
  // Without a pool, undefined: the encoder's own allocation.
  const take = pool?.take
  let body = encodeEventBytes(event, take)
  if (body.length <= max) return body
  const steps: Array<(e: WireEvent) => void> = [
    (e) => {
      if (e.message.length > FIT_MESSAGE_LENGTH) e.message = e.message.slice(0, FIT_MESSAGE_LENGTH)
      for (const v of e.exception?.values ?? []) {
        if (v.value.length > FIT_MESSAGE_LENGTH) v.value = v.value.slice(0, FIT_MESSAGE_LENGTH)
        // Keep the frames nearest the throw: they say where it failed.
        if (v.stacktrace !== null && v.stacktrace.frames.length > FIT_FRAMES_PER_STACK) v.stacktrace = { frames: v.stacktrace.frames.slice(-FIT_FRAMES_PER_STACK) }
      }
      if (e.breadcrumbs.length > FIT_BREADCRUMBS) e.breadcrumbs = e.breadcrumbs.slice(-FIT_BREADCRUMBS)
    },
    (e) => replaceFrames(e, ({ pre_context: _pre, post_context: _post, ...rest }) => rest),
    (e) => { e.breadcrumbs = e.breadcrumbs.slice(-FIT_FEW_BREADCRUMBS); e.modules = {} },
    (e) => {
      const extra: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(e.contexts.extra)) extra[k] = typeof v === 'string' ? v.slice(0, FIT_EXTRA_STRING_LENGTH) : typeof v === 'object' && v !== null ? '[Removed: event too large]' : v
      e.contexts.extra = extra
      if (e.contexts.request !== null) e.contexts.request = { ...e.contexts.request, data: '[Removed: event too large]' }
      e.breadcrumbs = e.breadcrumbs.map((b) => ({ ...b, data: null }))
    },
    (e) => { e.breadcrumbs = []; replaceFrames(e, ({ context_line: _line, ...rest }) => rest) }
  ]
  for (const step of steps) {
    pool?.give(body)
    step(event)
    body = encodeEventBytes(event, take)
    if (body.length <= max) return body
  }
  pool?.give(body)
  return null
}
