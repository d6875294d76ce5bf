// Issue 9, items 7 (DebugTransport, short tokens), 8 (errors echo secrets) and
// 10 (setRequest with a raw Node request).
import t from 'tap'
import { request as httpRequest, createServer } from 'node:http'
import { join } from 'node:path'
import { ErrorTracker, ConfigurationError, InvalidDsnError, loadConfig, requestDataFromNode } from 'xrayradar'
import { setup, runFixture } from '../helpers.mjs'

t.test('7: DebugTransport prints scrubbed events; a token of any length is scrubbed and a short one warned about', async (t) => {
  for (const token of ['q7z', 'Zq9-longer-debug-token']) {
    const r = await runFixture('debug-token.mjs', { env: { XRAYRADAR_DSN: '', FIXTURE_TOKEN: token } })
    t.equal(r.code, 0, r.stderr)
    t.match(r.stdout, /"message": "Error: boom \[Filtered\]"/, `${token}: the event was printed`)
    t.match(r.stdout, /"value": "boom \[Filtered\]"/)
    t.match(r.stdout, /"fp \[Filtered\]"/)
    t.match(r.stdout, /"note": "tag \[Filtered\]"/)
    t.notOk(r.stdout.includes(token), `${token}: never printed on stdout`)
    t.notOk(r.stderr.includes(token), `${token}: never printed on stderr`)
    if (token.length < 8) t.match(r.stderr, /auth token is shorter than 8 characters/, 'a short token is warned about')
    else t.notMatch(r.stderr, /shorter than 8/, 'no warning for a long token')
  }
})

t.test('8: a non-string authToken is refused without echoing it (a YAML number)', async (t) => {
  for (const bad of [12345678, [98765432], { v: 'tok-in-object' }]) {
    try {
      new ErrorTracker({ authToken: bad }) // eslint-disable-line no-new
      t.fail('should throw')
    } catch (err) {
      t.ok(err instanceof ConfigurationError)
      t.equal(err.code, 'XRAYRADAR_CONFIG')
      t.match(err.message, /authToken must be a string/)
      t.match(err.message, /quote it/)
      t.notMatch(err.message, /12345678|98765432|tok-in-object/)
    }
  }
  const dir = t.testdir({ 'xrayradar.yaml': 'dsn: https://xrayradar.com/3\nauth_token: 12345678\n' })
  try {
    loadConfig(join(dir, 'xrayradar.yaml'))
    t.fail('should throw')
  } catch (err) {
    t.ok(err instanceof ConfigurationError)
    t.match(err.message, /auth_token must be a string/)
    t.notMatch(err.message, /12345678/)
  }
  t.equal(new ErrorTracker({ authToken: 'a-valid-token' }).options.authToken, 'a-valid-token', 'a string is accepted')
})

t.test('denyKeys: a list of key names, from code or a file; anything else is refused naming the fix', async (t) => {
  for (const bad of ['ssn', [''], ['-'], [1], {}]) {
    t.throws(() => new ErrorTracker({ denyKeys: bad }), { name: 'ConfigurationError', message: /denyKeys must be a list of key names such as \["ssn", "card_number"\]/ }, JSON.stringify(bad))
  }
  t.same(new ErrorTracker({ denyKeys: ['ssn'] }).options.denyKeys, ['ssn'])
  const dir = t.testdir({ 'xrayradar.yaml': 'dsn: https://xrayradar.com/3\ndeny_keys: [ssn, card_number]\n' })
  t.same(loadConfig(join(dir, 'xrayradar.yaml')).denyKeys, ['ssn', 'card_number'])
})

t.test('8: a DSN password holding "/" or "@" never leaks through the redaction', async (t) => {
  const cases = [
    ['https://key:pa/ss@xrayradar.com/42', /pa\/ss|key:/], // not a URL: the host would be "key"
    ['https://key:12/ss@xrayradar.com/42', /12\/ss|key:/], // parses, with the password's tail in the path
    ['ftp://key:p@ss@xrayradar.com/42', /p@ss|ss@|key:/],
    ['https://key:p@ss@/42', /p@ss|ss@|key:/]
  ]
  for (const [dsn, leak] of cases) {
    try {
      new ErrorTracker({ dsn }) // eslint-disable-line no-new
      t.fail(`${dsn} should be refused`)
    } catch (err) {
      t.ok(err instanceof InvalidDsnError, dsn)
      t.match(err.message, /\[redacted\]@/)
      t.notMatch(err.message, leak, `${dsn}: no part of the user info is shown`)
    }
  }
  // An encoded password is fine, and the client never shows it.
  const ok = new ErrorTracker({ dsn: 'https://key:p%40ss%2F@xrayradar.com/42', spool: false })
  t.equal(ok.options.dsn.redacted, 'https://xrayradar.com/42')
  await ok.close(100)
})

/** One real request to a loopback server whose handler calls fn(req); resolves after the response. */
function serveOne (fn) {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      try { fn(req) } catch (err) { reject(err) }
      res.end('ok')
    })
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      const req = httpRequest({ host: '127.0.0.1', port, path: '/orders/7?coupon=X', method: 'POST', headers: { cookie: 'sid=abc', 'x-trace': 't1' } }, (res) => {
        res.resume()
        res.on('end', () => server.close(() => resolve(port)))
      })
      req.on('error', reject)
      req.end('body')
    })
  })
}

t.test('10: setRequest with a raw IncomingMessage keeps only request info; requestDataFromNode converts one', async (t) => {
  const { collector, client } = await setup(t, {})
  let direct = null
  const port = await serveOne((req) => {
    direct = requestDataFromNode(req)
    client.setRequest(req)
    client.captureMessage('with a node request')
  })
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1)
  const r = collector.events[0].contexts.request
  t.same(Object.keys(r).sort(), ['env', 'headers', 'method', 'query_string', 'url'])
  t.equal(r.url, `http://127.0.0.1:${port}/orders/7`, 'absolute, query removed')
  t.equal(r.method, 'POST')
  t.equal(r.headers['x-trace'], 't1')
  t.notOk('cookie' in r.headers, 'the cookie header is removed by default')
  const json = JSON.stringify(r)
  t.notMatch(json, /rawHeaders|sid=abc|_readableState|socket/i, 'no socket internals, no raw headers')
  t.ok(json.length < 1024, `small (${json.length} bytes)`)
  // The converter itself: everything, for the privacy rules to decide on.
  t.equal(direct.url, `http://127.0.0.1:${port}/orders/7?coupon=X`)
  t.equal(direct.query_string, 'coupon=X')
  t.equal(direct.headers.cookie, 'sid=abc')
  t.same(direct.env, { SERVER_NAME: '127.0.0.1', SERVER_PORT: String(port), REMOTE_ADDR: '127.0.0.1' })
})

t.test('10: setRequest keeps only RequestInfo fields of a plain object', async (t) => {
  const { collector, client } = await setup(t, {})
  client.setRequest({ url: 'https://x.example/a', method: 'GET', socket: { fd: 3 }, rawHeaders: ['Cookie', 'sid=1'], extraThing: 1 })
  client.captureMessage('plain')
  client.setRequest({ url: 'https://x.example/b', headers: new Headers({ 'x-a': '1', cookie: 'sid=1' }) })
  client.captureMessage('fetch headers')
  t.equal(await client.flush(5000), true)
  t.same(collector.events[0].contexts.request, { url: 'https://x.example/a', method: 'GET' })
  t.same(collector.events[1].contexts.request, { url: 'https://x.example/b', headers: { 'x-a': '1' } }, 'a fetch Headers object is read, its cookie removed')
})
