// winstonTransport with real winston 3: npm and syslog levels mapped; logger.error(err) and
// logger.error('msg', err) → exception events with the error's own stack; logger name from
// defaultMeta.service or the record's `logger` field; excludeLoggers; the client option.
import t from 'tap'
import winston from 'winston'
import { winstonTransport, ErrorTracker, ConfigurationError } from 'xrayradar'
import { setup, TOKEN } from '../helpers.mjs'

function logger (opts, transportOptions) {
  return winston.createLogger({ level: 'silly', ...opts, transports: [winstonTransport(transportOptions)] })
}

t.test('npm levels: events vs breadcrumbs, service → logger tag, fields → extra', async (t) => {
  const { collector, client } = await setup(t)
  const log = logger({ defaultMeta: { service: 'billing' } })
  log.silly('s')
  log.debug('d')
  log.verbose('v')
  log.http('GET /x')
  log.info('charged', { amount: 5 })
  log.warn('retrying', { attempt: 2 })
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1, 'only warn is an event')
  const e = collector.events[0]
  t.equal(e.message, 'retrying')
  t.equal(e.level, 'warning')
  t.same(e.contexts.tags, { logger: 'billing' })
  t.same(e.contexts.extra, { attempt: 2 })
  t.same(e.contexts.mechanism, { type: 'winston', handled: true })
  t.same(e.breadcrumbs.map((b) => [b.type, b.category, b.level, b.message, b.data]), [
    ['console', 'billing', 'info', 'GET /x', null],
    ['console', 'billing', 'info', 'charged', { amount: 5 }]
  ], 'http and info are breadcrumbs; verbose/debug/silly are below breadcrumbLevel')
})

t.test('logger.error(err) and logger.error(msg, err) are exception events with the own stack', async (t) => {
  const { collector, client } = await setup(t)
  const log = logger({})
  function chargeCard () { return new Error('card declined') }
  log.error(chargeCard())
  log.error('payment failed', chargeCard())
  log.error('no error here', { code: 3 })
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 3)
  const [a, b, c] = collector.events
  for (const e of [a, b]) {
    t.equal(e.exception.values[0].value, 'card declined')
    const frames = e.exception.values[0].stacktrace.frames
    t.equal(frames[frames.length - 1].function, 'chargeCard', "the error's own stack")
    t.notOk(frames.some((f) => /node_modules\/winston/.test(f.filename ?? '')), 'no winston frame')
  }
  t.same(a.contexts.extra, {})
  t.same(b.contexts.extra, { log_message: 'payment failed' }, "the caller's message, without the appended error message; no stack field")
  t.equal(c.exception, undefined, 'no Error: a message event')
  t.equal(c.message, 'no error here')
  t.same(c.contexts.tags, {}, 'no service, no logger tag')
})

t.test('syslog levels, the logger field, excludeLoggers, eventLevel off', async (t) => {
  const { collector, client } = await setup(t)
  const log = logger({ levels: winston.config.syslog.levels, level: 'debug' }, { eventLevel: 'error', breadcrumbLevel: 'debug', excludeLoggers: ['chatty'] })
  log.debug('d', { logger: 'jobs' })
  log.notice('n', { logger: 'jobs' })
  log.warning('w', { logger: 'jobs' })
  log.info('hidden', { logger: 'chatty' })
  log.crit('c', { logger: 'chatty' })
  log.emerg('down', { logger: 'jobs' })
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1, 'the excluded logger reports nothing')
  const e = collector.events[0]
  t.equal(e.level, 'fatal', 'emerg → fatal')
  t.same(e.contexts.tags, { logger: 'jobs' })
  t.same(e.breadcrumbs.map((b) => [b.category, b.level, b.message]), [['jobs', 'debug', 'd'], ['jobs', 'info', 'n'], ['jobs', 'warning', 'w']])

  const off = logger({}, { eventLevel: 'off' })
  off.error(new Error('only a breadcrumb'))
  client.captureMessage('probe')
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 2, 'eventLevel off: no event for the error')
  t.same(collector.events[1].breadcrumbs.slice(-1).map((b) => [b.level, b.message]), [['error', 'only a breadcrumb']])
})

t.test('the client option; no client → nothing; bad options refused', async (t) => {
  const { collector, client } = await setup(t)
  const other = new ErrorTracker({ dsn: collector.dsn('7'), authToken: TOKEN, spool: false })
  const log = logger({}, { client: other })
  log.error('to project 7')
  t.equal(await other.flush(5000), true)
  t.equal(await client.flush(5000), true)
  t.same(collector.events.map((e) => e.message), ['to project 7'])
  t.equal(collector.events.length, 1, 'not sent twice')
  await other.close(100)
  log.error('after close')
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1, 'the given client is closed: nothing sent to any client')
  t.throws(() => winstonTransport({ eventLevel: 'warn' }), ConfigurationError)
  t.throws(() => winstonTransport({ eventLevel: 'warn' }), { message: /'debug', 'info', 'warning', 'error', 'fatal' or 'off'/ })
  t.throws(() => winstonTransport({ excludeLoggers: 'db' }), { message: /array of logger names/ })
  t.throws(() => winstonTransport({ level: 'info' }), { message: /no option "level".*transportOptions/s })
  t.throws(() => winstonTransport({ transportOptions: 'info' }), { message: /transportOptions.*as an object/ })
  t.equal(winstonTransport({ transportOptions: { level: 'error' } }).level, 'error', "winston's own options reach the transport")
})
