// setupKoaErrorHandler on real Koa 2 and 3 apps with @koa/router: server errors (status >= 500,
// not expose) reported with the framework/route tags, client errors (ctx.throw(404), 400, an
// exposed 503) not; shouldHandleError; the client option.
import t from 'tap'
import { setupKoaErrorHandler } from 'xrayradar'
import { createRequire } from 'node:module'
import { setup } from '../helpers.mjs'
import { buildKoaApp, KOA_MAJORS } from './koa-app.mjs'
import { get, settle, checkReported } from './framework-helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { messageOf } from '../utils/events.mjs'

const require = createRequire(import.meta.url)

for (const [pkg, major] of KOA_MAJORS) {
  const Koa = require(pkg)

  t.test(`Koa ${major}: server errors reported with their route, client errors not`, async (t) => {
    const { client, collector } = await setup(t)
    const app = buildKoaApp(Koa, { sdk: (a) => setupKoaErrorHandler(a) })
    app.silent = true // Koa's logging is koa-logging.test.mjs's concern
    const s = await listen(t, app.callback())
    const reported = {
      'user 7': ['/api/users/7', 500, 'GET /api/users/:id'],
      'item 3': ['/api/v1/items/3', 500, 'GET /api/v1/items/:itemId'],
      server: ['/api/server', 500, 'GET /api/server'],
      unavailable: ['/api/unavailable', 503, 'GET /api/unavailable'],
      'async 9': ['/api/async/9', 500, 'GET /api/async/:id'],
      'non-error thrown: "a string"': ['/api/string', 500, 'GET /api/string'],
      middleware: ['/mw', 500, undefined]
    }
    const notReported = [['/api/missing', 404], ['/api/bad', 400], ['/api/exposed', 503], ['/api/ok', 200], ['/nope', 404]]
    // Koa 2 answers ENOENT with 404, Koa 3 with 500: reported on the status the client got.
    if (major === 2) notReported.push(['/api/enoent', 404])
    else reported.enoent = ['/api/enoent', 500, 'GET /api/enoent']
    for (const [path, status] of notReported) t.equal((await get(s.base + path)).status, status, path)
    for (const [path, status] of Object.values(reported)) t.equal((await get(s.base + path)).status, status, path)
    await settle(client, collector, Object.keys(reported).length, t)
    checkReported(t, collector.events, Object.fromEntries(Object.entries(reported).map(([message, [, , route]]) => [message, route])), 'koa')
  })

  t.test(`Koa ${major}: shouldHandleError decides instead; a throwing one falls back to the default`, async (t) => {
    const { client, collector } = await setup(t)
    const seen = []
    const a = buildKoaApp(Koa, { sdk: (app) => setupKoaErrorHandler(app, { shouldHandleError: (err, ctx) => { seen.push(ctx.path); return err.status === 404 } }) })
    const b = buildKoaApp(Koa, { sdk: (app) => setupKoaErrorHandler(app, { shouldHandleError: () => { throw new Error('bad callback') } }) })
    a.silent = b.silent = true
    const sa = await listen(t, a.callback())
    const sb = await listen(t, b.callback())
    t.equal((await get(sa.base + '/api/users/1')).status, 500)
    t.equal((await get(sa.base + '/api/missing')).status, 404)
    t.equal((await get(sb.base + '/api/missing')).status, 404)
    t.equal((await get(sb.base + '/api/users/2')).status, 500)
    await settle(client, collector, 2, t)
    t.same(collector.events.map(messageOf).sort(), ['Not Found', 'user 2'], 'the 404 by the override, not user 1; the throwing callback fell back to the rules')
    t.same(seen, ['/api/users/1', '/api/missing'], 'the callback gets (err, ctx)')
  })

  t.test(`Koa ${major}: the client option sends to that client only`, async (t) => {
    const { client, collector } = await setup(t)
    const other = await setup(t)
    const app = buildKoaApp(Koa, { sdk: (a) => setupKoaErrorHandler(a, { client: other.client }) })
    app.silent = true
    const s = await listen(t, app.callback())
    await get(s.base + '/api/users/5')
    await settle(other.client, other.collector, 1, t)
    t.ok(await client.flush(5000))
    t.same(other.collector.events.map(messageOf), ['user 5'])
    t.equal(collector.events.length, 0, 'nothing at the latest client')
  })
}

t.test('not a Koa app: a ConfigurationError naming the fix', async (t) => {
  t.throws(() => setupKoaErrorHandler({}), { code: 'XRAYRADAR_CONFIG', message: /needs a Koa application/ })
  t.throws(() => setupKoaErrorHandler(undefined), { code: 'XRAYRADAR_CONFIG' })
})
