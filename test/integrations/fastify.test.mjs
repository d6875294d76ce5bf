// setupFastifyErrorHandler on real Fastify 4 and 5 servers on 127.0.0.1: reported on the
// final status only (a user handler's 401, validation 400, 404 are not), route tags with the
// plugin prefix, the hook reaching encapsulated plugins, the response unchanged,
// shouldHandleError, one event per error, nothing after close().
import t from 'tap'
import fastify5 from 'fastify'
import fastify4 from 'fastify4'
import { setupFastifyErrorHandler, FastifyHandlerError } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { PATHS, buildApp, startFastifyApp } from './fastify-app.mjs'
import { hitAll, reportedIn, checkReported } from './framework-helpers.mjs'

const MAJORS = { 5: fastify5, 4: fastify4 }

for (const [major, Fastify] of Object.entries(MAJORS)) {
  t.test(`Fastify ${major}: reported vs not per final status, route tags, response unchanged`, async (t) => {
    const { client, collector } = await setup(t)
    const plain = await hitAll(await startFastifyApp(t, buildApp(Fastify, null)), PATHS)
    const withSdk = await hitAll(await startFastifyApp(t, buildApp(Fastify, { client })), PATHS)
    t.same(withSdk, plain, 'every status and body is what Fastify answers without the SDK')
    t.equal(plain['/api/guarded/auth'].status, 401)
    t.equal(plain['/api/validated'].status, 400)
    t.equal(plain['/api/missing'].status, 404)
    t.equal(plain['/api/http-404'].status, 404)
    t.equal(plain['/api/explicit-503'].status, 503)

    const expected = reportedIn(PATHS)
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(Object.keys(expected).length, 5000))
    await new Promise((resolve) => setTimeout(resolve, 200)) // room for an extra event to show up
    checkReported(t, collector.events, expected, 'fastify')
  })

  t.test(`Fastify ${major}: shouldHandleError decides instead; a throwing one falls back to the default`, async (t) => {
    const { client, collector } = await setup(t)
    const seen = []
    const shouldHandleError = (err, request, reply) => {
      seen.push([err.message, reply.statusCode, typeof request.raw])
      if (err.message === 'handler gave up') throw new Error('user callback broke')
      return reply.statusCode === 401 // the 401 only, not the 500s
    }
    const base = await startFastifyApp(t, buildApp(Fastify, { client, shouldHandleError }))
    await hitAll(base, PATHS)
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(2, 5000))
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.same(collector.events.map((e) => e.exception.values.at(-1).value).sort(), ['handler gave up', 'no token'], 'what the callback accepted, and the 500 it threw on (default rule)')
    t.ok(seen.some(([m, s, raw]) => m === 'user 7 broke' && s === 500 && raw === 'object'), 'called with (error, request, reply) at the final status')
  })

  t.test(`Fastify ${major}: one event when the user's handler also captured it; nothing once the client is closed`, async (t) => {
    const { client, collector } = await setup(t)
    const app = Fastify({ logger: false })
    setupFastifyErrorHandler(app) // no client option: the latest open client with integrations
    app.setErrorHandler((err, req, reply) => { client.captureException(err); reply.code(500).send({ failed: true }) })
    app.get('/twice', async () => { throw new Error('seen twice') })
    const base = await startFastifyApp(t, app)
    t.equal((await fetch(base + '/twice')).status, 500)
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(1, 5000))
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.equal(collector.events.length, 1, 'the handler and the SDK saw one error: one event')
    t.notOk('mechanism' in collector.events[0].contexts, 'the user capture came first (no mechanism): the handler sent no second event')
    t.same(collector.events[0].contexts.tags, { framework: 'fastify', route: 'GET /twice' }, 'and it has the tags, put on the request\'s scope')

    await client.close(1000)
    t.equal((await fetch(base + '/twice')).status, 500, 'the app still answers after close()')
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.equal(collector.events.length, 1, 'a closed client reports nothing')
  })
  t.test(`Fastify ${major}: called after plugins and routes were declared, before ready: still reaches them`, async (t) => {
    const { client, collector } = await setup(t)
    const app = Fastify({ logger: false })
    await app.register(async (p) => { p.get('/early', async () => { throw new Error('early plugin') }) })
    app.get('/root', async () => { throw new Error('root route') })
    setupFastifyErrorHandler(app, { client })
    const base = await startFastifyApp(t, app)
    for (const path of ['/early', '/root']) t.equal((await fetch(base + path)).status, 500)
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(2, 5000))
    t.same(collector.events.map((e) => e.contexts.tags.route).sort(), ['GET /early', 'GET /root'])
    t.throws(() => setupFastifyErrorHandler(app, { client }), { code: 'XRAYRADAR_FASTIFY_SETUP', message: /after the app was ready.*right after Fastify\(\)/ }, 'after listen: refused, saying where the call belongs')
  })
}

t.test('a non-Fastify argument and wrong options are refused with the fix', async (t) => {
  t.throws(() => setupFastifyErrorHandler({}), FastifyHandlerError)
  t.throws(() => setupFastifyErrorHandler(null), { code: 'XRAYRADAR_FASTIFY_SETUP', message: /pass what Fastify\(\) returned/ })
  const app = fastify5({ logger: false })
  t.throws(() => setupFastifyErrorHandler(app, { shouldHandleError: true }), { code: 'XRAYRADAR_CONFIG', message: /shouldHandleError must be a function \(error, request, reply\)/ })
  t.throws(() => setupFastifyErrorHandler(app, { client: {} }), { code: 'XRAYRADAR_CONFIG', message: /client must be an ErrorTracker/ })
  t.throws(() => setupFastifyErrorHandler(app, 'yes'), { code: 'XRAYRADAR_CONFIG' })
})
