// consoleIntegration in-process: on by default as breadcrumbs only, the method → level
// mapping, eventLevel 'error' making console.error(err) an exception event, no recursion
// when a breadcrumb callback logs, and close() undoing it (Node 20: the original methods
// back; Node 22.23+/24: the channels unsubscribed).
import t from 'tap'
import dc from 'node:diagnostics_channel'
import { consoleIntegration, ConfigurationError } from 'xrayradar'
import { setup } from '../helpers.mjs'

const CHANNELS = ['log', 'info', 'debug', 'warn', 'error'].map((m) => dc.channel(`console.${m}`))
const ORIGINAL = { log: console.log, error: console.error, trace: console.trace }

/** Runs fn with stdout/stderr writes collected instead of printed (tap reads this process's stdout). */
function quiet (fn) {
  const out = []
  const o = process.stdout.write
  const e = process.stderr.write
  process.stdout.write = (c) => { out.push(['out', String(c)]); return true }
  process.stderr.write = (c) => { out.push(['err', String(c)]); return true }
  try { fn() } finally { process.stdout.write = o; process.stderr.write = e }
  return out
}

function crumbs (e) {
  return e.breadcrumbs.filter((b) => b.type === 'console').map((b) => [b.category, b.level, b.message])
}

t.test('on by default: each console method is a breadcrumb at its level, never an event', async (t) => {
  const { collector, client } = await setup(t)
  const out = quiet(() => {
    console.log('l %d', 1)
    console.info('i')
    console.debug('d')
    console.warn('w')
    console.error('e')
    console.error(new Error('not an event by default'))
    console.trace('t')
  })
  t.equal(out.length, 7, 'every call still printed')
  client.captureMessage('probe')
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1, 'only the probe: breadcrumbs only by default')
  // breadcrumbLevel 'info' by default: debug and trace are below it.
  t.same(crumbs(collector.events[0]), [
    ['console', 'info', 'l 1'], ['console', 'info', 'i'], ['console', 'warning', 'w'],
    ['console', 'error', 'e'], ['console', 'error', 'not an event by default']
  ])
})

t.test("breadcrumbLevel 'debug' keeps debug and trace (trace's stack not in the message)", async (t) => {
  const { collector, client } = await setup(t, { integrations: [consoleIntegration({ breadcrumbLevel: 'debug' })] })
  quiet(() => { console.debug('d'); console.trace('where') })
  client.captureMessage('probe')
  t.equal(await client.flush(5000), true)
  t.same(crumbs(collector.events[0]), [['console', 'debug', 'd'], ['console', 'debug', 'Trace: where']])
})

t.test("eventLevel 'error': console.error(err) is an exception event with err's own stack", async (t) => {
  const { collector, client } = await setup(t, { integrations: [consoleIntegration({ eventLevel: 'error' })] })
  function loadConfig () { return new Error('config missing') }
  quiet(() => {
    console.warn('still a breadcrumb')
    console.error(loadConfig())
    console.error('plain %s', 'text')
  })
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 2)
  const [exc, msg] = collector.events
  t.equal(exc.exception.values[0].value, 'config missing')
  const frames = exc.exception.values[0].stacktrace.frames
  t.equal(frames[frames.length - 1].function, 'loadConfig', "the error's own stack")
  t.same(exc.contexts.mechanism, { type: 'console', handled: true })
  t.equal(exc.level, 'error')
  t.equal(msg.message, 'plain text')
  t.equal(msg.exception, undefined, 'no Error: a message event')
  t.same(crumbs(exc), [['console', 'warning', 'still a breadcrumb']], 'the error is not also a breadcrumb')
})

t.test('a breadcrumb callback that logs does not recurse', async (t) => {
  let calls = 0
  const { collector, client } = await setup(t, {
    beforeBreadcrumb (b) { calls++; console.log('inside the callback'); return b }
  })
  const out = quiet(() => { console.log('outer') })
  t.equal(calls, 1, 'the callback ran once: its own console.log was not recorded')
  // Recorded before it is written (as the channels publish before writing): the callback's line comes first.
  t.same(out.map(([, s]) => s), ['inside the callback\n', 'outer\n'], 'both printed')
  client.captureMessage('probe')
  t.equal(await client.flush(5000), true)
  t.same(crumbs(collector.events[0]), [['console', 'info', 'outer']])
})

