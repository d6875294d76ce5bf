// The framework and route tags of a request's own events come from the route the framework
// matched, kept on the request's scope and turned into tags only when an event is built: an
// event before the match has none, one after it has them; a tag the handler sets after the
// match wins, one set before it is replaced by the match; the app still reads req.route as
// Express gave it. Express 4 and 5, Fastify 4 and 5.
import t from 'tap'
import { createRequire } from 'node:module'
import * as xr from 'xrayradar'
import { setup } from '../helpers.mjs'
import { get, settle } from './framework-helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { findByMessage } from '../utils/events.mjs'

const require = createRequire(import.meta.url)

for (const [pkg, major] of [['express4', 4], ['express', 5]]) {
  t.test(`Express ${major}: route tags made at event time, in the order the app saw them`, async (t) => {
    const express = require(pkg)
    const { client, collector } = await setup(t)
    const app = express()
    app.set('env', 'test')
    const seenRoutes = []
    app.use((req, res, next) => {
      xr.setTag('route', 'set before the match')
      client.captureMessage(`before ${req.url}`)
      next()
    })
    const api = express.Router()
    api.get('/users/:id', (req, res) => {
      // The app's own read of req.route: Express's Route, as without the SDK.
      seenRoutes.push({ path: req.route?.path, get: req.route?.methods?.get === true })
      client.captureMessage(`matched ${req.params.id}`)
      xr.setTag('route', 'set by the handler')
      client.captureMessage(`overridden ${req.params.id}`)
      res.json({ ok: true })
    })
    app.use('/api', api)
    xr.setupExpressErrorHandler(app)
    const s = await listen(t, app)
    t.equal((await get(`${s.base}/api/users/7`)).status, 200)
    t.equal((await get(`${s.base}/api/users/8`)).status, 200)
    await settle(client, collector, 6, t)
    t.same(seenRoutes, [{ path: '/users/:id', get: true }, { path: '/users/:id', get: true }], 'req.route is the Route Express assigned')
    for (const id of ['7', '8']) {
      const before = findByMessage(collector.events, `before /api/users/${id}`)
      const matched = findByMessage(collector.events, `matched ${id}`)
      const overridden = findByMessage(collector.events, `overridden ${id}`)
      t.equal(before?.contexts.tags.route, 'set before the match', 'before the match: the app\'s own tag, no framework tag')
      t.equal(before?.contexts.tags.framework, undefined)
      t.equal(matched?.contexts.tags.route, 'GET /api/users/:id', 'after the match: the template replaces the earlier tag')
      t.equal(matched?.contexts.tags.framework, 'express')
      t.equal(overridden?.contexts.tags.route, 'set by the handler', 'a tag set after the match wins')
      t.equal(overridden?.contexts.tags.framework, 'express')
    }
    t.equal(xr.getIsolationScope().tags.route, undefined, 'nothing reached the process scope')
  })
}

for (const [pkg, major] of [['express4', 4], ['express', 5]]) {
  t.test(`Express ${major}: one route under two mounts and two methods, alternating, gets each request's own tag`, async (t) => {
    // A route object keeps the match it made last, for the next request under the same mount
    // and method: alternating mounts and methods must never hand one request another's template.
    const express = require(pkg)
    const { client, collector } = await setup(t)
    const app = express()
    app.set('env', 'test')
    const api = express.Router()
    api.all('/things/:id', (req, res) => { client.captureMessage(`${req.method} ${req.originalUrl}`); res.json({ ok: true }) })
    app.use('/v1', api)
    app.use('/v2', api)
    xr.setupExpressErrorHandler(app)
    const routeObject = api.stack[0].route
    const enumerable = (o) => Reflect.ownKeys(o).filter((k) => Object.prototype.propertyIsEnumerable.call(o, k)).map(String)
    const keysBefore = enumerable(routeObject)
    const s = await listen(t, app)
    const asked = [['GET', '/v1/things/1'], ['GET', '/v2/things/2'], ['POST', '/v2/things/3'], ['GET', '/v1/things/4'], ['POST', '/v1/things/5'], ['GET', '/v1/things/6'], ['GET', '/v1/things/7']]
    // The match the route object keeps (its only symbol slot of ours): a new one per change of
    // mount or method, the same one for a request like the one before.
    const kept = () => { const k = Object.getOwnPropertySymbols(routeObject).find((s) => s.description === 'xrayradar.lastRouteMatch'); return k === undefined ? undefined : routeObject[k] }
    const matches = []
    for (const [method, path] of asked) {
      t.equal((await fetch(`${s.base}${path}`, { method, signal: AbortSignal.timeout(10000) })).status, 200)
      matches.push(kept())
    }
    t.ok(matches.every((m) => m !== undefined), 'the route object keeps its last match')
    t.equal(new Set(matches.slice(0, 6)).size, 6, 'each change of mount or method made a new match')
    t.equal(matches[6], matches[5], 'the same request again reused the match')
    await settle(client, collector, asked.length, t)
    for (const [method, path] of asked) {
      const e = findByMessage(collector.events, `${method} ${path}`)
      t.equal(e?.contexts.tags.route, `${method} ${path.slice(0, 3)}/things/:id`, `${method} ${path}: its own mount and method`)
      t.equal(e?.contexts.tags.framework, 'express')
    }
    t.same(enumerable(routeObject), keysBefore, 'nothing enumerable (symbols included) added to Express\'s route object')
  })
}

