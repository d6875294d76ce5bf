// The measured server: a minimal node:http app that reads the body and sets a tag. mode
// "none": no SDK; "off": the SDK with defaultIntegrations: false; "on": the defaults (httpIntegration).
const http = require('node:http')
const path = require('node:path')
const mode = process.argv[2]
let xr = null
if (mode !== 'none') {
  xr = require(path.join(__dirname, '..', '..', 'dist', 'index.js'))
  // A DSN nobody answers; no event is captured: only the per-request cost is measured.
  xr.init({ dsn: 'http://127.0.0.1:9/1', spool: false, defaultIntegrations: mode === 'on' })
}
const server = http.createServer((req, res) => {
  let n = 0
  req.on('data', (d) => { n += d.length })
  req.on('end', () => { if (xr) xr.setTag('n', n); res.end('ok') })
})
let since = null
process.on('message', (m) => {
  if (m === 'start') since = process.cpuUsage()
  if (m === 'stop') { const u = process.cpuUsage(since); process.send({ cpu: u.user + u.system }) }
})
server.listen(0, '127.0.0.1', () => process.send(server.address().port))
