// The response Koa sends is the same with and without setupKoaErrorHandler (status, body,
// content type), and the handler did run on those requests (its events arrived).
import t from 'tap'
import { createRequire } from 'node:module'
import { setupKoaErrorHandler } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { buildKoaApp, KOA_MAJORS } from './koa-app.mjs'
import { get, settle } from './framework-helpers.mjs'
import { listen } from '../utils/servers.mjs'

const require = createRequire(import.meta.url)
const PATHS = ['/api/users/7', '/api/v1/items/3', '/api/missing', '/api/bad', '/api/server', '/api/exposed', '/api/unavailable', '/api/enoent', '/api/async/2', '/api/string', '/api/ok', '/nope', '/mw']

for (const [pkg, major] of KOA_MAJORS) {
  t.test(`Koa ${major}: same responses with and without the SDK`, async (t) => {
    const { client, collector } = await setup(t)
    const Koa = require(pkg)
    const plainApp = buildKoaApp(Koa)
    const sdkApp = buildKoaApp(Koa, { sdk: (a) => setupKoaErrorHandler(a) })
    plainApp.silent = sdkApp.silent = true
    const plain = await listen(t, plainApp.callback())
    const withSdk = await listen(t, sdkApp.callback())
    for (const path of PATHS) {
      const a = await get(plain.base + path)
      const b = await get(withSdk.base + path)
      t.same(b, a, `${path}: ${a.status} ${a.type}`)
    }
    const expected = major === 2 ? 7 : 8 // the server errors (Koa 3 answers ENOENT with 500)
    await settle(client, collector, expected, t)
    t.equal(collector.events.length, expected, 'the handler ran: one event per server error of the SDK app only')
  })
}
