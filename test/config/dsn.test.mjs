import t from 'tap'
import { InvalidDsnError, ConfigurationError, ErrorTracker } from 'xrayradar'
import { parseDsn, redactDsn } from '../../dist/config/dsn.js'

t.test('valid DSNs', async (t) => {
  t.match(parseDsn('https://xrayradar.com/your_project_id'), { scheme: 'https', host: 'xrayradar.com', projectId: 'your_project_id', storeUrl: 'https://xrayradar.com/api/your_project_id/store/' })
  t.match(parseDsn('http://127.0.0.1:9000/42'), { origin: 'http://127.0.0.1:9000', projectId: '42', storeUrl: 'http://127.0.0.1:9000/api/42/store/' })
  t.match(parseDsn('https://key:pw@ingest.example.com/prefix/7/'), { projectId: '7', redacted: 'https://ingest.example.com/7' }, 'the last non-empty segment is the project')
})

t.test('invalid DSNs name the expected form and never echo a password', async (t) => {
  for (const bad of ['', 'not a url', 'ftp://host/1', 'https://host', 'https://host/', 'xrayradar.com/1', 42, null]) {
    t.throws(() => parseDsn(bad), { name: 'InvalidDsnError', message: /https:\/\/xrayradar\.com\/your_project_id/ }, `rejects ${JSON.stringify(bad)}`)
  }
  try {
    new ErrorTracker({ dsn: 'https://user:hunter2@host' })
    t.fail('should throw')
  } catch (err) {
    t.ok(err instanceof InvalidDsnError && err instanceof ConfigurationError)
    t.notMatch(err.message, /hunter2/)
    t.match(err.message, /\[redacted\]@host/)
  }
  t.equal(redactDsn('see https://k:secret@h/1 and http://k2@h2/2'), 'see https://[redacted]@h/1 and http://[redacted]@h2/2')
})

t.test('whitespace inside a DSN is refused, naming the fix and never the secret', async (t) => {
  for (const bad of ['https://key:s3cr3t pw9@xrayradar.com/1', 'https://key:s3cr3t\tpw9@xrayradar.com/1', 'https://xrayradar.com/your project', 'https://key:hunter2@xrayradar.com/1\nhttps://other/2', 'https://key:hun ter2@xrayradar.com']) {
    let err = null
    try { new ErrorTracker({ dsn: bad }) } catch (e) { err = e }
    t.ok(err instanceof InvalidDsnError && err instanceof ConfigurationError, `refused: ${JSON.stringify(bad)}`)
    t.match(err?.message, /whitespace/, 'says what is wrong')
    t.match(err?.message, /%20/, 'names the fix for a space that belongs in it')
    t.match(err?.message, /https:\/\/xrayradar\.com\/your_project_id/, 'and the expected form')
    for (const secret of ['s3cr3t', 'pw9', 'hunter2', 'hun', 'ter2']) t.notMatch(err?.message ?? '', new RegExp(secret), `never echoes ${secret}`)
  }
  t.equal(parseDsn('  https://xrayradar.com/1 \n').projectId, '1', 'whitespace around it is not part of it (a pasted line end)')
})
