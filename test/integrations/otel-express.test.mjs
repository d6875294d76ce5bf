// An Express 5 app instrumented by OpenTelemetry's instrumentation-http and
// instrumentation-express (in a child process: they must be registered before express is
// loaded), with xrayradar's default integrations, in either setup order. N concurrent requests,
// half of them continuing a trace from a traceparent header: each error event carries its own
// request's trace (the server span's trace id, a span of that request, its parent), and
// everything the request-scope tests demand still holds with both AsyncLocalStorage users
// active: its own user, tags and breadcrumbs, its outgoing node:http and fetch breadcrumbs,
// nothing of another request's. OpenTelemetry's own propagation is unchanged (the upstream
// gets a traceparent of the same trace). A capture outside every span carries no trace.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { startCollector } from 'xrayradar'
import { fixture } from '../helpers.mjs'
import { startChild } from '../utils/child.mjs'
import { messageOf } from '../utils/events.mjs'
import { checkIsolated } from './request-work.mjs'

const N = 12
const SERVER = 1 // SpanKind.SERVER
const CLIENT = 2 // SpanKind.CLIENT

/** Runs the fixture: waits for `ready`, lets `drive(appBase)` send the requests, then ends its stdin and reads `result`. */
async function runApp (t, env, drive) {
  const app = startChild(process.execPath, [fixture('otel-express.cjs')], { env, stdin: 'pipe', timeoutMs: 30000, t })
  const [, appBase] = await app.waitForOutput(/^ready (\S+)$/m)
  const answers = await drive(appBase)
  app.child.stdin.end()
  const { code, stdout, stderr } = await app.exited
  const line = /^result (.*)$/m.exec(stdout)?.[1]
  if (line === undefined) throw new Error(`no result (exit ${code}); stderr: ${stderr}`)
  return { code, stderr, answers, ...JSON.parse(line) }
}

const collector = await startCollector()
t.teardown(() => collector.close())
let project = 500

for (const order of ['otel-first', 'sdk-first']) {
  t.test(`${order}: each error event carries its request's trace; isolation and breadcrumbs hold`, async (t) => {
    const key = String(++project)
    const ids = Array.from({ length: N }, (_, i) => String(i + 1))
    // Odd requests continue a trace from upstream (a sampled W3C traceparent); even ones start their own.
    const incoming = new Map(ids.filter((id) => Number(id) % 2 === 1).map((id) => [id, { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') }]))
    const before = collector.events.length
    const r = await runApp(t, { XRAYRADAR_DSN: collector.dsn(key), ORDER: order, N: String(N) }, (base) => Promise.all(ids.map(async (id) => {
      const p = incoming.get(id)
      const headers = p === undefined ? {} : { traceparent: `00-${p.traceId}-${p.spanId}-01` }
      const res = await fetch(`${base}/api/users/${id}?token=secret-${id}`, { headers, signal: AbortSignal.timeout(10000) })
      await res.text()
      return res.status
    })))
    t.equal(r.code, 0, r.stderr)
    t.ok(r.flushed, 'the fixture flushed')
    t.same(r.answers, ids.map(() => 500), 'every request answered 500 by Express')
    const mine = collector.events.slice(before)
    t.equal(collector.counts[key], N + 1, `${N} request events and the one outside every span`)
    const outside = mine.find((e) => e.message === 'outside every span')
    t.ok(outside, 'the capture outside every span arrived')
    t.notOk('trace' in (outside?.contexts ?? { trace: 1 }), 'and carries no contexts.trace')
    const requestEvents = mine.filter((e) => e !== outside)
    checkIsolated(t, requestEvents, { ids, appBase: r.appBase, upstreamBase: r.upBase, framework: 'express', route: 'GET /api/users/:id' })

    const spanById = new Map(r.spans.map((s) => [s.spanId, s]))
    const traces = new Set()
    for (const e of requestEvents) {
      const id = /^fail (\d+)$/.exec(messageOf(e))?.[1]
      const tc = e.contexts.trace
      const server = r.spans.find((s) => s.kind === SERVER && s.path === `/api/users/${id}`)
      t.ok(server, `${id}: OpenTelemetry made the server span`)
      if (tc === undefined || server === undefined) { t.fail(`${id}: no trace context`); continue }
      t.equal(tc.trace_id, server.traceId, `${id}: the server span's trace id`)
      const p = incoming.get(id)
      if (p !== undefined) {
        t.equal(tc.trace_id, p.traceId, `${id}: the trace the traceparent header started upstream`)
        t.equal(server.parentSpanId, p.spanId, `${id}: the server span's parent is the remote span`)
      }
      t.equal(tc.trace_flags, 1, `${id}: sampled`)
      const active = spanById.get(tc.span_id)
      t.ok(active, `${id}: span_id is a span OpenTelemetry exported (${active?.name})`)
      t.equal(active?.traceId, server.traceId, `${id}: of this request's trace`)
      t.equal(tc.parent_span_id, active?.parentSpanId ?? undefined, `${id}: parent_span_id is that span's parent`)
      traces.add(tc.trace_id)
      // OpenTelemetry's own work is intact: its client span for the node:http call, and the traceparent it sent.
      const clientSpan = r.spans.find((s) => s.kind === CLIENT && s.traceId === server.traceId)
      t.ok(clientSpan, `${id}: the outgoing node:http call has its client span in this trace`)
      t.match(r.seenTraceparent[`/echo/${id}`], new RegExp(`^00-${server.traceId}-${clientSpan?.spanId}-01$`), `${id}: the upstream got this trace's traceparent`)
      t.ok(e.breadcrumbs.some((b) => b.category === 'http' && b.data?.url === `${r.upBase}/fetch/${id}` && b.data?.status_code === 200), `${id}: its fetch breadcrumb too`)
    }
    t.equal(traces.size, N, 'every request its own trace')
    t.notOk(JSON.stringify(mine).includes('secret-'), 'no query string anywhere without sendDefaultPii')
  })
}
