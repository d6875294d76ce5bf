import type { IntegrationClient } from '../shared/integration'

// Which client a framework handler reports to when the app does not pass one: the most
// recent open client that set integrations up (init()'s, or a `new ErrorTracker()`), so a
// user without the global init() gets the same behaviour. A closed client leaves the list.

const clients: IntegrationClient[] = []

export function registerClient (client: IntegrationClient): () => void {
  clients.push(client)
  return () => {
    const i = clients.lastIndexOf(client)
    if (i >= 0) clients.splice(i, 1)
  }
}

/** The given client if open, else the latest open registered one, else null (events are then not reported). */
export function activeClient (given?: IntegrationClient | null): IntegrationClient | null {
  if (given !== undefined && given !== null) return given.isClosed ? null : given
  for (let i = clients.length - 1; i >= 0; i--) {
    const c = clients[i] as IntegrationClient
    if (!c.isClosed) return c
  }
  return null
}
