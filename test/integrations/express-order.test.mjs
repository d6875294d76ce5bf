// setupExpressErrorHandler called before any route prints one line saying where it belongs
// (Express never passes a route's errors to error middleware added before it); called after
// routes, after a mounted router or after a mounted sub-app, it prints nothing.
import t from 'tap'
import { createRequire } from 'node:module'
import { setupExpressErrorHandler } from 'xrayradar'
import { stderrOf } from '../utils/stderr.mjs'

const require = createRequire(import.meta.url)

for (const [pkg, major] of [['express4', 4], ['express', 5]]) {
  const express = require(pkg)
  t.test(`Express ${major}: before any route, one line with the fix`, async (t) => {
    const empty = express()
    t.same(stderrOf(() => setupExpressErrorHandler(empty)).length, 1, 'an app with nothing on it')
    const onlyMiddleware = express()
    onlyMiddleware.use(express.json())
    const lines = stderrOf(() => setupExpressErrorHandler(onlyMiddleware))
    t.equal(lines.length, 1, 'an app with middleware but no route: one line')
    t.match(lines[0], /called before any route.*Call it after your routes and routers/)
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
