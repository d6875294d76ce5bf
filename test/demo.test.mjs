// `npm run demo` works as the README says: events arrive and are shown.
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { fixture } from './helpers.mjs'

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

function demo (nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '--enable-source-maps', cli, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (d) => { stdout += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('demo hung')) }, 30000)
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout }) })
  })
}

t.test('the demo runs the sample service against the embedded collector', async (t) => {
  const out = await demo()
  t.equal(out.code, 0)
  t.match(out.stdout, /4 events arrived at the collector/)
  t.match(out.stdout, /TypeError: Cannot read properties of undefined \(reading 'id'\)/)
  t.match(out.stdout, /cause: Error: read ECONNRESET/)
  t.match(out.stdout, /src\/demo\/sample-service\.ts/, 'frames are source-mapped to the TypeScript sources')
  t.notMatch(out.stdout, /sk_live_123/, 'the query string with a secret is stripped')
  t.notMatch(out.stdout, /trace=/, 'no OpenTelemetry in the process: no trace shown')
})

t.test('run under OpenTelemetry (http instrumentation preloaded): each event shows its trace', async (t) => {
  const out = await demo(['--require', fixture('otel-preload.cjs')])
  t.equal(out.code, 0)
  t.match(out.stdout, /4 events arrived at the collector/)
  const summaries = out.stdout.split('\n').filter((l) => l.startsWith('[collector] project 42'))
  t.equal(summaries.length, 4, 'the collector printed a line per event')
  const fromCollector = summaries.map((l) => / · trace=([0-9a-f]{8})$/.exec(l)?.[1])
  t.ok(fromCollector.every((x) => x !== undefined), 'each collector line ends with trace=<8 hex>')
  const listed = out.stdout.split('\n').filter((l) => l.startsWith('• ')).map((l) => / · trace=([0-9a-f]{8})$/.exec(l)?.[1])
  t.equal(listed.length, 4)
  t.same(listed.slice().sort(), fromCollector.slice().sort(), 'the demo lists the same traces')
  t.equal(new Set(listed).size, 4, 'one trace per request (each request a server span of its own)')
})
