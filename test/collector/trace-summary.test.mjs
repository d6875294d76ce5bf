// The collector's summary line ends with ` · trace=<first 8 hex digits>` when the event carries
// an OpenTelemetry trace id in contexts.trace, and with nothing more when it does not.
import t from 'tap'
import { startCollector } from 'xrayradar'

const event = (contexts) => ({
  event_id: 'e1', timestamp: new Date().toISOString(), level: 'error', message: 'm', platform: 'javascript',
  sdk: { name: 'x', version: '1' },
  contexts: { user: null, request: null, tags: {}, extra: {}, server_name: null, release: null, environment: 'dev', ...contexts },
  breadcrumbs: [], fingerprint: ['m'], modules: {}
})

t.test('summary line with and without a trace', async (t) => {
  const lines = []
  const c = await startCollector({ log: (l) => lines.push(l) })
  t.teardown(() => c.close())
  const store = `${c.url}/api/1/store/`
  const bodies = [
    event({ trace: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', trace_flags: 1 } }),
    event({}),
    event({ trace: { trace_id: 42 } }), // an application's own `trace` context of another shape
    event({ trace: null })
  ]
  for (const b of bodies) t.equal((await fetch(store, { method: 'POST', body: JSON.stringify(b) })).status, 200)
  t.same(lines, [
    '[collector] project 1 · error · m · 0 frames · 0 breadcrumbs · trace=4bf92f35',
    '[collector] project 1 · error · m · 0 frames · 0 breadcrumbs',
    '[collector] project 1 · error · m · 0 frames · 0 breadcrumbs',
    '[collector] project 1 · error · m · 0 frames · 0 breadcrumbs'
  ])
})
