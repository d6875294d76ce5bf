// No DSN: the client is disabled, and says so once on stderr even without debug.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const sdk = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
const clean = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toUpperCase().startsWith('XRAYRADAR_')))

function run (env, body) {
  const script = `const x = require(${JSON.stringify(sdk)}); ${body}`
  return spawnSync(process.execPath, ['-e', script], { env: { ...clean(), ...env }, encoding: 'utf8', timeout: 20000 })
}

t.test('without a DSN: one line at init() naming the fix, and the captures counted as disabled', async (t) => {
  const r = run({}, "x.init({}); x.init({ environment: 'x' }); new x.ErrorTracker({}); x.captureMessage('lost'); x.captureException(new Error('lost')); console.log(JSON.stringify(x.stats()))")
  t.equal(r.status, 0, r.stderr)
  const lines = r.stderr.split('\n').filter((l) => l.includes('[xrayradar]'))
  t.equal(lines.length, 1, 'once per process, however many clients')
  t.match(lines[0], /\[xrayradar\] disabled: no DSN, nothing will be sent\. Set XRAYRADAR_DSN or the dsn option/)
  t.match(lines[0], /stats\(\)\.dropped\.disabled/)
  const stats = JSON.parse(r.stdout)
  t.equal(stats.captured, 2)
  t.equal(stats.dropped.disabled, 2, 'what the line says matches stats()')
})

t.test('with a DSN, a transport, or debug: no "disabled" line', async (t) => {
  const withDsn = run({ XRAYRADAR_DSN: 'http://127.0.0.1:9/1' }, 'x.init({})')
  t.equal(withDsn.status, 0, withDsn.stderr)
  t.equal(withDsn.stderr, '')
  const withTransport = run({}, 'x.init({ transport: new x.NullTransport() })')
  t.equal(withTransport.stderr, '')
  const debug = run({}, 'x.init({ debug: true })')
  t.notMatch(debug.stderr, /disabled/)
  t.match(debug.stderr, /sending to a debug transport/)
})
