import type { WireEvent } from '../../shared/types'

/** The caught exception's "Type: value", or the message: the event view's heading. */
export function eventHeadline (e: WireEvent): string {
  const values = e.exception?.values ?? []
  const top = values[values.length - 1]
  if (top !== undefined) return top.value === '' ? top.type : `${top.type}: ${top.value}`
  return e.message === '' ? '(no message)' : e.message
}
