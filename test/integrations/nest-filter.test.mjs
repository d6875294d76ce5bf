// Nest apps with their own catch-all filter (which takes precedence over ours: the
// documented captureNestException call reports from it), and the non-HTTP contexts: a
// GraphQL resolver's error is reported and reaches GraphQL rethrown; an RPC handler's error
// is reported without an HTTP reply being attempted. Nest 10 and 11, real apps on 127.0.0.1.
import 'reflect-metadata'
import t from 'tap'
import { setupNestErrorHandler, captureNestException } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { loadNest } from './nest-app.mjs'

/** A controller for HTTP and a provider standing for a GraphQL resolver / RPC handler. */
function appModule (nest) {
  const { Controller, Get, Injectable, Module, HttpException } = nest.common
  class ItemsController {
    fail () { throw new Error('item broke') }
    denied () { throw new HttpException('no', 403) }
  }
  Controller('items')(ItemsController)
  for (const [name, path] of [['fail', ':id'], ['denied', ':id/denied']]) {
    Get(path)(ItemsController.prototype, name, Object.getOwnPropertyDescriptor(ItemsController.prototype, name))
  }
  class Handlers {
    async fail () { throw new Error('resolver broke') }
    async denied () { throw new HttpException('not allowed', 403) }
  }
  Injectable()(Handlers)
  class AppModule {}
  Module({ controllers: [ItemsController], providers: [Handlers] })(AppModule)
  return { AppModule, Handlers }
}

async function start (t, nest, adapter, configure) {
  const { AppModule, Handlers } = appModule(nest)
  const platform = adapter === 'fastify' ? new nest.platforms.fastify.FastifyAdapter() : new nest.platforms.express.ExpressAdapter()
  const app = await nest.core.NestFactory.create(AppModule, platform, { logger: false })
  app.setGlobalPrefix('v1')
  configure(app)
  await app.listen(0, '127.0.0.1')
  t.teardown(() => app.close())
  return { app, Handlers, base: `http://127.0.0.1:${app.getHttpServer().address().port}` }
}

/** The app's own catch-all filter: its own body; reports through captureNestException when told to. */
function userFilter (app, report) {
  return {
    catch (exception, host) {
      if (report) captureNestException(exception, host)
      const status = typeof exception.getStatus === 'function' ? exception.getStatus() : 500
      app.getHttpAdapter().reply(host.switchToHttp().getResponse(), { mine: true, status }, status)
    }
  }
}

for (const major of [11, 10]) {
  const nest = loadNest(major)
  for (const adapter of ['express', 'fastify']) {
    t.test(`Nest ${major} + ${adapter}: a user catch-all filter wins; captureNestException reports from it`, async (t) => {
      const { client, collector } = await setup(t)
      // Without the call: the user's filter takes precedence, so ours never sees the error.
      const silent = await start(t, nest, adapter, (app) => { setupNestErrorHandler(app, { client }); app.useGlobalFilters(userFilter(app, false)) })
      const r0 = await fetch(silent.base + '/v1/items/1')
      t.same([r0.status, await r0.json()], [500, { mine: true, status: 500 }])
      // With the call: reported once, with the route; the user's response unchanged.
      const { base } = await start(t, nest, adapter, (app) => { setupNestErrorHandler(app, { client }); app.useGlobalFilters(userFilter(app, true)) })
      const r1 = await fetch(base + '/v1/items/2')
      t.same([r1.status, await r1.json()], [500, { mine: true, status: 500 }], 'the user filter answered')
      const r2 = await fetch(base + '/v1/items/2/denied')
      t.same([r2.status, await r2.json()], [403, { mine: true, status: 403 }])
      t.ok(await client.flush(5000))
      t.ok(await collector.waitForEvents(1, 5000))
      await new Promise((resolve) => setTimeout(resolve, 200))
      t.equal(collector.events.length, 1, 'the 500 once; the 403 and the filter without the call: nothing')
      t.same(collector.events[0].contexts.tags, { framework: 'nestjs', route: 'GET /v1/items/:id' })
      t.same(collector.events[0].contexts.mechanism, { type: 'nestjs', handled: false })
    })
  }

  t.test(`Nest ${major}: GraphQL context: reported and rethrown; RPC context: reported, no HTTP reply`, async (t) => {
    const { client, collector } = await setup(t)
    const { app, Handlers } = await start(t, nest, 'express', (app) => setupNestErrorHandler(app, { client }))
    // How @nestjs/graphql and @nestjs/microservices run a handler: through Nest's external
    // context creator, with the app's global filters, for a context type.
    const creator = app.get(nest.core.ExternalContextCreator)
    const handlers = app.get(Handlers)
    const run = (name, type, args) => creator.create(handlers, handlers[name], name, undefined, undefined, undefined, undefined, undefined, type)(...args)
    // GraphQL resolver arguments (root, args, context, info): nothing in them is an HTTP response.
    await t.rejects(run('fail', 'graphql', [{}, {}, {}, {}]), { message: 'resolver broke' }, 'GraphQL gets the error itself back')
    await t.rejects(run('denied', 'graphql', [{}, {}, {}, {}]), { message: 'not allowed' }, 'a 403 is rethrown too')
    // RPC arguments (data, context): a reply attempt would throw a TypeError on them.
    const rpcError = await run('fail', 'rpc', [{ id: 1 }, { getPattern: () => 'items.fail' }]).then(() => null, (e) => e)
    t.equal(rpcError?.message, 'resolver broke', 'the RPC caller gets the original error, not a failed HTTP reply')
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(2, 5000))
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.equal(collector.events.length, 2, 'the GraphQL error and the RPC one; not the 403')
    t.same(collector.events.map((e) => e.contexts.tags), [{ framework: 'nestjs' }, { framework: 'nestjs' }], 'no HTTP route outside HTTP')
  })
}

t.test('captureNestException never throws: a hostile host reports without a route, an expected exception not at all', async (t) => {
  const { client, collector } = await setup(t)
  const hostile = { getType () { throw new Error('no') } }
  t.doesNotThrow(() => captureNestException(new Error('odd host'), hostile, { client }))
  t.doesNotThrow(() => captureNestException({ getStatus () { return 404 } }, null, { client }))
  t.doesNotThrow(() => captureNestException(new Error('no host'), undefined, { client }))
  t.ok(await client.flush(5000))
  t.ok(await collector.waitForEvents(2, 5000))
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.same(collector.events.map((e) => e.exception.values.at(-1).value), ['odd host', 'no host'], 'reported without a route; the 404 not')
  t.same(collector.events.map((e) => e.contexts.tags), [{ framework: 'nestjs' }, { framework: 'nestjs' }])
})
