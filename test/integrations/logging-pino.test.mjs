// pinoIntegration with real pino 9 (pino9, 9.14) and 10: records at or above eventLevel are
// events (an Error → exception event with its own stack), lower ones down to breadcrumbLevel
// are breadcrumbs, the rest nothing; logger name → tag; fields → extra; excludeLoggers;
// eventLevel 'off'; close() unsubscribes.
import t from 'tap'
import dc from 'node:diagnostics_channel'
import { createRequire } from 'node:module'
import { pinoIntegration, consoleIntegration } from 'xrayradar'
import { setup } from '../helpers.mjs'

const require = createRequire(import.meta.url)
const PINOS = { 'pino 9': require('pino9'), 'pino 10': require('pino') }
const discard = { write () {} }

for (const [label, pino] of Object.entries(PINOS)) {
  t.test(`${label}: events vs breadcrumbs by level, logger tag, fields → extra`, async (t) => {
    const { collector, client } = await setup(t, { integrations: [pinoIntegration()] })
    const log = pino({ name: 'shop', level: 'trace' }, discard)
    log.trace('a trace line')
    log.debug('a debug line')
    log.info({ orderId: 7 }, 'order placed')
    log.child({ tenant: 't1' }).warn({ stock: 2 }, 'stock low')
    log.fatal('disk gone')
    t.equal(await client.flush(5000), true)
    t.equal(collector.events.length, 2, 'warn and fatal are events; trace/debug/info are not')
    const [warn, fatal] = collector.events
    t.equal(warn.message, 'stock low')
    t.equal(warn.level, 'warning')
    t.same(warn.contexts.tags, { logger: 'shop' })
    t.same(warn.contexts.extra, { tenant: 't1', stock: 2 }, "the record's fields and the child logger's bindings (not name)")
    t.same(warn.contexts.mechanism, { type: 'pino', handled: true })
    t.equal(fatal.level, 'fatal')
    t.same(warn.breadcrumbs.map((b) => [b.type, b.category, b.level, b.message, b.data]),
      [['console', 'shop', 'info', 'order placed', { orderId: 7 }]], 'info is a breadcrumb; debug/trace are not; the warning is not its own breadcrumb')
  })

  t.test(`${label}: a logged Error is an exception event with its own stack`, async (t) => {
    const { collector, client } = await setup(t, { integrations: [pinoIntegration()] })
    const log = pino({ name: 'db' }, discard)
    function queryFailed () { return new Error('connection reset') }
    const err = queryFailed()
    log.error(err)
    log.error({ err: queryFailed(), table: 'orders' }, 'query failed')
    log.error(err, 'logged again') // the same object: the first event's id, nothing sent
    t.equal(await client.flush(5000), true)
    t.equal(collector.events.length, 2)
    const [a, b] = collector.events
    t.equal(a.exception.values[0].type, 'Error')
    t.equal(a.exception.values[0].value, 'connection reset')
    const frames = a.exception.values[0].stacktrace.frames
    t.equal(frames[frames.length - 1].function, 'queryFailed', "the error's own stack, not the logger's")
    t.notOk(frames.some((f) => /node_modules\/pino/.test(f.filename ?? '')), 'no pino frame')
    t.same(a.contexts.extra, {}, 'no log_message: the message was the error message')
    t.same(b.contexts.extra, { table: 'orders', log_message: 'query failed' }, 'fields and the message, not the err key')
    t.same(b.contexts.tags, { logger: 'db' })
    t.equal(b.level, 'error')
  })

  t.test(`${label}: custom levels map by number; a logger without a name is category console`, async (t) => {
    const { collector, client } = await setup(t, { integrations: [pinoIntegration({ breadcrumbLevel: 'debug', eventLevel: 'error' })] })
    const log = pino({ level: 'trace', customLevels: { audit: 35, alarm: 45, panic: 55, noisy: 15 } }, discard)
    log.noisy('n')
    log.audit('a')
    log.alarm('al')
    log.panic('p')
    t.equal(await client.flush(5000), true)
    t.equal(collector.events.length, 1, 'only 55 (≥ 50) reaches eventLevel error')
    const e = collector.events[0]
    t.equal(e.level, 'error')
    t.same(e.contexts.tags, {}, 'no name, no logger tag')
    t.same(e.breadcrumbs.map((b) => [b.category, b.level, b.message]), [['console', 'debug', 'n'], ['console', 'info', 'a'], ['console', 'warning', 'al']])
  })

  t.test(`${label}: excludeLoggers and child logger names`, async (t) => {
    const { collector, client } = await setup(t, { integrations: [pinoIntegration({ excludeLoggers: ['noisy'] })] })
    const root = pino({ name: 'app' }, discard)
    root.child({ name: 'noisy' }).error(new Error('ignored'))
    root.child({ name: 'noisy' }).info('ignored too')
    root.child({ reqId: 1 }).info('kept, name inherited')
    root.child({ name: 'api', reqId: 'r-9' }).warn({ reqId: 'own wins', n: 1 }, 'kept')
    t.equal(await client.flush(5000), true)
    t.equal(collector.events.length, 1, 'nothing from the excluded logger')
    t.same(collector.events[0].contexts.tags, { logger: 'api' })
    t.same(collector.events[0].contexts.extra, { reqId: 'own wins', n: 1 }, "the record's fields over the child's bindings")
    t.same(collector.events[0].breadcrumbs.map((b) => [b.category, b.message]), [['app', 'kept, name inherited']])
  })

  t.test(`${label}: eventLevel 'off' gives breadcrumbs only; close() unsubscribes`, async (t) => {
    const { collector, client } = await setup(t, { integrations: [pinoIntegration({ eventLevel: 'off' })] })
    t.equal(dc.channel('tracing:pino_asJson:start').hasSubscribers, true)
    const log = pino({ name: 'x' }, discard)
    log.error(new Error('not an event'))
    log.fatal('nor this')
    client.captureMessage('probe')
    t.equal(await client.flush(5000), true)
    t.equal(collector.events.length, 1, 'only the probe')
    t.same(collector.events[0].breadcrumbs.map((b) => [b.level, b.message]), [['error', 'not an event'], ['fatal', 'nor this']])
    await client.close(100)
    t.equal(dc.channel('tracing:pino_asJson:start').hasSubscribers, false, 'unsubscribed at close')
  })
}

