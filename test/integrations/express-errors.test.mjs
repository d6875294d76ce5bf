// setupExpressErrorHandler on real Express 4 and 5 apps: which errors are reported (status
// >= 500 or none) and which are not, the framework/route tags with the mount path of nested
// routers, the mechanism, shouldHandleError and the client option.
import t from 'tap'
import { createRequire } from 'node:module'
import { ErrorTracker, setupExpressErrorHandler } from 'xrayradar'
import { setup, TOKEN } from '../helpers.mjs'
import { buildExpressApp } from './express-app.mjs'
import { get, settle, checkReported } from './framework-helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { messageOf } from '../utils/events.mjs'

const require = createRequire(import.meta.url)
const MAJORS = [['express4', 4], ['express', 5]]

for (const [pkg, major] of MAJORS) {
  const express = require(pkg)

  t.test(`Express ${major}: server errors reported with route and mount path, client errors not`, async (t) => {
    const { client, collector } = await setup(t)
    const s = await listen(t, buildExpressApp(express, { major, sdk: (app) => setupExpressErrorHandler(app) }))
    const reported = {
      'plain 1': ['/plain/1', 500, 'GET /plain/:n'],
      'user 7': ['/api/users/7', 500, 'GET /api/users/:id'],
      'item 3': ['/api/v1/items/3', 500, 'GET /api/v1/items/:itemId'],
      unavailable: ['/api/unavailable', 503, 'GET /api/unavailable'],
      'boom 502': ['/api/boom/502', 500, 'GET /api/boom/:code'],
      'odd status': ['/api/odd-status', 500, 'GET /api/odd-status'],
      middleware: ['/mw', 500, undefined]
    }
    if (major === 5) reported['async 9'] = ['/api/async/9', 500, 'GET /api/async/:id']
    const notReported = [['/api/forbidden', 403], ['/api/boom/404', 500], ['/api/ok', 200], ['/nope', 404]]
    // Not-reported first: the reported ones that follow show that the pipeline was working.
    for (const [path, status] of notReported) t.equal((await get(s.base + path)).status, status, path)
    for (const [path, status] of Object.values(reported)) t.equal((await get(s.base + path)).status, status, path)
    await settle(client, collector, Object.keys(reported).length, t)
    checkReported(t, collector.events, Object.fromEntries(Object.entries(reported).map(([message, [, , route]]) => [message, route])), 'express')
  })

  t.test(`Express ${major}: shouldHandleError decides instead; a throwing one falls back to the default`, async (t) => {
    const { client, collector } = await setup(t)
    const seen = []
    const only403 = (err, req, res) => { seen.push([req.method, typeof res.status]); return err.status === 403 }
    const a = await listen(t, buildExpressApp(express, { major, sdk: (app) => setupExpressErrorHandler(app, { shouldHandleError: only403 }) }))
    const b = await listen(t, buildExpressApp(express, { major, sdk: (app) => setupExpressErrorHandler(app, { shouldHandleError: () => { throw new Error('bad callback') } }) }))
    t.equal((await get(a.base + '/api/users/1')).status, 500)
    t.equal((await get(a.base + '/api/forbidden')).status, 403)
    t.equal((await get(b.base + '/api/forbidden')).status, 403)
    t.equal((await get(b.base + '/api/users/2')).status, 500)
    await settle(client, collector, 2, t)
    t.same(collector.events.map(messageOf).sort(), ['forbidden', 'user 2'], 'the 403 by the override, not user 1; the throwing callback fell back to status rules')
    t.same(seen[0], ['GET', 'function'], 'the callback gets (err, req, res)')
  })

  t.test(`Express ${major}: the client option sends to that client only`, async (t) => {
    const { client, collector } = await setup(t)
    const other = await setup(t)
    const s = await listen(t, buildExpressApp(express, { major, sdk: (app) => setupExpressErrorHandler(app, { client: other.client }) }))
    await get(s.base + '/api/users/5')
    await settle(other.client, other.collector, 1, t)
    t.ok(await client.flush(5000))
    t.same(other.collector.events.map(messageOf), ['user 5'])
    t.equal(collector.events.length, 0, 'nothing at the latest client')
  })
}

t.test('not an Express app: a ConfigurationError naming the fix', async (t) => {
  t.throws(() => setupExpressErrorHandler({}), { code: 'XRAYRADAR_CONFIG', message: /needs an Express application/ })
  t.throws(() => setupExpressErrorHandler(null), { code: 'XRAYRADAR_CONFIG' })
})

t.test('a closed client reports nothing and Express still answers', async (t) => {
  const { client, collector } = await setup(t)
  // The same app and handler given an open client and a closed one: the open one's event shows
  // that the handler is there and reports; the closed one's app must send nothing, not even
  // through the latest open client.
  const appFor = (c) => listen(t, buildExpressApp(require('express'), { major: 5, sdk: (app) => setupExpressErrorHandler(app, { client: c }) }))
  const open = new ErrorTracker({ dsn: collector.dsn('43'), authToken: TOKEN, spool: false, defaultIntegrations: false })
  t.teardown(() => open.close(100))
  const closed = new ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false, defaultIntegrations: false })
  await closed.close(100)
  const withClosed = await appFor(closed)
  const withOpen = await appFor(open)
  t.equal((await get(withClosed.base + '/api/users/3')).status, 500, 'Express still answers')
  t.equal((await get(withOpen.base + '/api/users/4')).status, 500)
  t.ok(await open.flush(5000))
  t.ok(await client.flush(5000))
  await new Promise((r) => setTimeout(r, 150))
  t.same(collector.events.map(messageOf), ['user 4'], 'only the open client\'s event: none for the closed one, nor through another client')
  t.same(collector.counts, { 43: 1 }, 'sent by the open client')
})

t.test('wrong options are refused with the fix, for Express and Koa', async (t) => {
  const { setupKoaErrorHandler } = await import('xrayradar')
  const express = require('express')
  const Koa = require('koa')
  for (const [name, call] of [['express', (o) => setupExpressErrorHandler(express(), o)], ['koa', (o) => setupKoaErrorHandler(new Koa(), o)]]) {
    t.throws(() => call({ shouldHandleError: 'yes' }), { code: 'XRAYRADAR_CONFIG', message: /shouldHandleError must be a function/ }, name)
    t.throws(() => call({ client: {} }), { code: 'XRAYRADAR_CONFIG', message: /client must be an ErrorTracker/ }, name)
    t.throws(() => call('strict'), { code: 'XRAYRADAR_CONFIG', message: /options must be an object/ }, name)
    t.doesNotThrow(() => call({ client: null, shouldHandleError: undefined }), `${name}: null client and no callback are fine`)
  }
})
