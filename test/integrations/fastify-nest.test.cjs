// The CommonJS path: require('xrayradar') with require('fastify4') and Nest 11 (Fastify
// adapter), real servers on 127.0.0.1: a 500 reported with its route, a 4xx not.
require('reflect-metadata')
const t = require('tap')
const { ErrorTracker, startCollector, setupFastifyErrorHandler, setupNestErrorHandler } = require('xrayradar')

const TOKEN = 'test-token-123456'

async function clientAndCollector (t) {
  const collector = await startCollector({ token: TOKEN })
  const client = new ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false })
  t.teardown(async () => { await client.close(100); await collector.close() })
  return { client, collector }
}

t.test('Fastify 4 through require()', async (t) => {
  const { client, collector } = await clientAndCollector(t)
  const app = require('fastify4')({ logger: false })
  setupFastifyErrorHandler(app, { client })
  app.register(async (api) => {
    api.get('/orders/:id', async () => { throw new Error('order broke') })
    api.get('/teapot', async () => { const e = new Error('short and stout'); e.statusCode = 418; throw e })
  }, { prefix: '/shop' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${app.server.address().port}`
  t.equal((await fetch(base + '/shop/teapot')).status, 418)
  t.equal((await fetch(base + '/shop/orders/3')).status, 500)
  t.ok(await client.flush(5000))
  t.ok(await collector.waitForEvents(1, 5000))
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.same(collector.events.map((e) => [e.exception.values.at(-1).value, e.contexts.tags]), [['order broke', { framework: 'fastify', route: 'GET /shop/orders/:id' }]], 'the 500 only')
})

t.test('Nest 11 with the Fastify adapter through require()', async (t) => {
  const { client, collector } = await clientAndCollector(t)
  const { Controller, Get, Module, BadRequestException } = require('@nestjs/common')
  const { NestFactory } = require('@nestjs/core')
  const { FastifyAdapter } = require('@nestjs/platform-fastify')
  class OrdersController {
    broken () { throw new TypeError('nest order broke') }
    bad () { throw new BadRequestException('bad order') }
  }
  Controller('orders')(OrdersController)
  Get(':id')(OrdersController.prototype, 'broken', Object.getOwnPropertyDescriptor(OrdersController.prototype, 'broken'))
  Get(':id/bad')(OrdersController.prototype, 'bad', Object.getOwnPropertyDescriptor(OrdersController.prototype, 'bad'))
  class AppModule {}
  Module({ controllers: [OrdersController] })(AppModule)
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false })
  app.setGlobalPrefix('shop')
  setupNestErrorHandler(app, { client })
  await app.listen(0, '127.0.0.1')
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${app.getHttpServer().address().port}`
  const bad = await fetch(base + '/shop/orders/1/bad')
  t.same([bad.status, await bad.json()], [400, { statusCode: 400, message: 'bad order', error: 'Bad Request' }])
  const broken = await fetch(base + '/shop/orders/1')
  t.same([broken.status, await broken.json()], [500, { statusCode: 500, message: 'Internal server error' }])
  t.ok(await client.flush(5000))
  t.ok(await collector.waitForEvents(1, 5000))
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.same(collector.events.map((e) => [e.exception.values.at(-1).type, e.contexts.tags]), [['TypeError', { framework: 'nestjs', route: 'GET /shop/orders/:id' }]], 'the 500 only')
})
