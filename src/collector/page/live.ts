import { Unauthorized, type Api } from './api'
import type { LiveMessage } from '../page-api'

// Keeps the live stream open: on a drop it reconnects after RETRY_MS; a refused token
// ends it (the page asks for the token and starts it again).

/** Wait before reconnecting, ms: the same as the server's "retry:" line, so a page finds a restarted collector again within about a second. */
const RETRY_MS = 1000

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'refused'

export interface Live { stop (): void }

export function startLive (api: Api, onMessage: (m: LiveMessage) => void, onState: (s: LiveState) => void): Live {
  const ctl = new AbortController()
  void (async () => {
    onState('connecting')
    while (!ctl.signal.aborted) {
      try {
        await api.stream(ctl.signal, () => onState('live'), onMessage)
      } catch (err) {
        if (err instanceof Unauthorized) { onState('refused'); return }
      }
      if (ctl.signal.aborted) return
      onState('reconnecting')
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
    }
  })()
  return { stop: () => ctl.abort() }
}
