import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig, ErrorTracker } from 'xrayradar'

t.test('xrayradar.json as in the Python README', async (t) => {
  const dir = t.testdir({
    'xrayradar.json': JSON.stringify({ dsn: 'https://xrayradar.com/your_project_id', environment: 'production', release: '1.0.0', sample_rate: 0.5, max_breadcrumbs: 50, timeout: 5.0, verify_ssl: true, auth_token: 'your_token_here' })
  })
  const o = loadConfig(join(dir, 'xrayradar.json'))
  t.same(o, { dsn: 'https://xrayradar.com/your_project_id', environment: 'production', release: '1.0.0', sampleRate: 0.5, maxBreadcrumbs: 50, timeout: 5, verifySsl: true, authToken: 'your_token_here' })
  const client = new ErrorTracker({ ...o, dsn: undefined })
  t.equal(client.options.sampleRate, 0.5)
  await client.close()
})

t.test('YAML', async (t) => {
  const dir = t.testdir({ 'xrayradar.yaml': 'dsn: https://xrayradar.com/3\nsend_default_pii: true\nmax_payload_size: 50000\n' })
  t.same(loadConfig(join(dir, 'xrayradar.yaml')), { dsn: 'https://xrayradar.com/3', sendDefaultPii: true, maxPayloadSize: 50000 })
})

t.test('an object of the same shape', async (t) => {
  t.same(loadConfig({ environment: 'x', shutdown_timeout: 500 }), { environment: 'x', shutdownTimeout: 500 })
})

t.test('rejections name the key, the file and the fix', async (t) => {
  const dir = t.testdir({})
  const write = (name, text) => { const p = join(dir, name); writeFileSync(p, text); return p }
  t.throws(() => loadConfig(write('a.json', '{"sample_rat": 1}')), { name: 'ConfigurationError', message: /Unknown key "sample_rat" in .*a\.json\. Known keys: dsn, auth_token/ })
  t.throws(() => loadConfig(write('b.json', '{"sampleRate": 1}')), { message: /Use "sample_rate" \(snake_case\) in files/ })
  t.throws(() => loadConfig(write('c.json', '{"sample_rate": 2}')), { message: /In .*c\.json: sample_rate must be a number from 0 to 1/ })
  t.throws(() => loadConfig(write('d.json', '{"dsn": "https://u:pw123@h"}')), { message: /In .*d\.json: Invalid DSN "https:\/\/\[redacted\]@h"/ })
  t.throws(() => loadConfig(write('e.json', '{nope')), { message: /e\.json is not valid JSON/ })
  t.throws(() => loadConfig(write('f.yaml', 'a: [')), { message: /f\.yaml is not valid YAML/ })
  t.throws(() => loadConfig(write('g.json', '[1]')), { message: /must hold an object of settings/ })
  t.throws(() => loadConfig(join(dir, 'missing.json')), { message: /Cannot read the configuration file .*missing\.json: ENOENT/ })
  t.throws(() => loadConfig({ before_send: 1 }), { message: /Unknown key "before_send"/ }, 'code-only options cannot come from a file')
  t.throws(() => loadConfig(write('i.yaml', 'integrations: []\n')), { message: /Unknown key "integrations" in .*i\.yaml\. It is code .* pass it to init\(\) beside the file's settings, as init\(\{ \.\.\.loadConfig\(file\), integrations: \.\.\. \}\)/ }, 'integrations are code: not from a file, and the message says where they go')
  t.throws(() => loadConfig({ before_send: 1 }), { message: /It is code .* init\(\{ \.\.\.loadConfig\(file\), beforeSend: \.\.\. \}\)/ }, 'the same for every code-only key')
  t.notMatch(t.throws(() => loadConfig(write('k.json', '{"sample_rat": 1}'))).message, /It is code/, 'an unknown key is not called code')
  t.same(loadConfig(write('j.yaml', 'default_integrations: false\n')), { defaultIntegrations: false }, 'turning the defaults off is a setting a file may hold')
  t.throws(() => loadConfig(write('h.json', '{"max_breadcrumbs": -3}')), { message: /max_breadcrumbs must be a whole number/ })
})
