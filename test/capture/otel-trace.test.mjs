// OpenTelemetry trace context with the real packages: a NodeTracerProvider (sdk-trace-node 2.x)
// registered in this process, spans started with startActiveSpan, their ids read back from
// sdk-trace-base's InMemorySpanExporter. Every event captured inside a span carries
// contexts.trace = { trace_id, span_id, trace_flags, parent_span_id? } of the span active at the
// capture (nested spans across await: the inner one; concurrent spans: each its own); an event
// outside every span carries none; the logging integrations and beforeSend see the same.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import { trace, context, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { pinoIntegration, consoleIntegration, winstonTransport } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { findByMessage } from '../utils/events.mjs'
import { stderrOf } from '../utils/stderr.mjs'
import { validate } from '../contract/schema.mjs'

const require = createRequire(import.meta.url)
const schema = JSON.parse(readFileSync(new URL('../contract/event.schema.json', import.meta.url), 'utf8'))

const exporter = new InMemorySpanExporter()
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
provider.register()
t.teardown(() => provider.shutdown())
const tracer = trace.getTracer('xrayradar-test')

const finished = (name) => exporter.getFinishedSpans().filter((s) => s.name === name)
const idsOf = (span) => ({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId, trace_flags: span.spanContext().traceFlags })

t.beforeEach(() => exporter.reset())

t.test('a capture inside startActiveSpan carries that span\'s ids; one outside carries none', async (t) => {
  const { collector, client } = await setup(t)
  client.captureMessage('before any span')
  let ids
  tracer.startActiveSpan('checkout', (span) => {
    ids = idsOf(span)
    client.captureException(new Error('card declined'))
    client.captureMessage('inside, as a message')
    span.end()
  })
  client.captureMessage('after the span ended')
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 4)
  const [span] = finished('checkout')
  t.ok(span, 'the span was exported')
  t.same(ids, { trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId, trace_flags: TraceFlags.SAMPLED })
  t.match(ids.trace_id, /^[0-9a-f]{32}$/)
  t.match(ids.span_id, /^[0-9a-f]{16}$/)
  for (const m of ['card declined', 'inside, as a message']) {
    const e = findByMessage(collector.events, m)
    t.same(e.contexts.trace, ids, `${m}: the span's ids, no parent_span_id for a root span`)
    t.same(validate(schema, e), [], `${m}: conforms to the contract`)
  }
  for (const m of ['before any span', 'after the span ended']) {
    const e = findByMessage(collector.events, m)
    t.notOk('trace' in e.contexts, `${m}: no contexts.trace outside every span`)
  }
})

t.test('nested spans across await: the inner span and its parent, then the outer span again', async (t) => {
  const { collector, client } = await setup(t)
  await tracer.startActiveSpan('outer', async (outer) => {
    await sleep(2)
    await tracer.startActiveSpan('inner', async (inner) => {
      await sleep(2)
      await Promise.resolve()
      client.captureException(new Error('inside inner'))
      inner.end()
    })
    await sleep(1)
    client.captureMessage('back in outer')
    outer.end()
  })
  t.equal(await client.flush(5000), true)
  const [outer] = finished('outer')
  const [inner] = finished('inner')
  t.equal(inner.parentSpanContext.spanId, outer.spanContext().spanId, 'the SDK made inner a child of outer')
  const e1 = findByMessage(collector.events, 'inside inner')
  t.same(e1.contexts.trace, {
    trace_id: outer.spanContext().traceId,
    span_id: inner.spanContext().spanId,
    trace_flags: 1,
    parent_span_id: outer.spanContext().spanId
  }, 'span_id is the inner span, parent_span_id the outer one')
  t.same(validate(schema, e1), [])
  const e2 = findByMessage(collector.events, 'back in outer')
  t.same(e2.contexts.trace, idsOf(outer), 'after the inner span returned: the outer span, no parent')
})

