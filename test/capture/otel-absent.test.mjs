// Without OpenTelemetry's context nothing is added: OpenTelemetry not registered at all, the API
// loaded without a provider, a tracer provider without a context manager. The SDK reads the
// API's global on every capture, so a provider registered after init() is seen from its first
// span on, and one taken down again is no longer read. One client for the whole file: it is
// created before any of it, as an application that calls init() first would.
// (The subtests run in order: each step changes this process's OpenTelemetry globals.)
import t from 'tap'
import { setup } from '../helpers.mjs'

const OTEL = Symbol.for('opentelemetry.js.api.1')
const { collector, client } = await setup(t)

async function sent (t, m) {
  t.equal(await client.flush(5000), true)
  const e = collector.events.find((x) => x.message === m || x.exception?.values.at(-1)?.value === m)
  t.ok(e, `${m}: arrived`)
  return e ?? { contexts: { trace: 'no event' } }
}

t.test('OpenTelemetry not registered at all: no contexts.trace', async (t) => {
  t.equal(globalThis[OTEL], undefined, 'nothing under the API\'s global symbol')
  client.captureMessage('no otel')
  client.captureException(new Error('no otel either'))
  t.notOk('trace' in (await sent(t, 'no otel')).contexts)
  t.notOk('trace' in (await sent(t, 'no otel either')).contexts)
})

t.test('the API loaded, no tracer provider: startActiveSpan gives no span, nothing is added', async (t) => {
  const { trace } = await import('@opentelemetry/api')
  let id
  trace.getTracer('t').startActiveSpan('noop', (span) => {
    t.equal(span.isRecording(), false, 'the API\'s no-op span')
    id = client.captureMessage('api only')
    span.end()
  })
  t.type(id, 'string')
  t.notOk('trace' in (await sent(t, 'api only')).contexts)
})

t.test('a tracer provider without a context manager: spans are made, none is active, nothing is added', async (t) => {
  const { trace } = await import('@opentelemetry/api')
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base')
  t.ok(trace.setGlobalTracerProvider(new BasicTracerProvider()), 'provider set')
  t.ok(globalThis[OTEL]?.trace, 'the API\'s global now exists')
  t.equal(globalThis[OTEL]?.context, undefined, 'with no context manager in it')
  let made
  trace.getTracer('t').startActiveSpan('unmanaged', (span) => {
    made = span.spanContext().traceId
    client.captureMessage('no context manager')
    span.end()
  })
  t.match(made, /^[0-9a-f]{32}$/, 'a real span was started')
  t.notOk('trace' in (await sent(t, 'no context manager')).contexts)
  trace.disable()
})

t.test('registered after the client was made: the next capture in a span carries it; taken down: none again', async (t) => {
  const { trace, context, propagation, ROOT_CONTEXT } = await import('@opentelemetry/api')
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node')
  const provider = new NodeTracerProvider()
  provider.register()
  let ids
  trace.getTracer('t').startActiveSpan('late', (span) => {
    ids = { trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId, trace_flags: 1 }
    client.captureMessage('registered late')
    span.end()
  })
  t.same((await sent(t, 'registered late')).contexts.trace, ids, 'a miss before registration was not remembered')
  const manager = globalThis[OTEL].context
  const span = trace.getTracer('t').startSpan('kept')
  trace.disable()
  context.disable()
  propagation.disable()
  t.equal(globalThis[OTEL]?.context, undefined, 'the context manager is gone from the global')
  // The old manager still works when used directly: a reader that had kept it would find the span.
  manager.enable()
  manager.with(trace.setSpan(ROOT_CONTEXT, span), () => {
    t.equal(trace.getSpan(manager.active()), span, 'the old manager holds the span')
    client.captureMessage('taken down')
  })
  manager.disable()
  span.end()
  await provider.shutdown()
  t.notOk('trace' in (await sent(t, 'taken down')).contexts, 'nor a hit: the global is read again')
})
