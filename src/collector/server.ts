import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleRequest } from './routes'
import { activeFault, createCollectorState, dropHeldAnswers, waitForEvents } from './state'
import type { Collector, CollectorOptions } from './types'

export type { Collector, CollectorOptions, Fault, StoreRequest } from './types'

// A local stand-in for the XrayRadar store endpoint: the same contract and status
// codes, events kept in memory and optionally in a JSONL file, fault injection for
// tests, benchmarks and the demo, and a page at its root URL that shows the events
// grouped into issues (page-routes.ts). It listens on 127.0.0.1 unless told otherwise.
// This file only puts the parts together: the state (state.ts), the answers (routes.ts),
// the HTTP server, and the Collector the caller gets.

/** Idle keep-alive, ms: longer than the SDK's own (30 s, worker/http-transport.ts), so the client closes an idle connection first and a delivery never races the server closing it. */
const KEEP_ALIVE_MS = 60_000

export async function startCollector (options: CollectorOptions = {}): Promise<Collector> {
  const host = options.host ?? '127.0.0.1'
  const state = createCollectorState(options, host)
  const server = createServer((req, res) => handleRequest(state, req, res))
  server.keepAliveTimeout = KEEP_ALIVE_MS
  // The SDK's own server: httpIntegration leaves its requests alone (no scope or breadcrumb per delivery).
  Object.defineProperty(server, Symbol.for('xrayradar.sdkServer'), { value: true })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  // Listening on every interface: this machine's browser reaches it on loopback.
  const pageUrl = host === '0.0.0.0' || host === '::' ? `http://127.0.0.1:${port}/` : `${url}/`

  return {
    url,
    pageUrl,
    port,
    dsn: (projectId = '1') => `${url}/${projectId}`,
    get events () { return state.store.events },
    get requests () { return state.requests.items },
    counts: state.counts,
    setFault (f) { state.fault = f === null ? null : activeFault({ ...f }) },
    waitForEvents: (n, timeoutMs) => waitForEvents(state, n, timeoutMs),
    async close () {
      state.live.close()
      dropHeldAnswers(state)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await state.fileChain
    }
  }
}
