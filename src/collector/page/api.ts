import { TOKEN_HEADER, type EventPayload, type GroupFilter, type GroupPage, type LiveMessage } from '../page-api'

// The page's calls to the collector's JSON API and live stream. Relative URLs: the page
// talks only to the collector that served it. The token (when the collector has one)
// travels in a header, never in a URL that could land in a log.

/** The collector wants a token (none given, or the one given was refused). */
export class Unauthorized extends Error {}

export class ApiError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}

export interface Api {
  groups (filter: GroupFilter, offset: number, limit: number): Promise<GroupPage>
  event (seq: number): Promise<EventPayload>
  raw (seq: number): Promise<string>
  /** Reads the live stream until it ends or signal aborts; onOpen once connected. */
  stream (signal: AbortSignal, onOpen: () => void, onMessage: (m: LiveMessage) => void): Promise<void>
}

export function createApi (token: () => string | null): Api {
  function headers (): Record<string, string> {
    const t = token()
    return t === null ? {} : { [TOKEN_HEADER]: t }
  }

  async function get (path: string, signal?: AbortSignal): Promise<Response> {
    const res = await fetch(path, { headers: headers(), cache: 'no-store', signal })
    if (res.status === 401) throw new Unauthorized('the collector wants its token')
    if (!res.ok) {
      let message = `${res.status} ${res.statusText}`
      try { message = ((await res.json()) as { error?: string }).error ?? message } catch {}
      throw new ApiError(res.status, message)
    }
    return res
  }

  return {
    async groups (filter, offset, limit) {
      const q = new URLSearchParams({ offset: String(offset), limit: String(limit) })
      if (filter.project != null) q.set('project', filter.project)
      if (filter.level != null) q.set('level', filter.level)
      if (filter.q != null && filter.q !== '') q.set('q', filter.q)
      return await (await get(`ui/api/groups?${q.toString()}`)).json() as GroupPage
    },
    async event (seq) {
      return await (await get(`ui/api/events/${seq}`)).json() as EventPayload
    },
    async raw (seq) {
      return await (await get(`ui/api/events/${seq}/raw`)).text()
    },
    async stream (signal, onOpen, onMessage) {
      const res = await get('ui/api/stream', signal)
      if (res.body === null) return
      onOpen()
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      let buffer = ''
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        buffer += value
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n')
          if (data !== '') onMessage(JSON.parse(data) as LiveMessage)
        }
      }
    }
  }
}
