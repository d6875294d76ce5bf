// A real collector on loopback and a client pointed at it, for one test.
import { ErrorTracker, startCollector, getGlobalScope, getIsolationScope } from 'xrayradar'
import { closedPort } from './servers.mjs'

export const TOKEN = 'test-token-123456'

/** A collector and a client for one test; both closed at teardown. */
export async function setup (t, options = {}, collectorOptions = {}) {
  // Scope is process-wide (shared by every client): start each test from empty.
  getGlobalScope().clear()
  getIsolationScope().clear()
  const collector = await startCollector({ token: TOKEN, ...collectorOptions })
  // No disk spool unless a test asks for one: failures must show as what they are.
  const client = new ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false, ...options })
  t.teardown(async () => {
    await client.close(100)
    await collector.close()
  })
  return { collector, client }
}

/** A DSN for project at which nothing listens (an ingest that is down): every send is refused. */
export const deadDsn = async (project = '42') => `http://127.0.0.1:${await closedPort()}/${project}`
