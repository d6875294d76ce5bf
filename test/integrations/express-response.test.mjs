// The response Express sends is the same with and without setupExpressErrorHandler (status,
// body, content type), with Express's own final handler and with the app's error middleware
// after ours; and the handler's events show that it did run on those requests.
import t from 'tap'
import { createRequire } from 'node:module'
import { setupExpressErrorHandler } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { buildExpressApp } from './express-app.mjs'
import { get, settle } from './framework-helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { messageOf } from '../utils/events.mjs'

const require = createRequire(import.meta.url)
const PATHS = ['/plain/1', '/api/users/7', '/api/v1/items/3', '/api/forbidden', '/api/unavailable', '/api/boom/502', '/api/ok', '/nope', '/mw']

for (const [pkg, major] of [['express4', 4], ['express', 5]]) {
  for (const own of [false, true]) {
    t.test(`Express ${major}${own ? ', own error middleware after ours' : ', Express\'s final handler'}: same responses`, async (t) => {
      const { client, collector } = await setup(t)
      const express = require(pkg)
      const paths = major === 5 ? [...PATHS, '/api/async/4'] : PATHS
      const plain = await listen(t, buildExpressApp(express, { major, ownErrorMiddleware: own }))
      const withSdk = await listen(t, buildExpressApp(express, { major, ownErrorMiddleware: own, sdk: (app) => setupExpressErrorHandler(app) }))
      for (const path of paths) {
        const a = await get(plain.base + path)
        const b = await get(withSdk.base + path)
        t.same(b, a, `${path}: ${a.status} ${a.type}`)
        if (own && a.status >= 400 && path !== '/nope') t.match(b.body, /"error"/, `${path}: the app's error middleware answered`)
      }
      const expected = major === 5 ? 7 : 6
      await settle(client, collector, expected, t)
      t.equal(collector.events.length, expected, 'the handler ran: one event per server error of the SDK app only')
      t.ok(collector.events.every((e) => typeof messageOf(e) === 'string'))
    })
  }
}
