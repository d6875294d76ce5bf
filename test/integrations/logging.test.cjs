// The logging integrations through require('xrayradar') (the CommonJS path): pino 10 and 9,
// winston and console records as events and breadcrumbs.
const t = require('tap')
const pino10 = require('pino')
const pino9 = require('pino9')
const winston = require('winston')
const { ErrorTracker, startCollector, pinoIntegration, winstonTransport, consoleIntegration } = require('xrayradar')

const TOKEN = 'test-token-123456'

t.test('CommonJS: pino, winston and console', async (t) => {
  const collector = await startCollector({ token: TOKEN })
  const client = new ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false, integrations: [pinoIntegration(), consoleIntegration({ breadcrumbLevel: 'warning' })] })
  t.teardown(async () => { await client.close(100); await collector.close() })
  const { stderrOf } = await import('../utils/stderr.mjs')
  stderrOf(() => {
    pino10({ name: 'ten' }, { write () {} }).info('from pino 10')
    pino9({ name: 'nine' }, { write () {} }).info('from pino 9')
    winston.createLogger({ defaultMeta: { service: 'w' }, transports: [winstonTransport()] }).info('from winston')
    console.warn('from console')
    pino9({ name: 'nine' }, { write () {} }).error(new Error('pino 9 error'))
  })
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1)
  const e = collector.events[0]
  t.equal(e.exception.values[0].value, 'pino 9 error')
  t.same(e.contexts.tags, { logger: 'nine' })
  t.same(e.breadcrumbs.map((b) => [b.category, b.level, b.message]), [
    ['ten', 'info', 'from pino 10'], ['nine', 'info', 'from pino 9'], ['w', 'info', 'from winston'], ['console', 'warning', 'from console']
  ])
})
