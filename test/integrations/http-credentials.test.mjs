// Credentials a client writes into the request line or the Host header (a raw socket sends
// them exactly; node:http accepts them) never reach request.url, the Host header, SERVER_NAME
// or the http.server breadcrumb: with default settings and with sendDefaultPii alike.
import t from 'tap'
import { connect } from 'node:net'
import { setup } from '../helpers.mjs'
import { listen } from '../utils/servers.mjs'

const USER = 'Uq8Rn5Vt'
const PW = 'Pw9Hq3Jd7Lk2Xs'
const F = '[Filtered]'

/** One raw HTTP/1.1 request; resolves with the response's status line. */
function raw (port, target, host) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`))
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (d) => { text += d })
    socket.on('end', () => resolve(text.split('\r\n')[0]))
    socket.on('error', reject)
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')))
  })
}

function prefixOf (json) {
  for (const s of [USER, PW]) for (let n = 4; n <= s.length; n++) if (json.includes(s.slice(0, n))) return s.slice(0, n)
  return null
}

for (const pii of [false, true]) {
  t.test(`credentials in Host or the request path (sendDefaultPii: ${pii})`, async (t) => {
    const { collector, client } = await setup(t, { sendDefaultPii: pii })
    const ids = new Map()
    const { server } = await listen(t, (req, res) => {
      ids.set(req.headers['x-case'] ?? req.url, client.captureMessage(`served ${req.method}`))
      res.end('ok')
    })
    const port = server.address().port
    const here = `127.0.0.1:${port}`
    const cases = [
      // [name, request target, Host header, wanted request.url (default settings), wanted host header]
      ['user info in Host', '/ok', `${USER}:${PW}@${here}`, `http://${here}/ok`, `${F}@${here}`],
      ["'@' inside Host's password", '/ok2', `${USER}:${PW}@x@${here}`, `http://${here}/ok2`, `${F}@${here}`],
      ['a network-path target', `//${USER}:${PW}@evil.example/x?q=1`, here, `http://${here}//${F}@evil.example/x`, here],
      ['user info later in the path', `/a//${USER}:${PW}@b/c`, here, `http://${here}/a//${F}@b/c`, here],
      ['an absolute-form target', `http://${USER}:${PW}@${here}/abs?q=1`, here, `http://${here}/abs`, here]
    ]
    for (const [, target, host] of cases) t.match(await raw(port, target, host), /^HTTP\/1\.1 200/, `served: ${target}`)
    t.equal(await client.flush(5000), true)
    t.equal(collector.events.length, cases.length, 'one event per request')
    const byId = new Map(collector.events.map((e) => [e.event_id, e]))
    for (const [name, target, , url, host] of cases) {
      const e = byId.get(ids.get(target))
      if (e === undefined) { t.fail(`${name}: no event`); continue }
      t.equal(prefixOf(JSON.stringify(e)), null, `${name}: no part of the user name or password arrives`)
      const r = e.contexts.request
      // With sendDefaultPii the query stays; credentials go either way.
      const wanted = pii && target.includes('?q=1') ? `${url}?q=1` : url
      t.equal(r.url, wanted, `${name}: request.url`)
      t.equal(r.headers.host, host, `${name}: the Host header`)
      t.equal(r.env.SERVER_NAME, '127.0.0.1', `${name}: SERVER_NAME`)
      const crumb = e.breadcrumbs.find((b) => b.category === 'http.server')
      t.equal(crumb?.data.url, wanted, `${name}: the breadcrumb's url`)
      t.equal(crumb?.message, `GET ${wanted}`, `${name}: the breadcrumb's message`)
    }
  })
}
