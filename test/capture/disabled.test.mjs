// No DSN: the client is disabled, and says so once on stderr even without debug.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sdkLines } from '../utils/stderr.mjs'

const sdk = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
const clean = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toUpperCase().startsWith('XRAYRADAR_')))

function run (env, body) {
  const script = `const x = require(${JSON.stringify(sdk)}); ${body}`
  return spawnSync(process.execPath, ['-e', script], { env: { ...clean(), ...env }, encoding: 'utf8', timeout: 20000 })
}

t.test('without a DSN: one line at init() naming the fix, and the captures counted as disabled', async (t) => {
  const r = run({}, "x.init({}); x.init({ environment: 'x' }); new x.ErrorTracker({}); x.captureMessage('lost'); x.captureException(new Error('lost')); console.log(JSON.stringify(x.stats()))")
  t.equal(r.status, 0, r.stderr)
  const lines = sdkLines(r.stderr)
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

t.test('an empty DSN from any source disables the client with one line, never a throw', async (t) => {
  const cases = [
    ['the option, empty', {}, "x.init({ dsn: '' })", /the dsn option is empty/],
    ['the option from a variable that is set but empty', { MY_DSN: '' }, 'x.init({ dsn: process.env.MY_DSN })', /the dsn option is empty/],
    ['the option, whitespace only', {}, "x.init({ dsn: ' \\t\\n' })", /the dsn option is empty/],
    ['XRAYRADAR_DSN empty, no option', { XRAYRADAR_DSN: '' }, 'x.init({})', /XRAYRADAR_DSN is empty/],
    ['XRAYRADAR_DSN whitespace only, no option', { XRAYRADAR_DSN: '   ' }, 'x.init()', /XRAYRADAR_DSN is empty/],
    ['a config file with "dsn": ""', { CONFIG: join(t.testdir({ 'xrayradar.json': '{"dsn": ""}' }), 'xrayradar.json') }, 'x.init(x.loadConfig(process.env.CONFIG))', /the dsn option is empty/]
  ]
  for (const [name, env, call, source] of cases) {
    const r = run(env, `${call}; ${call}; x.captureMessage('lost'); console.log(JSON.stringify(x.stats()))`)
    t.equal(r.status, 0, `${name}: init() did not throw; stderr: ${r.stderr}`)
    const lines = r.stderr.split('\n').filter((l) => l !== '')
    t.equal(lines.length, 1, `${name}: exactly one line, even with init() twice: ${r.stderr}`)
    t.match(lines[0], /^\[xrayradar\] disabled: no DSN/, name)
    t.match(lines[0], source, `${name}: the line names where the empty DSN came from`)
    t.match(lines[0], /stats\(\)\.dropped\.disabled/)
    const stats = JSON.parse(r.stdout)
    t.same([stats.captured, stats.dropped.disabled], [1, 1], `${name}: the capture is counted as the line says`)
  }
})

t.test('an empty dsn option over a set XRAYRADAR_DSN: the option wins, and debug says so', async (t) => {
  const r = run({ XRAYRADAR_DSN: 'http://127.0.0.1:9/1' }, "x.init({ dsn: '' }); console.log(JSON.stringify({ sending: x.getClient().options.dsn }))")
  t.equal(r.status, 0, r.stderr)
  t.same(JSON.parse(r.stdout), { sending: null }, 'explicit options win over the environment, an empty one too')
  t.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1)
  t.match(r.stderr, /the dsn option is empty/)
  const d = run({ XRAYRADAR_DSN: 'http://127.0.0.1:9/1' }, "x.init({ dsn: '', debug: true })")
  t.equal(d.status, 0, d.stderr)
  t.match(d.stderr, /\[xrayradar\] no DSN: the dsn option is empty \(it wins over XRAYRADAR_DSN, which is set\)/, 'debug names the source and the variable it hid')
  t.match(d.stderr, /sending to a debug transport/)
})
