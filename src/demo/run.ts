import { randomBytes } from 'node:crypto'
import * as xrayradar from '../index'
import { startSampleService, SAMPLE_PATHS } from './sample-service'
import { traceToken } from '../collector/summary-line'

// `npm run demo`: the local collector, the SDK pointed at it, a sample service
// that fails in a few realistic ways, and what arrived. With keepOpen the collector
// and its page stay up afterwards, until SIGINT or SIGTERM.

/**
 * Random bytes in the demo's token, made anew each run: 256 bits, beyond guessing, so a web page
 * the user visits while `--keep-open` holds the collector up cannot read its events with a
 * token it knows in advance.
 */
const TOKEN_BYTES = 32
// The sample service's source file, as frames name it once mapped (src/demo/*.ts ship in the package).
const SAMPLE_SOURCE = 'demo/sample-service'

export interface DemoOptions {
  /** Leave the collector (and its page) running after the sample service's events. */
  keepOpen?: boolean
}

function untilSignal (): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve() }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}

export async function runDemo (options: DemoOptions = {}): Promise<number> {
  const token = randomBytes(TOKEN_BYTES).toString('base64url')
  const collector = await xrayradar.startCollector({ token, projects: ['42'], log: true })
  // The token is in the fragment, which a browser never sends: the page takes it from there.
  const page = `${collector.pageUrl}#token=${token}`
  console.log(`local collector on ${collector.url}; SDK sending to ${collector.dsn('42')}`)
  console.log(`its page: ${page}${options.keepOpen === true ? '' : ' (npm run demo -- --keep-open keeps it up after the run)'}\n`)
  xrayradar.init({ dsn: collector.dsn('42'), authToken: token, environment: 'demo', release: 'shop@1.4.2' })
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
  if (options.keepOpen !== true) await collector.close()

  const issues = new Set(collector.events.map((e) => JSON.stringify(e.fingerprint))).size
  console.log(`\n${collector.events.length} events arrived at the collector, ${issues} issues:\n`)
  for (const e of collector.events) {
    const values = e.exception?.values ?? []
    console.log(`• ${e.level.toUpperCase()} ${e.message}${traceToken(e)}`)
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
  const code = collector.events.length === SAMPLE_PATHS.length && flushed ? 0 : 1
  if (options.keepOpen === true) {
    console.log(`\nThe collector and its page stay up: ${page}\nStop with Ctrl-C.`)
    await untilSignal()
    await collector.close()
  }
  return code
}