t.test('concurrent spans interleaved across awaits: each event carries its own span', async (t) => {
  const { collector, client } = await setup(t)
  const N = 20
  const ids = new Map()
  await Promise.all(Array.from({ length: N }, (_, i) => tracer.startActiveSpan(`job-${i}`, async (span) => {
    ids.set(i, idsOf(span))
    await sleep((N - i) % 5) // later jobs resume first: their continuations interleave
    client.addBreadcrumb({ message: `job ${i}` })
    await sleep(i % 3)
    client.captureMessage(`job ${i} failed`)
    span.end()
  })))
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, N)
  const traces = new Set()
  for (let i = 0; i < N; i++) {
    const e = findByMessage(collector.events, `job ${i} failed`)
    t.same(e.contexts.trace, ids.get(i), `job ${i}: its own span`)
    t.same(e.contexts.trace, idsOf(finished(`job-${i}`)[0]), `job ${i}: as exported`)
    traces.add(e.contexts.trace.trace_id)
  }
  t.equal(traces.size, N, 'every root span its own trace: no event took another job\'s')
})

t.test('trace_flags as OpenTelemetry gives them; ids lower-cased; invalid span contexts add nothing', async (t) => {
  const { collector, client } = await setup(t)
  const inContext = (sc, m) => context.with(trace.setSpanContext(ROOT_CONTEXT, sc), () => client.captureMessage(m))
  // An unsampled remote parent (what a traceparent "-00" gives) and a span id in upper case.
  inContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'B7AD6B7169203331', traceFlags: TraceFlags.NONE, isRemote: true }, 'unsampled')
  inContext({ traceId: '00000000000000000000000000000000', spanId: 'b7ad6b7169203331', traceFlags: 1 }, 'zero trace id')
  inContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '0000000000000000', traceFlags: 1 }, 'zero span id')
  inContext({ traceId: '0af7651916cd43dd8448eb211c80319', spanId: 'b7ad6b7169203331', traceFlags: 1 }, 'short trace id')
  inContext({ traceId: '0af7651916cd43dd8448eb211c80319g', spanId: 'b7ad6b7169203331', traceFlags: 1 }, 'not hex')
  inContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: '01' }, 'flags not a number')
  // The API's own placeholder when no span can be made: a non-recording span with the invalid (all-zero) context.
  context.with(trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 })), () => client.captureMessage('invalid span context'))
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 7, 'every event arrived')
  t.same(findByMessage(collector.events, 'unsampled').contexts.trace, { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: 0 })
  for (const m of ['zero trace id', 'zero span id', 'short trace id', 'not hex', 'flags not a number', 'invalid span context']) {
    t.notOk('trace' in findByMessage(collector.events, m).contexts, `${m}: no contexts.trace`)
  }
})

t.test('parent_span_id from a span that exposes it the sdk-trace-base 1.x way (parentSpanId)', async (t) => {
  // sdk-trace-base 1.x is not installed; its Span exposed the parent as a string property.
  // This object has only what the API's Span and that property give.
  const { collector, client } = await setup(t)
  const sc = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }
  const v1Span = { spanContext: () => sc, parentSpanId: '53995c3f42cd8ad8' }
  context.with(trace.setSpan(ROOT_CONTEXT, v1Span), () => client.captureMessage('v1 span'))
  const noParent = { spanContext: () => sc, parentSpanId: undefined }
  context.with(trace.setSpan(ROOT_CONTEXT, noParent), () => client.captureMessage('v1 root'))
  t.equal(await client.flush(5000), true)
  t.same(findByMessage(collector.events, 'v1 span').contexts.trace, { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: 1, parent_span_id: '53995c3f42cd8ad8' })
  t.same(findByMessage(collector.events, 'v1 root').contexts.trace, { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: 1 })
})

