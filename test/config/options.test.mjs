import t from 'tap'
import { ErrorTracker, ConfigurationError, optionsFromEnv, init, close } from 'xrayradar'
import { resolveOptions } from '../../dist/config/options.js'

t.test('defaults', async (t) => {
  const o = resolveOptions({}, {})
  t.match(o, { dsn: null, environment: 'development', sampleRate: 1, maxBreadcrumbs: 100, sendDefaultPii: false, maxPayloadSize: 102400, verifySsl: true, debug: false, shutdownTimeout: 2000, timeoutMs: 10000, workers: 1 })
  t.equal(typeof o.serverName, 'string')
})

t.test('bad values are rejected with a message that names the fix', async (t) => {
  const cases = [
    [{ sampleRate: 2 }, /sampleRate must be a number from 0 to 1/],
    [{ sampleRate: -0.1 }, /sampleRate/],
    [{ sampleRate: '0.5' }, /sampleRate must be a number/],
    [{ maxBreadcrumbs: -1 }, /maxBreadcrumbs must be a whole number from 0 to 1000/],
    [{ maxBreadcrumbs: 1.5 }, /maxBreadcrumbs must be a whole number/],
    [{ timeout: 0 }, /timeout must be a number from 0.001 to 600 seconds/],
    [{ maxPayloadSize: 10 }, /maxPayloadSize must be a whole number from 1024/],
    [{ environment: '' }, /environment must not be empty/],
    [{ environment: 5 }, /environment must be a string/],
    [{ debug: 'yes' }, /debug must be true or false/],
    [{ beforeSend: 'nope' }, /beforeSend must be a function/],
    [{ transport: {} }, /transport must be an object with a send\(event\) method/],
    [{ sample_rate: 0.5 }, /Unknown option "sample_rate". Did you mean "sampleRate"\?/],
    [{ dns: 'x' }, /Unknown option "dns". Known options: dsn, /],
    [{ workers: 0 }, /workers must be a whole number from 1 to 16/]
  ]
  for (const [opts, message] of cases) {
    t.throws(() => new ErrorTracker(opts), { name: /ConfigurationError|InvalidDsnError/, message }, JSON.stringify(opts))
  }
  t.throws(() => init({ sampleRate: 7 }), ConfigurationError, 'init() throws the same errors')
  await close()
})

t.test('environment variables', async (t) => {
  const env = {
    XRAYRADAR_DSN: 'https://xrayradar.com/9',
    XRAYRADAR_AUTH_TOKEN: 'tok',
    XRAYRADAR_ENVIRONMENT: 'production',
    XRAYRADAR_RELEASE: '2.0.0',
    XRAYRADAR_SERVER_NAME: 'web-9',
    XRAYRADAR_SAMPLE_RATE: '0.25',
    XRAYRADAR_SEND_DEFAULT_PII: 'true',
    XRAYRADAR_DEBUG: '0',
    XRAYRADAR_MAX_BREADCRUMBS: '50',
    XRAYRADAR_TIMEOUT: '2.5',
    XRAYRADAR_VERIFY_SSL: 'false',
    XRAYRADAR_MAX_PAYLOAD_SIZE: '65536'
  }
  t.same(optionsFromEnv(env), { dsn: 'https://xrayradar.com/9', authToken: 'tok', environment: 'production', release: '2.0.0', serverName: 'web-9', sampleRate: 0.25, sendDefaultPii: true, debug: false, maxBreadcrumbs: 50, timeout: 2.5, verifySsl: false, maxPayloadSize: 65536 })
  const o = resolveOptions({ environment: 'explicit' }, env)
  t.equal(o.environment, 'explicit', 'explicit options win over the environment')
  t.equal(o.dsn.projectId, '9')
  t.equal(o.timeoutMs, 2500)
  t.throws(() => optionsFromEnv({ XRAYRADAR_SAMPLE_RATE: 'half' }), { message: /XRAYRADAR_SAMPLE_RATE="half" is not a number/ })
  t.throws(() => optionsFromEnv({ XRAYRADAR_MAX_BREADCRUMBS: '1e1.5' }), { message: /XRAYRADAR_MAX_BREADCRUMBS.*whole number/ })
  t.throws(() => optionsFromEnv({ XRAYRADAR_DEBUG: 'maybe' }), { message: /XRAYRADAR_DEBUG="maybe" is not a boolean/ })
  t.throws(() => resolveOptions({}, { XRAYRADAR_SAMPLE_RATE: '3' }), { message: /sampleRate must be a number from 0 to 1/ }, 'range checks apply to env values too')
})

t.test('the auth token never appears in configuration errors', async (t) => {
  // Errors whose message quotes the value it refuses: a DSN with the token pasted in as its user
  // info (a common copy-paste mistake). Each must throw, name the fix, and not echo the secret.
  const cases = [
    { dsn: 'https://super-secret-token@xrayradar.com/', fix: /no project id/ },
    { dsn: 'https://key:super-secret-token@xrayradar.com', fix: /no project id/ },
    { dsn: 'ftp://super-secret-token@xrayradar.com/1', fix: /scheme must be http or https/ }
  ]
  for (const { dsn, fix } of cases) {
    let err = null
    try { resolveOptions({ dsn, authToken: 'super-secret-token' }, {}) } catch (e) { err = e }
    t.ok(err instanceof ConfigurationError, `${fix} is refused`)
    t.match(err?.message, fix)
    t.match(err?.message, /\[redacted\]@xrayradar\.com/, 'the DSN is quoted, its user info redacted')
    t.notMatch(err?.message, /super-secret-token/)
  }
})

t.test('no DSN and no transport: a disabled client that counts what it ignores', async (t) => {
  const c = new ErrorTracker({})
  t.equal(c.captureException(new Error('x')), undefined)
  t.equal(c.stats().dropped.disabled, 1)
  t.equal(await c.flush(10), true)
  t.equal(await c.close(), true)
})
