// ESM consumers: named exports, one shared instance with CommonJS, types shipped.
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as esm from 'xrayradar'
import defaultImport from 'xrayradar'

const require = createRequire(import.meta.url)
const cjs = require('xrayradar')

t.test('named exports', async (t) => {
  for (const name of ['ErrorTracker', 'init', 'getClient', 'captureException', 'captureMessage', 'addBreadcrumb', 'setUser', 'setTag', 'setExtra', 'setContext', 'clearBreadcrumbs', 'flush', 'close', 'withScope', 'runWithIsolationScope', 'loadConfig', 'XrayRadarError', 'ConfigurationError', 'InvalidDsnError', 'TransportError', 'DebugTransport', 'NullTransport', 'Level', 'startCollector']) {
    t.ok(esm[name] !== undefined, `export ${name}`)
    t.equal(esm[name], cjs[name], `${name} is the same object under require()`)
  }
  t.equal(defaultImport.init, cjs.init, 'default import is the CommonJS module')
  t.same(esm.Level, { FATAL: 'fatal', ERROR: 'error', WARNING: 'warning', INFO: 'info', DEBUG: 'debug' })
})

t.test('one client across ESM and CJS', async (t) => {
  const client = esm.init({ transport: new esm.NullTransport() })
  t.equal(cjs.getClient(), client)
  await cjs.close()
  t.equal(esm.getClient(), null)
})

t.test('type declarations for both entry points', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url)))
  const root = new URL('../../', import.meta.url)
  t.ok(existsSync(new URL(pkg.exports['.'].import.types, root)))
  t.ok(existsSync(new URL(pkg.exports['.'].require.types, root)))
  t.match(readFileSync(new URL(pkg.exports['.'].import.types, root), 'utf8'), /captureException/)
})

t.test('error classes', async (t) => {
  const e = new esm.InvalidDsnError('bad dsn')
  t.ok(e instanceof esm.ConfigurationError && e instanceof esm.XrayRadarError && e instanceof Error)
  t.equal(e.code, 'XRAYRADAR_CONFIG')
  t.equal(e.name, 'InvalidDsnError')
  t.equal(new esm.TransportError('refused', 401).status, 401)
  t.equal(esm.RateLimitedError, undefined, 'a 429 is a state counted in stats(), not an error class')
})
