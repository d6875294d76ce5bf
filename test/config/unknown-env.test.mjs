// A misspelled XRAYRADAR_* variable is named once on stderr at init(), with the one it likely meant.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { unknownEnvVariables } from '../../dist/config/env.js'

const sdk = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
// Only the variables a case sets: the test's own environment must not add or hide any.
const clean = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toUpperCase().startsWith('XRAYRADAR_')))

function initTwice (env) {
  const script = `const x = require(${JSON.stringify(sdk)}); x.init({}); x.init({}); console.log(JSON.stringify(x.stats()))`
  return spawnSync(process.execPath, ['-e', script], { env: { ...clean(), ...env }, encoding: 'utf8', timeout: 20000 })
}

t.test('which known variable a misspelled name meant', async (t) => {
  const found = Object.fromEntries(unknownEnvVariables({
    XRAYRADAR_DNS: 'x', XRAYRADAR_SAMPLERATE: '1', xrayradar_dsn: 'x', XRAYRADAR_TOKEN: 'x', XRAYRADAR_ENV: 'x', XRAYRADAR_RELASE: 'x', XRAYRADAR_COLOUR: 'x',
    XRAYRADAR_DSN: 'x', XRAYRADAR_SAMPLE_RATE: '1', PATH: '/bin'
  }).map(({ name, suggestion }) => [name, suggestion]))
  t.same(found, {
    XRAYRADAR_DNS: 'XRAYRADAR_DSN',
    XRAYRADAR_SAMPLERATE: 'XRAYRADAR_SAMPLE_RATE',
    xrayradar_dsn: 'XRAYRADAR_DSN',
    XRAYRADAR_TOKEN: 'XRAYRADAR_AUTH_TOKEN',
    XRAYRADAR_ENV: 'XRAYRADAR_ENVIRONMENT',
    XRAYRADAR_RELASE: 'XRAYRADAR_RELEASE',
    XRAYRADAR_COLOUR: null
  }, 'known names and other variables are not reported; an unrelated name gets no guess')
})

t.test('one warning at init(), naming each misspelled variable and not its value', async (t) => {
  const r = initTwice({ XRAYRADAR_DNS: 'http://127.0.0.1:9/1', XRAYRADAR_SAMPLERATE: '0.5', XRAYRADAR_AUTH_TOKN: 'value-that-is-a-secret' })
  t.equal(r.status, 0, r.stderr)
  const lines = r.stderr.split('\n').filter((l) => l.includes('unknown environment variable'))
  t.equal(lines.length, 1, 'one line, though init() ran twice')
  t.match(lines[0], 'XRAYRADAR_DNS (did you mean XRAYRADAR_DSN?)')
  t.match(lines[0], 'XRAYRADAR_SAMPLERATE (did you mean XRAYRADAR_SAMPLE_RATE?)')
  t.match(lines[0], 'XRAYRADAR_AUTH_TOKN (did you mean XRAYRADAR_AUTH_TOKEN?)')
  t.notMatch(r.stderr, /value-that-is-a-secret/)
  // The misspelled DSN was not used: the client is disabled, and says so.
  t.match(r.stderr, /disabled: no DSN/)
})

t.test('correctly spelled variables: no warning', async (t) => {
  const r = initTwice({ XRAYRADAR_DSN: 'http://127.0.0.1:9/1', XRAYRADAR_SAMPLE_RATE: '0.5', XRAYRADAR_ENVIRONMENT: 'test' })
  t.equal(r.status, 0, r.stderr)
  t.notMatch(r.stderr, /unknown environment variable/)
  t.equal(r.stderr, '', 'nothing on stderr at all')
})