t.test('a span that throws when read costs the event its trace context, never the event', async (t) => {
  const { collector, client } = await setup(t)
  const throwing = { spanContext () { throw new Error('broken span') } }
  const getter = { spanContext: () => ({ get traceId () { throw new Error('bad getter') }, spanId: 'b7ad6b7169203331', traceFlags: 1 }) }
  const parentThrows = { spanContext: () => ({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }), get parentSpanContext () { throw new Error('bad parent') } }
  const ids = [[throwing, 'throwing spanContext'], [getter, 'throwing getter'], [parentThrows, 'throwing parent']]
    .map(([span, m]) => context.with(trace.setSpan(ROOT_CONTEXT, span), () => client.captureMessage(m)))
  t.ok(ids.every((id) => typeof id === 'string'), 'every capture returned an event id')
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 3)
  for (const m of ['throwing spanContext', 'throwing getter', 'throwing parent']) t.notOk('trace' in findByMessage(collector.events, m).contexts, m)
  t.equal(client.stats().dropped.internal_error, 0, 'nothing dropped')
})

t.test('precedence: the active span beats a scope\'s trace context; a capture\'s own contexts.trace beats both', async (t) => {
  const { collector, client } = await setup(t)
  client.setContext('trace', { trace_id: 'from-the-scope' })
  client.captureMessage('scope only, no span')
  let ids
  tracer.startActiveSpan('p', (span) => {
    ids = idsOf(span)
    client.captureMessage('span and scope')
    client.captureMessage('explicit', { contexts: { trace: { trace_id: 'given-at-capture' } } })
    span.end()
  })
  t.equal(await client.flush(5000), true)
  t.same(findByMessage(collector.events, 'scope only, no span').contexts.trace, { trace_id: 'from-the-scope' }, 'without a span the scope\'s context goes as set')
  t.same(findByMessage(collector.events, 'span and scope').contexts.trace, ids)
  t.same(findByMessage(collector.events, 'explicit').contexts.trace, { trace_id: 'given-at-capture' })
})

t.test('beforeSend sees contexts.trace on the main thread, and what it returns is sent', async (t) => {
  const seen = []
  const { collector, client } = await setup(t, { beforeSend: (e) => { seen.push(structuredClone(e.contexts.trace ?? null)); return e } })
  let ids
  tracer.startActiveSpan('bs', (span) => {
    ids = idsOf(span)
    client.captureException(new Error('through beforeSend'))
    span.end()
  })
  client.captureMessage('no span, through beforeSend')
  t.equal(await client.flush(5000), true)
  t.same(seen, [ids, null])
  t.same(findByMessage(collector.events, 'through beforeSend').contexts.trace, ids)
  t.notOk('trace' in findByMessage(collector.events, 'no span, through beforeSend').contexts)
})

t.test('logging integrations capture in the span of the log call', async (t) => {
  const { collector, client } = await setup(t, { integrations: [pinoIntegration(), consoleIntegration({ eventLevel: 'error' })] })
  const pino = require('pino')
  const winston = require('winston')
  const plog = pino({ name: 'orders' }, { write () {} })
  const wlog = winston.createLogger({ transports: [winstonTransport()] })
  const ids = {}
  const quietError = (...args) => stderrOf(() => console.error(...args))
  await tracer.startActiveSpan('logging', async (span) => {
    ids.logging = idsOf(span)
    await sleep(1)
    plog.error(new Error('pino error in span'))
    wlog.error('winston error in span')
    quietError(new Error('console error in span'))
    span.end()
  })
  plog.error(new Error('pino error outside'))
  wlog.error('winston error outside')
  quietError(new Error('console error outside'))
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 6)
  for (const who of ['pino', 'winston', 'console']) {
    t.same(findByMessage(collector.events, `${who} error in span`)?.contexts.trace, ids.logging, `${who}: the span of the log call`)
    t.same(findByMessage(collector.events, `${who} error in span`)?.contexts.mechanism?.type, who)
    t.notOk('trace' in (findByMessage(collector.events, `${who} error outside`)?.contexts ?? { trace: 'missing event' }), `${who}: none outside`)
  }
})
