import * as xrayradar from '../index'
import { startSampleService, SAMPLE_PATHS } from './sample-service'

// `npm run demo`: the local collector, the SDK pointed at it, a sample service
// that fails in a few realistic ways, and what arrived.

const TOKEN = 'demo-token-not-a-secret'
// The sample service's source file, as frames name it once mapped (src/demo/*.ts ship in the package).
const SAMPLE_SOURCE = 'demo/sample-service'

export async function runDemo (): Promise<number> {
  const collector = await xrayradar.startCollector({ token: TOKEN, projects: ['42'], log: true })
  console.log(`local collector on ${collector.url}; SDK sending to ${collector.dsn('42')}\n`)
  xrayradar.init({ dsn: collector.dsn('42'), authToken: TOKEN, environment: 'demo', release: 'shop@1.4.2' })
  const { url, server } = await startSampleService()
  for (const path of SAMPLE_PATHS) {
    const res = await fetch(url + path, { headers: { authorization: 'Bearer abc', cookie: 'session=xyz' } })
    console.log(`GET ${path.split('?')[0] ?? path} → ${res.status}`)
    await res.arrayBuffer()
  }
  const t0 = Date.now()
  const flushed = await xrayradar.flush(5000)
  console.log(`\nflush(): ${flushed} after ${Date.now() - t0} ms`)
  server.close()
  const stats = xrayradar.stats()
  await xrayradar.close()
  await collector.close()

  console.log(`\n${collector.events.length} events arrived at the collector:\n`)
  for (const e of collector.events) {
    const values = e.exception?.values ?? []
    console.log(`• ${e.level.toUpperCase()} ${e.message}`)
    for (const v of values.slice(0, -1)) console.log(`    cause: ${v.type}: ${v.value}`)
    const frames = values[values.length - 1]?.stacktrace?.frames ?? []
    // Run from an installed package (npx xrayradar demo) the sample service is under node_modules,
    // so none of its frames is in_app: show its own top frame all the same, and say why.
    const inApp = frames.filter((f) => f.in_app).pop()
    const top = inApp ?? frames.filter((f) => f.filename?.includes(SAMPLE_SOURCE) === true).pop()
    if (top !== undefined) {
      console.log(`    at ${top.function ?? '<anonymous>'} (${top.filename ?? '?'}:${top.lineno ?? '?'})${inApp === undefined ? ' (in node_modules, so in_app: false; your own files are in_app)' : ''}`)
      if (top.context_line != null) console.log(`    > ${top.context_line.trim()}`)
    }
    const req = e.contexts.request as { url?: string, headers?: Record<string, string> } | null
    if (req !== null) console.log(`    request ${req.url ?? ''} (query string stripped, ${Object.keys(req.headers ?? {}).length} headers kept, no authorization/cookie)`)
    console.log(`    user ${JSON.stringify({ id: e.contexts.user?.id, ip_address: e.contexts.user?.ip_address })} · tags ${JSON.stringify(e.contexts.tags)} · fingerprint ${JSON.stringify(e.fingerprint)}`)
  }
  console.log(`\nstats(): ${JSON.stringify(stats)}`)
  return collector.events.length === SAMPLE_PATHS.length && flushed ? 0 : 1
}
