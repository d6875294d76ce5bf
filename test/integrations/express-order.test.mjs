// setupExpressErrorHandler called before any route prints one line saying where it belongs
// (Express never passes a route's errors to error middleware added before it); called after
// routes, after a mounted router or after a mounted sub-app, it prints nothing.
import t from 'tap'
import { createRequire } from 'node:module'
import { setupExpressErrorHandler } from 'xrayradar'

const require = createRequire(import.meta.url)

function stderrOf (fn) {
  const lines = []
  const write = process.stderr.write
  process.stderr.write = (chunk, ...rest) => { if (String(chunk).includes('[xrayradar]')) { lines.push(String(chunk)); return true } return write.call(process.stderr, chunk, ...rest) }
  try { fn() } finally { process.stderr.write = write }
  return lines
}

for (const [pkg, major] of [['express4', 4], ['express', 5]]) {
  const express = require(pkg)
  t.test(`Express ${major}: before any route, one line with the fix`, async (t) => {
    const empty = express()
    t.same(stderrOf(() => setupExpressErrorHandler(empty)).length, 1, 'an app with nothing on it')
    const onlyMiddleware = express()
    onlyMiddleware.use(express.json())
    const lines = stderrOf(() => setupExpressErrorHandler(onlyMiddleware))
    t.equal(lines.length, 1, 'an app with middleware but no route')
    t.match(lines[0], /called before any route.*Call it after your routes and routers/)
    t.equal(lines[0].trim().split('\n').length, 1, 'one line')
  })
  t.test(`Express ${major}: after routes, routers or sub-apps, nothing`, async (t) => {
    const a = express()
    a.get('/x', (req, res) => res.end())
    const b = express()
    b.use('/api', express.Router())
    const c = express()
    c.use('/sub', express())
    const d = express.Router()
    d.get('/y', (req, res) => res.end())
    for (const [name, app] of [['route', a], ['router', b], ['sub-app', c], ['a Router given', d]]) {
      t.same(stderrOf(() => setupExpressErrorHandler(app)), [], name)
    }
  })
}
