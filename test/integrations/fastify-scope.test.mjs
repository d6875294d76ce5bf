// Fastify 4 and 5 with httpIntegration (a default): N concurrent interleaved requests, each
// reported with its own request data, user, tags and breadcrumbs (incoming, outgoing, the
// user's) and none of another request's or the background's; one event per error when the
// handler also captured it.
import t from 'tap'
import fastify5 from 'fastify'
import fastify4 from 'fastify4'
import { setupFastifyErrorHandler, getIsolationScope } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { N, startUpstream, handle, fireInterleaved, checkIsolation } from './request-isolation.mjs'

for (const [major, Fastify] of Object.entries({ 5: fastify5, 4: fastify4 })) {
  t.test(`Fastify ${major}: ${N} interleaved requests, each event with its own request's data only`, async (t) => {
    const { client, collector } = await setup(t)
    const upstream = await startUpstream(t)
    const app = Fastify({ logger: false })
    setupFastifyErrorHandler(app, { client })
    app.register(async (api) => { api.get('/users/:id', async (req) => handle(Number(req.params.id), upstream, client)) }, { prefix: '/api' })
    await app.listen({ host: '127.0.0.1', port: 0 })
    t.teardown(() => app.close())
    const statuses = await fireInterleaved(`http://127.0.0.1:${app.server.address().port}`, (i) => `/api/users/${i}?q=${i}`)
    t.same(statuses, Array(N).fill(500))
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(N, 5000))
    await new Promise((resolve) => setTimeout(resolve, 200)) // room for a duplicate to show up
    checkIsolation(t, collector.events, { framework: 'fastify', routeOf: () => 'GET /api/users/:id', scopeTags: true })
    t.same(getIsolationScope().breadcrumbs.filter((b) => b.category === 'test').map((b) => b.message), ['background'], 'no request\'s breadcrumb in the process scope (the test\'s own fetches are there, as they should)')
  })
}