for (const [pkg, major] of [['fastify4', 4], ['fastify', 5]]) {
  t.test(`Fastify ${major}: route tags made at event time`, async (t) => {
    const fastify = require(pkg)({ logger: false })
    const { client, collector } = await setup(t)
    xr.setupFastifyErrorHandler(fastify)
    await fastify.register(async (api) => {
      api.route({ method: ['GET', 'POST'], url: '/users/:id', handler: async (request) => { client.captureMessage(`in ${request.method} ${request.params.id}`); return { ok: true } } })
      api.get('/plain', async () => { client.captureMessage('plain'); return { ok: true } })
      // A route's own hook still runs first; the handler keeps its `this`; Fastify's HEAD route of a GET route is tagged HEAD.
      api.get('/hooked', { onRequest: async (request) => { request.raw.hookRan = true } }, async function (request) {
        client.captureMessage(`hooked ${request.method} ${request.raw.hookRan === true} ${this?.server === fastify.server}`)
        return { ok: true }
      })
    }, { prefix: '/api' })
    await fastify.listen({ port: 0, host: '127.0.0.1' })
    // The tags are kept without a hook of ours: a route-level onRequest hook makes Fastify run its hook runner for every request.
    const hooks = fastify.printRoutes({ includeHooks: true, commonPrefix: false })
    t.match(hooks, /plain/, 'the routes are listed')
    t.notMatch(hooks, /xrayradar/, 'no hook of ours on any route')
    t.equal((hooks.match(/\(onRequest\)/g) ?? []).length, 2, 'only the /hooked route\'s own onRequest hook (GET and its HEAD route)')
    t.teardown(() => fastify.close())
    const base = `http://127.0.0.1:${fastify.server.address().port}`
    t.equal((await get(`${base}/api/users/3`)).status, 200)
    t.equal((await fetch(`${base}/api/users/4`, { method: 'POST' })).status, 200)
    t.equal((await get(`${base}/api/plain`)).status, 200)
    await settle(client, collector, 3, t)
    t.same(findByMessage(collector.events, 'in GET 3')?.contexts.tags, { framework: 'fastify', route: 'GET /api/users/:id' })
    t.same(findByMessage(collector.events, 'in POST 4')?.contexts.tags, { framework: 'fastify', route: 'POST /api/users/:id' }, 'a route of two methods: the request\'s')
    t.same(findByMessage(collector.events, 'plain')?.contexts.tags, { framework: 'fastify', route: 'GET /api/plain' })
    t.equal((await get(`${base}/api/hooked`)).status, 200)
    t.equal((await fetch(`${base}/api/hooked`, { method: 'HEAD' })).status, 200)
    await settle(client, collector, 5, t)
    t.same(findByMessage(collector.events, 'hooked GET true true')?.contexts.tags, { framework: 'fastify', route: 'GET /api/hooked' }, 'after the route\'s own hook, with the handler\'s this')
    t.same(findByMessage(collector.events, 'hooked HEAD true true')?.contexts.tags, { framework: 'fastify', route: 'HEAD /api/hooked' }, 'the HEAD route Fastify made of the GET route')
  })
}
