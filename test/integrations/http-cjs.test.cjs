// httpIntegration through require('xrayradar'), with the global init() run after the server
// exists: concurrent requests reading raw bodies stay isolated, outgoing node:http calls land in
// the request that made them.
const t = require('tap')
const http = require('node:http')
const xr = require('xrayradar')

const TOKEN = 'test-token-123456'
const N = 10

function send (url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false }, (res) => {
      let text = ''
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

t.test('CommonJS: isolation with raw bodies and outgoing breadcrumbs', async (t) => {
  const { listen } = await import('../utils/servers.mjs')
  const { base: up } = await listen(t, (req, res) => res.end('up'))
  let arrived = 0
  let release
  const allIn = new Promise((resolve) => { release = resolve })
  const releaseTimer = setTimeout(() => release(), 5000) // a broken run cannot hang
  const { base } = await listen(t, (req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', async () => {
      xr.setUser({ id: `u${body}` })
      xr.addBreadcrumb({ message: `mine-${body}` })
      if (++arrived === N) { clearTimeout(releaseTimer); release() }
      await allIn
      await new Promise((resolve, reject) => http.get(`${up}/for/${body}`, { agent: false }, (r) => { r.resume(); r.on('end', resolve) }).on('error', reject))
      xr.captureException(new Error(`fail ${body}`))
      res.end(`ok ${body}`)
    })
  })

  const collector = await xr.startCollector({ token: TOKEN })
  t.teardown(() => collector.close())
  xr.init({ dsn: collector.dsn('7'), authToken: TOKEN, spool: false }) // after the servers exist
  t.teardown(() => xr.close(100))

  const answers = await Promise.all(Array.from({ length: N }, (_, i) => send(`${base}/r${i}`, String(i))))
  t.same(answers.map((a) => a.body), Array.from({ length: N }, (_, i) => `ok ${i}`))
  t.equal(await xr.flush(5000), true)
  t.equal(collector.events.length, N)
  for (const e of collector.events) {
    const i = /fail (\d+)/.exec(e.message)[1]
    t.equal(e.contexts.user.id, `u${i}`)
    t.equal(e.contexts.request.url, `${base}/r${i}`)
    t.same(e.breadcrumbs.map((b) => b.message), [`POST ${base}/r${i}`, `mine-${i}`, `GET ${up}/for/${i}`], 'its own three breadcrumbs, in order')
  }
  t.equal(xr.getIsolationScope().user, null, 'nothing leaked into the root scope')
})
