// An HttpTransport (the worker's sender) for a loopback ingest at origin, with the options a
// test names over small defaults: no per-second cap, one attempt, a 5 s timeout.
import { HttpTransport } from '../../dist/worker/http-transport.js'

export function httpTransport (origin, project, overrides = {}) {
  return new HttpTransport({
    sink: 'http', storeUrl: `${origin}/api/${project}/store/`, origin, authToken: null, userAgent: 'test', timeoutMs: 5000, verifySsl: true,
    maxInFlight: 2, maxEventsPerSecond: 0, maxAttempts: 1, debug: false,
    ...overrides
  })
}