t.test('the SDK writing to stderr is not recorded', async (t) => {
  const { collector, client } = await setup(t, { debug: true })
  quiet(() => { client.captureMessage('with debug on') })
  t.equal(await client.flush(5000), true)
  client.captureMessage('probe')
  t.equal(await client.flush(5000), true)
  t.same(crumbs(collector.events[1]), [], 'no breadcrumb from the SDK itself')
})

t.test('defaultIntegrations: false or close(): nothing recorded, console restored', async (t) => {
  const none = await setup(t, { defaultIntegrations: false })
  quiet(() => console.log('unseen'))
  none.client.captureMessage('probe')
  t.equal(await none.client.flush(5000), true)
  t.same(crumbs(none.collector.events[0]), [])
  t.equal(console.log, ORIGINAL.log, 'not wrapped without the integration')
  t.notOk(CHANNELS.some((c) => c.hasSubscribers), 'no channel subscriber')
  await none.client.close(100)

  const { client } = await setup(t, { integrations: [consoleIntegration()] })
  const wrapped = console.log !== ORIGINAL.log
  const subscribed = CHANNELS.every((c) => c.hasSubscribers)
  t.ok(wrapped !== subscribed, 'either wrapped (Node 20) or subscribed (Node 22.23+/24), not both')
  await client.close(100)
  t.equal(console.log, ORIGINAL.log, 'console.log restored')
  t.equal(console.error, ORIGINAL.error)
  t.equal(console.trace, ORIGINAL.trace)
  t.notOk(CHANNELS.some((c) => c.hasSubscribers), 'unsubscribed')
})

t.test('a wrapper added over ours is left in place at close and calls still pass through', async (t) => {
  const { client } = await setup(t, { integrations: [consoleIntegration()] })
  const ours = console.log
  const seen = []
  console.log = function theirs (...a) { seen.push(a.join(' ')); return ours.apply(this, a) }
  const mine = console.log
  await client.close(100)
  t.equal(console.log, mine, 'their wrapper kept')
  const second = await setup(t, { defaultIntegrations: false })
  const out = quiet(() => console.log('after close'))
  t.same(out, [['out', 'after close\n']], 'printed once, unchanged')
  t.same(seen, ['after close'])
  second.client.captureMessage('probe')
  t.equal(await second.client.flush(5000), true)
  t.same(crumbs(second.collector.events[0]), [], 'not recorded after close')
  console.log = ORIGINAL.log
})

t.test('bad options are refused with the fix', async (t) => {
  t.throws(() => consoleIntegration({ eventLevel: 'warn' }), ConfigurationError)
  t.throws(() => consoleIntegration({ breadcrumbLevel: 3 }), { message: /breadcrumbLevel.*'off', not number/ })
  t.throws(() => consoleIntegration('info'), { message: /takes an object/ })
  t.throws(() => consoleIntegration({ levels: 1 }), { message: /no option "levels"/ })
})

t.test("a console line's breadcrumb copy is formatted with bounds (the output is Node's own)", async (t) => {
  const { collector, client } = await setup(t, { integrations: [consoleIntegration()] })
  const big = Array.from({ length: 100000 }, (_, i) => i)
  const write = process.stdout.write
  process.stdout.write = () => true
  try { console.log('big', big, { a: { b: { c: { d: { e: 1 } } } } }) } finally { process.stdout.write = write }
  client.captureMessage('after')
  t.equal(await client.flush(5000), true)
  const crumb = collector.events[0].breadcrumbs.find((b) => b.message?.startsWith('big'))
  t.ok(crumb, 'recorded')
  t.match(crumb.message, /99980 more items/, 'at most 20 array items formatted')
  t.ok(crumb.message.length < 400, `short: ${crumb.message.length} characters`)
})
