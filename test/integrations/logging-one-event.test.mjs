// One event per error across paths: an Error logged (pino, winston, console at eventLevel)
// and also captured (as a framework handler would) is one event, whichever comes first; a
// different Error with the same message is its own event.
import t from 'tap'
import pino from 'pino'
import winston from 'winston'
import { pinoIntegration, winstonTransport, consoleIntegration } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { stderrOf } from '../utils/stderr.mjs'


t.test('logged then captured, captured then logged: one event each', async (t) => {
  const { collector, client } = await setup(t, { integrations: [pinoIntegration(), consoleIntegration({ eventLevel: 'error' })] })
  const plog = pino({ name: 'p' }, { write () {} })
  const wlog = winston.createLogger({ transports: [winstonTransport()] })
  const ids = {}

  const a = new Error('pino first')
  plog.error(a)
  ids.a = client.captureException(a)

  const b = new Error('captured first')
  ids.b = client.captureException(b)
  plog.error({ err: b }, 'then logged')
  wlog.error('and winston', b)
  stderrOf(() => console.error(b))

  const c = new Error('winston first')
  wlog.error(c)
  ids.c = client.captureException(c)

  const d = new Error('console first')
  stderrOf(() => console.error('failed:', d))
  ids.d = client.captureException(d)

  const twin = new Error('pino first') // same message, another object: its own event
  plog.error(twin)

  t.equal(await client.flush(5000), true)
  const values = collector.events.map((e) => e.exception.values[0].value)
  t.same(values, ['pino first', 'captured first', 'winston first', 'console first', 'pino first'], 'one event per error object')
  t.equal(ids.a, collector.events[0].event_id, "captureException returned the logger's event id")
  t.equal(ids.c, collector.events[2].event_id)
  t.equal(ids.d, collector.events[3].event_id)
  t.same(collector.events[0].contexts.mechanism, { type: 'pino', handled: true }, 'the first sighting decides the mechanism')
  t.not(collector.events[1].contexts.mechanism?.type, 'pino', 'captured first: not the logger\'s event')
})
