// setupNestErrorHandler on real NestJS 10 and 11 apps, Express and Fastify adapters, on
// 127.0.0.1: non-HttpException errors and HttpExceptions >= 500 reported (403, 404, the body
// parser's 400 not), route tags with the global prefix, Nest's response unchanged,
// shouldHandleError, nothing once the client is closed.
import t from 'tap'
import { setupNestErrorHandler, NestHandlerError } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { stderrOf } from '../utils/stderr.mjs'
import { PATHS, loadNest, startNestApp } from './nest-app.mjs'
import { hitAll, reportedIn, checkReported } from './framework-helpers.mjs'

for (const major of [11, 10]) {
  const nest = loadNest(major)
  for (const adapter of ['express', 'fastify']) {
    t.test(`Nest ${major} + ${adapter}: reported vs not, route tags, response unchanged`, async (t) => {
      const { client, collector } = await setup(t)
      const plain = await hitAll((await startNestApp(t, nest, adapter, null)).base, PATHS)
      const withSdk = await hitAll((await startNestApp(t, nest, adapter, { client })).base, PATHS)
      t.same(withSdk, plain, 'every status and body is what Nest answers without the SDK')
      t.same(Object.fromEntries(Object.entries(plain).map(([p, r]) => [p, r.status])), {
        '/api/users/7': 500, '/api/users/7/forbidden': 403, '/api/down': 503, '/api/internal': 500,
        '/api/gone': 404, '/api/missing': 404, '/api/echo': 400, '/api/ok': 200
      }, 'the statuses the table is about')

      const expected = reportedIn(PATHS)
      t.ok(await client.flush(5000))
      t.ok(await collector.waitForEvents(Object.keys(expected).length, 5000))
      await new Promise((resolve) => setTimeout(resolve, 200)) // room for an extra event to show up
      checkReported(t, collector.events, expected, 'nestjs')
    })
  }

  t.test(`Nest ${major}: shouldHandleError decides instead (a 403 in, the 500s out)`, async (t) => {
    const { client, collector } = await setup(t)
    const seen = []
    const shouldHandleError = (exception, host) => {
      seen.push(host.getType())
      return typeof exception.getStatus === 'function' && exception.getStatus() === 403
    }
    const { base } = await startNestApp(t, nest, 'express', { client, shouldHandleError })
    await hitAll(base, PATHS)
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(1, 5000))
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.same(collector.events.map((e) => e.exception.values.at(-1).value), ['not yours'])
    t.ok(seen.length >= 5 && seen.every((type) => type === 'http'), 'called with the ArgumentsHost')
  })

  t.test(`Nest ${major}: no client option reports to the open client; nothing once it is closed`, async (t) => {
    const { client, collector } = await setup(t)
    const { base } = await startNestApp(t, nest, 'fastify', {})
    t.equal((await fetch(base + '/api/users/1')).status, 500)
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(1, 5000))
    await client.close(1000)
    const after = await fetch(base + '/api/users/2')
    t.same([after.status, await after.json()], [500, { statusCode: 500, message: 'Internal server error' }], 'Nest still answers')
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.same(collector.events.map((e) => e.exception.values.at(-1).value), ['user 1 broke'], 'a closed client reports nothing')
  })
}

t.test('called after listen(): one line saying where it belongs', async (t) => {
  const nest = loadNest(11)
  const { client } = await setup(t)
  const { app } = await startNestApp(t, nest, 'express', null)
  const lines = stderrOf(() => setupNestErrorHandler(app, { client }))
  t.match(lines.join(''), /called after app\.init\(\)\/listen\(\).*right after NestFactory\.create\(\)/)
})

t.test('what is not a Nest app, and wrong options, are refused with the fix', async (t) => {
  t.throws(() => setupNestErrorHandler({}), NestHandlerError)
  t.throws(() => setupNestErrorHandler(null), { code: 'XRAYRADAR_NEST_SETUP', message: /NestFactory\.create\(\)/ })
  class NotFromNest { useGlobalFilters () {} }
  t.throws(() => setupNestErrorHandler(new NotFromNest()), { code: 'XRAYRADAR_NEST_SETUP', message: /captureNestException\(e, host\)/ }, 'no @nestjs/core behind it: the own-filter way is named')
  t.throws(() => setupNestErrorHandler(new NotFromNest(), { shouldHandleError: 'no' }), { code: 'XRAYRADAR_CONFIG', message: /shouldHandleError must be a function \(exception, host\)/ }, 'options are checked first')
  t.throws(() => setupNestErrorHandler(new NotFromNest(), { client: { captureException () {} } }), { code: 'XRAYRADAR_CONFIG', message: /client must be an ErrorTracker/ })
})