t.test('pino output is unchanged by the integration', async (t) => {
  const lines = []
  const sink = { write (s) { lines.push(s.replace(/"time":\d+,/, '')) } }
  const log = PINOS['pino 10']({ name: 'same' }, sink)
  const run = () => { log.info({ a: 1 }, 'x %d', 5); log.error(new Error('e')) }
  run()
  const without = lines.splice(0)
  const { client, collector } = await setup(t, { integrations: [pinoIntegration()] })
  run()
  await client.flush(5000)
  t.equal(collector.events.length, 1, 'the integration saw the error')
  t.equal(lines.length, 2)
  t.same(lines.map((l) => l.replace(/"stack":"[^"]*"/, '')), without.map((l) => l.replace(/"stack":"[^"]*"/, '')))
  await client.close(100)
})

t.test('a record whose field logs again (a getter calling the logger) is recorded once, no recursion', async (t) => {
  const { collector, client } = await setup(t, { integrations: [pinoIntegration(), consoleIntegration()] })
  const log = PINOS['pino 10']({ name: 'loop' }, discard)
  let reads = 0
  const fields = { get user () { reads++; log.info('logged from a getter'); console.info('and to the console'); return 'u1' } }
  const out = []
  const w = process.stdout.write
  process.stdout.write = (c) => { out.push(String(c)); return true }
  try { log.info(fields, 'outer') } finally { process.stdout.write = w }
  client.captureMessage('probe')
  t.equal(await client.flush(5000), true)
  const crumbs = collector.events[0].breadcrumbs.map((b) => [b.category, b.message])
  t.same(crumbs.filter(([, m]) => m === 'outer'), [['loop', 'outer']], 'the outer record once')
  t.ok(crumbs.length <= 3, `no runaway breadcrumbs (${crumbs.length})`)
  t.ok(reads < 10, `the getter ran a bounded number of times (${reads})`)
  t.same(out, Array(reads).fill('and to the console\n'), 'console output kept')
})

t.test('fields are taken as plain data: a raw request or response in a record is named, never walked', async (t) => {
  const http = await import('node:http')
  const net = await import('node:net')
  const { collector, client } = await setup(t, { integrations: [pinoIntegration()] })
  const log = require('pino')({ name: 'web' }, discard)
  const req = new http.IncomingMessage(new net.Socket())
  req.headers = { cookie: 'sid=SECRET-SESSION', authorization: 'Bearer SECRET-TOKEN' }
  req.rawHeaders = ['Cookie', 'sid=SECRET-SESSION', 'Authorization', 'Bearer SECRET-TOKEN']
  const res = new http.ServerResponse(req)
  // What pino-http logs at the end of every request, and at error level for a 5xx.
  log.info({ req, res, responseTime: 3, nested: { when: new Date(0), list: [1, { deep: { deeper: { deepest: 1 } } }] } }, 'request completed')
  log.error({ req, res, responseTime: 9 }, 'request errored')
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1)
  const e = collector.events[0]
  t.same(e.contexts.extra, { req: '[IncomingMessage]', res: '[ServerResponse]', responseTime: 9 })
  const crumb = e.breadcrumbs.find((b) => b.message === 'request completed')
  t.equal(crumb.data.req, '[IncomingMessage]')
  t.equal(crumb.data.res, '[ServerResponse]')
  t.equal(crumb.data.responseTime, 3)
  t.same(crumb.data.nested.list, [1, '[Object]'], 'plain data is kept to three levels')
  t.notMatch(JSON.stringify(collector.events), /SECRET-/, 'no header value of the raw request reached the ingest')
})
