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
