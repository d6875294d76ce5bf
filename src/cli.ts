#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startCollector } from './collector/server'
import { runDemo } from './demo/run'

import { SDK_VERSION } from './shared/version'

const HELP = `xrayradar ${SDK_VERSION}: error tracking for Node.js services that report to XrayRadar.

Usage:
  xrayradar collector [options]   a local XrayRadar store endpoint (see: xrayradar collector --help)
  xrayradar demo [--keep-open]    an instrumented sample service against an embedded collector
  xrayradar --version             prints the version
  xrayradar --help                prints this text

The SDK itself is a library: import it and call init() (README.md, docs/).`

const COLLECTOR_HELP = `Usage: xrayradar collector [options]

Serves the XrayRadar store contract (POST /api/{project_id}/store/, docs/wire-protocol.md)
for development and tests, prints one line per event, shows the events grouped into
issues on its page (its root URL, printed at start), and takes faults at
POST /__xrayradar/fault (JSON: {"status":500,"count":3} / {"status":429,"retryAfter":2} /
{"latencyMs":150}). Stop it with Ctrl-C.

The page and the /__xrayradar/ endpoints answer only on loopback, unless the collector
has a token: then they answer anyone who sends it (the page asks for it). Listening on
loopback, they answer only a loopback Host name (127.0.0.1, localhost), token or not.
The store endpoint takes events from SDKs (no Origin header) by any Host; a request a
browser made (Origin or Sec-Fetch-Site) only from the collector's own origin under the
same Host rule (docs/collector.md, "Who may reach it").

Options:
  --host HOST        interface to listen on (default 127.0.0.1)
  --port PORT        port, 0 for any free one (default 9000)
  --token TOKEN      require X-Xrayradar-Token: TOKEN (401 otherwise), for the page too
  --project ID       accept only this project id (404 otherwise); repeat for more
  --file PATH        append every stored event to PATH as JSON lines (mode 0600)
  --max-body BYTES   largest accepted body (413 above; default 1048576)
  --quiet            no line per event
  -h, --help         prints this text

The DSN to give the SDK is printed at start: http://HOST:PORT/PROJECT.`

const DEMO_HELP = `Usage: xrayradar demo [--keep-open]

Starts a collector on a free loopback port, runs a small instrumented service that
fails in several ways against it, and prints what arrived and the collector's page.

Options:
  --keep-open   leave the collector and its page running afterwards (Ctrl-C stops it)
  -h, --help    prints this text`

const wantsHelp = (args: string[]): boolean => args.includes('--help') || args.includes('-h')

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--version' || command === '-v') {
    process.stdout.write(SDK_VERSION + '\n')
    return 0
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP + '\n')
    return 0
  }
  if (command === 'demo') {
    if (wantsHelp(rest)) { process.stdout.write(DEMO_HELP + '\n'); return 0 }
    const { values } = parseArgs({ args: rest, options: { 'keep-open': { type: 'boolean', default: false } } })
    return await runDemo({ keepOpen: values['keep-open'] })
  }
  if (command !== 'collector') {
    process.stderr.write(`xrayradar: unknown command "${command}"\n\n${HELP}\n`)
    return 2
  }
  if (wantsHelp(rest)) {
    process.stdout.write(COLLECTOR_HELP + '\n')
    return 0
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '9000' },
      token: { type: 'string' },
      project: { type: 'string', multiple: true },
      file: { type: 'string' },
      'max-body': { type: 'string' },
      quiet: { type: 'boolean', default: false }
    }
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a whole number from 0 to 65535, got ${values.port}`)
  const maxBody = values['max-body'] === undefined ? undefined : Number(values['max-body'])
  if (maxBody !== undefined && !(Number.isInteger(maxBody) && maxBody > 0)) throw new Error(`--max-body must be a positive whole number of bytes, got ${values['max-body']}`)
  const collector = await startCollector({
    host: values.host,
    port,
    token: values.token ?? null,
    projects: values.project ?? null,
    file: values.file ?? null,
    maxBodyBytes: maxBody,
    log: !values.quiet
  })
  process.stdout.write(`xrayradar collector listening on ${collector.url} (DSN ${collector.dsn(values.project?.[0] ?? '1')})\n`)
  process.stdout.write(`its page: ${collector.pageUrl}${values.token === undefined ? '' : ' (asks for the token)'}\n`)
  const stop = (): void => { void collector.close().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return -1 // keep serving
}

main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exitCode = code }, (err: Error) => {
  process.stderr.write(`xrayradar: ${err.message}\nRun "xrayradar --help", "xrayradar collector --help" or "xrayradar demo --help" for usage.\n`)
  process.exitCode = 2
})
