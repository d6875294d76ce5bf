import type { WireEvent } from '../shared/types'

// How the collector's page names an event, as error trackers do: the exception
// the application caught (the last of exception.values), else the message.

/** Longest title kept, characters: a list row shows one line; the event view shows the full text. */
const TITLE_MAX = 300

function clip (s: string): string {
  const line = s.split('\n', 1)[0] ?? ''
  return line.length > TITLE_MAX ? line.slice(0, TITLE_MAX - 1) + '…' : line
}

export function eventTitle (e: WireEvent): string {
  const values = e.exception?.values
  const top = values !== undefined && values.length > 0 ? values[values.length - 1] : undefined
  if (top !== undefined) return clip(top.value === '' ? top.type : `${top.type}: ${top.value}`)
  return clip(e.message === '' ? '(no message)' : e.message)
}

/** "function (file:line)" of the frame nearest the throw that is the application's own; null when none. */
export function eventCulprit (e: WireEvent): string | null {
  const values = e.exception?.values
  const frames = values !== undefined && values.length > 0 ? values[values.length - 1]?.stacktrace?.frames : undefined
  if (frames === undefined) return null
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]
    if (f === undefined || !f.in_app) continue
    const where = f.filename ?? f.abs_path ?? '?'
    return clip(`${f.function ?? '<anonymous>'} (${where}${f.lineno === null ? '' : `:${f.lineno}`})`)
  }
  return null
}
