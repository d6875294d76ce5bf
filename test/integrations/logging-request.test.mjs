// Log records inside requests (httpIntegration's isolation scopes): under N concurrent
// interleaved requests, a record logged in a request (pino, winston, console) is a breadcrumb
// on that request's next event only, never on another request's or on a background event,
// and a record at eventLevel is an event carrying its own request's scope.
import t from 'tap'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import winston from 'winston'
import { pinoIntegration, winstonTransport, consoleIntegration } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { post, barrier, crumbMessages } from './http-helpers.mjs'
import { listen } from '../utils/servers.mjs'
import { findByMessage } from '../utils/events.mjs'

const require = createRequire(import.meta.url)
const N = 16

/** Drops this test's own console lines from stdout (tap reads it); everything else passes. */
function hideConsoleLines (t) {
  const write = process.stdout.write
  process.stdout.write = function (chunk, ...rest) {
    if (/^console-\d+/.test(String(chunk))) return true
    return write.call(this, chunk, ...rest)
  }
  t.teardown(() => { process.stdout.write = write })
}

for (const [label, pino] of [['pino 9', require('pino9')], ['pino 10', require('pino')]]) {
  t.test(`${label} + winston + console: each request's records on its own events only`, async (t) => {
    hideConsoleLines(t)
    const { collector, client } = await setup(t, { maxBreadcrumbs: 1000, integrations: [pinoIntegration(), consoleIntegration()] })
    const plog = pino({ name: 'api' }, { write () {} })
    const wlog = winston.createLogger({ defaultMeta: { service: 'jobs' }, transports: [winstonTransport()] })
    const allStarted = barrier(N)
    const { base } = await listen(t, async (req, res) => {
      const id = req.url.slice(3)
      plog.info(`pino-${id}-a`)
      await allStarted() // every request in flight before any goes on
      await sleep(Math.random() * 10)
      wlog.info(`winston-${id}-b`)
      console.log(`console-${id}-c`)
      client.captureMessage(`first-${id}`)
      await sleep(Math.random() * 10)
      plog.info(`pino-${id}-d`)
      // An event from the logger itself: the request's scope, with the records logged before it.
      plog.warn({ id }, `warn-${id}`)
      res.end(`done ${id}`)
    })
    const ticker = setInterval(() => { plog.info('background pino'); wlog.info('background winston') }, 3)
    const results = await Promise.all(Array.from({ length: N }, (_, i) => post(`${base}/r/${i}`, '')))
    clearInterval(ticker)
    plog.warn('outside')
    t.equal(await client.flush(5000), true)

    t.same(results.map((r) => r.body), Array.from({ length: N }, (_, i) => `done ${i}`), 'responses unchanged')
    t.equal(collector.events.length, 2 * N + 1)
    for (let i = 0; i < N; i++) {
      const first = findByMessage(collector.events, `first-${i}`)
      const warn = findByMessage(collector.events, `warn-${i}`)
      t.ok(first && warn, `both events of request ${i}`)
      if (!first || !warn) continue
      t.same(crumbMessages(first), [`POST ${base}/r/${i}`, `pino-${i}-a`, `winston-${i}-b`, `console-${i}-c`], 'its own records, nobody else\'s, no background')
      t.same(crumbMessages(warn), [`POST ${base}/r/${i}`, `pino-${i}-a`, `winston-${i}-b`, `console-${i}-c`, `pino-${i}-d`], 'the next event: one more record of its own')
      t.equal(warn.contexts.request.url, `${base}/r/${i}`, 'the warning event carries its request')
      t.same(warn.contexts.extra, { id: String(i) })
      t.same(warn.contexts.tags, { logger: 'api' })
    }
    const outside = findByMessage(collector.events, 'outside')
    t.ok(crumbMessages(outside).includes('background pino'), 'background records went to the background scope')
    t.notOk(crumbMessages(outside).some((m) => /^(pino|winston|console)-\d/.test(m)), 'no request record outside')
  })
}
