// `npm run demo` works as the README says: events arrive and are shown, grouped into
// issues; with --keep-open the collector and its page stay up until a signal.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { fixture } from './helpers.mjs'
import { runChild, startChild } from './utils/child.mjs'

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
// The demo's whole run (a collector, a worker pool, five requests) on a loaded machine.
const DEMO_TIMEOUT_MS = 30000

// The demo's token: made at random each run (32 bytes, base64url), never the old public constant.
const OLD_TOKEN = 'demo-token-not-a-secret'
const pageToken = (stdout) => /its page: http:\/\/127\.0\.0\.1:\d+\/#token=(\S+)/.exec(stdout)?.[1]
const tokens = []

const demo = (nodeArgs = []) => runChild(process.execPath, [...nodeArgs, '--enable-source-maps', cli, 'demo'], { timeoutMs: DEMO_TIMEOUT_MS })

t.test('the demo runs the sample service against the embedded collector', async (t) => {
  const out = await demo()
  t.equal(out.code, 0)
  t.match(out.stdout, /5 events arrived at the collector, 4 issues/)
  t.match(out.stdout, /TypeError: Cannot read properties of undefined \(reading 'id'\)/)
  t.match(out.stdout, /cause: Error: read ECONNRESET/)
  t.match(out.stdout, /src\/demo\/sample-service\.ts/, 'frames are source-mapped to the TypeScript sources')
  t.notMatch(out.stdout, /sk_live_123/, 'the query string with a secret is stripped')
  t.match(out.stdout, /its page: http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43} \(npm run demo -- --keep-open keeps it up after the run\)/, 'a 256-bit base64url token in the link')
  const token = pageToken(out.stdout)
  t.not(token, OLD_TOKEN)
  tokens.push(token)
  t.notMatch(out.stdout, /stay up/, 'without --keep-open it ends')
  t.notMatch(out.stdout, /trace=/, 'no OpenTelemetry in the process: no trace shown')
})


t.test('run under OpenTelemetry (http instrumentation preloaded): each event shows its trace', async (t) => {
  const out = await demo(['--require', fixture('otel-preload.cjs')])
  t.equal(out.code, 0)
  t.match(out.stdout, /5 events arrived at the collector/)
  tokens.push(pageToken(out.stdout))
  t.equal(tokens.length, 2)
  t.not(tokens[1], tokens[0], 'another run, another token')
  const summaries = out.stdout.split('\n').filter((l) => l.startsWith('[collector] project 42'))
  t.equal(summaries.length, 5, 'the collector printed a line per event')
  const fromCollector = summaries.map((l) => / · trace=([0-9a-f]{8})$/.exec(l)?.[1])
  t.ok(fromCollector.every((x) => x !== undefined), 'each collector line ends with trace=<8 hex>')
  const listed = out.stdout.split('\n').filter((l) => l.startsWith('• ')).map((l) => / · trace=([0-9a-f]{8})$/.exec(l)?.[1])
  t.equal(listed.length, 5)
  t.same(listed.slice().sort(), fromCollector.slice().sort(), 'the demo lists the same traces')
  t.equal(new Set(listed).size, 5, 'one trace per request (each request a server span of its own)')
})

t.test('demo --keep-open: the collector and its page answer after the run, until SIGTERM', async (t) => {
  // Stays up until the signal below; the deadline only bounds a demo that never stops.
  const run = startChild(process.execPath, ['--enable-source-maps', cli, 'demo', '--keep-open'], { timeoutMs: 2 * DEMO_TIMEOUT_MS, t })
  const [, url] = await run.waitForOutput(/The collector and its page stay up: (\S+)/, DEMO_TIMEOUT_MS)
  const page = new URL(url)
  const token = /^#token=([A-Za-z0-9_-]{43})$/.exec(page.hash)?.[1]
  t.ok(token, 'the page URL carries the token in its fragment')
  t.equal(token, pageToken(run.stdout()), 'the one printed at start')
  t.not(token, OLD_TOKEN)
  const html = await fetch(page.origin + '/')
  t.equal(html.status, 200)
  t.match(await html.text(), /<title>xrayradar collector<\/title>/)
  const api = await fetch(`${page.origin}/ui/api/groups`, { headers: { 'x-xrayradar-token': token } })
  const groups = await api.json()
  t.match(groups, { kept: 5, total: 4 })
  t.same(groups.groups.map((g) => g.count), [2, 1, 1, 1], 'the repeated /checkout error is one issue with two events')
  t.equal((await fetch(`${page.origin}/ui/api/groups`)).status, 401, 'the page\'s data wants the demo\'s token')
  t.equal((await fetch(`${page.origin}/ui/api/groups`, { headers: { 'x-xrayradar-token': OLD_TOKEN } })).status, 401, 'the old public token opens nothing')
  run.child.kill('SIGTERM')
  const { code, signal } = await run.exited
  t.same({ code, signal }, { code: 0, signal: null }, 'SIGTERM stops it cleanly')
})
