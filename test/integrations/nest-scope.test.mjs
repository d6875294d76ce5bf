// NestJS 10 and 11, Express and Fastify adapters, with httpIntegration (a default): N
// concurrent interleaved requests, each reported with its own request data, user, tags and
// breadcrumbs (incoming, outgoing, the user's) and none of another request's or the
// background's; one event per error when the handler also captured it.
import 'reflect-metadata'
import t from 'tap'
import { setupNestErrorHandler } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { loadNest } from './nest-app.mjs'
import { N, startUpstream, handle, fireInterleaved, checkIsolation } from './request-isolation.mjs'

function appModule (nest, upstream, client) {
  const { Controller, Get, Param, Module } = nest.common
  class UsersController {
    async get (id) { return handle(Number(id), upstream, client) }
  }
  Controller('users')(UsersController)
  Get(':id')(UsersController.prototype, 'get', Object.getOwnPropertyDescriptor(UsersController.prototype, 'get'))
  Param('id')(UsersController.prototype, 'get', 0)
  class AppModule {}
  Module({ controllers: [UsersController] })(AppModule)
  return AppModule
}

for (const major of [11, 10]) {
  const nest = loadNest(major)
  for (const adapter of ['express', 'fastify']) {
    t.test(`Nest ${major} + ${adapter}: ${N} interleaved requests, each event with its own request's data only`, async (t) => {
      const { client, collector } = await setup(t)
      const upstream = await startUpstream(t)
      const platform = adapter === 'fastify' ? new nest.platforms.fastify.FastifyAdapter() : new nest.platforms.express.ExpressAdapter()
      const app = await nest.core.NestFactory.create(appModule(nest, upstream, client), platform, { logger: false })
      app.setGlobalPrefix('api')
      setupNestErrorHandler(app, { client })
      await app.listen(0, '127.0.0.1')
      t.teardown(() => app.close())
      const statuses = await fireInterleaved(`http://127.0.0.1:${app.getHttpServer().address().port}`, (i) => `/api/users/${i}?q=${i}`)
      t.same(statuses, Array(N).fill(500))
      t.ok(await client.flush(5000))
      t.ok(await collector.waitForEvents(N, 5000))
      await new Promise((resolve) => setTimeout(resolve, 200)) // room for a duplicate to show up
      checkIsolation(t, collector.events, { framework: 'nestjs', routeOf: () => 'GET /api/users/:id', scopeTags: true })
    })
  }
}
