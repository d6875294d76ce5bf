#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startCollector } from './collector/server'
import { runDemo } from './demo/run'

const HELP = `Usage:
  xrayradar collector [--host 127.0.0.1] [--port 9000] [--token TOKEN] [--project ID ...]
                      [--file events.jsonl] [--max-body BYTES] [--quiet]
  xrayradar demo

collector  serves the XrayRadar store contract on the loopback interface, prints
           one line per event, and takes faults at POST /__xrayradar/fault
           (JSON: {"status":500,"count":3} / {"status":429,"retryAfter":2} / {"latencyMs":150}).
demo       runs an instrumented sample service against an embedded collector.`

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'demo') {
    return await runDemo()
  }
  if (command !== 'collector') {
    const known = command === undefined || command === '--help' || command === '-h'
    if (!known) process.stderr.write(`xrayradar: unknown command "${command}"\n`)
    process.stdout.write(HELP + '\n')
    return known ? 0 : 2
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
  const stop = (): void => { void collector.close().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return -1 // keep serving
}

main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exitCode = code }, (err: Error) => {
  process.stderr.write(`xrayradar: ${err.message}\n`)
  process.exitCode = 2
})
