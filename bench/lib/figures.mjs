// docs/benchmarks.md from a run's results (what bench/run.mjs measured, also kept in
// docs/benchmarks.json): every table, figure and verdict is computed here from those
// results, so the page cannot state a number the run did not produce.
import { summarize, fmt, ratio, table, chartSvg } from './report.mjs'
import { targetsTable, verdict, TARGETS, HTTP_NODES, HTTP_APP_NAMES } from './targets.mjs'

export const LABEL = { ours: 'xrayradar', sentry: '@sentry/node', naive: 'naive floor' }
export const CEILING_RATES = [1000, 2000, 5000, 10000, 20000]
const STEADY_RATES = [1000, 5000]

const col = (runs, key) => summarize((runs ?? []).map((r) => r[key]))

function capture (results) {
  if (results['capture-ours'] === undefined) return null
  const rows = ['captureException', 'captureMessage', 'addBreadcrumb'].map((k) => {
    const o = col(results['capture-ours'], k)
    const s = col(results['capture-sentry'], k)
    const n = col(results['capture-naive'], k)
    return [k, fmt(o, 2), fmt(s, 2), fmt(n, 2), ratio(o, s), ratio(o, n)]
  })
  return ['1. Main-thread cost per call (µs, median of runs, min–max)', table(rows, ['call', 'xrayradar', '@sentry/node', 'naive floor', 'ours / sentry', 'ours / naive']) +
    '\n\nScope set before capture: user, 5 tags, 3 extras, 20 breadcrumbs of ~60 bytes; errors from a 10-frame recursion with a unique message, created outside the timed region (their stack not yet formatted, so the first `.stack` read is inside the call, as in production). 50 calls per timed batch, 10 ms pause between batches. The naive floor packs the whole event with msgpackr and copies it into a SharedArrayBuffer, nothing else. @sentry/node defers part of its work to later ticks; that work shows in figure 2 (CPU, loop delay), not here.']
}

function ownshare (results) {
  if (results['ownshare-ours'] === undefined) return null
  const subjects = [['xrayradar', 'ownshare-ours'], ['xrayradar before (--ours-before)', 'ownshare-before'], ['naive floor', 'ownshare-naive'], ['@sentry/node', 'ownshare-sentry']]
  const o = col(results['ownshare-ours'], 'captureException')
  const rows = subjects.filter(([, k]) => results[k] !== undefined).map(([label, k]) => {
    const c = col(results[k], 'captureException')
    return [label, fmt(c, 2), fmt(col(results[k], 'p10'), 2), fmt(col(results[k], 'p90'), 2), k === 'ownshare-ours' ? '' : ratio(o, c)]
  })
  return ['1b. The SDK\'s own share of captureException (µs per call, stack already formatted)', table(rows, ['subject', 'median of batches', 'p10', 'p90', 'ours / subject']) +
    '\n\nbench/scenarios/ownshare.mjs: figure 1\'s capture (same scope, 10-frame errors with a unique message, batches of 50, 10 ms pause, 200 batches per run), but every error\'s `.stack` is read before its batch is timed, so V8\'s formatting of the trace is left out and what remains is the SDK\'s own work (for ours: reading the error, the event id, encoding the event\'s own part and writing the record to the ring; our workers deliver to the collector meanwhile). p10 and p90 are over the batches of a run.']
}

function otel (results) {
  const runs = results.otel
  if (runs === undefined) return null
  const rows = [
    ['absent: no OpenTelemetry API registered', fmt(col(runs, 'absentCheckNs'), 1), fmt(col(runs, 'absentCaptureUs'), 2), ''],
    ['registered (NodeTracerProvider), capture outside any span', fmt(col(runs, 'idleCheckNs'), 1), fmt(col(runs, 'idleCaptureUs'), 2), fmt(col(runs, 'idleAddedUs'), 2)],
    ['inside an active span: contexts.trace sent', fmt(col(runs, 'spanCheckNs'), 1), fmt(col(runs, 'spanCaptureUs'), 2), fmt(col(runs, 'spanAddedUs'), 2)]
  ]
  return ['1c. OpenTelemetry trace context: what the capture pays', table(rows, ['state', 'the check alone (ns per call)', 'captureException (µs per call)', 'added to captureException (µs, median of per-round differences)']) +
    `\n\nbench/scenarios/otel.mjs, ${runs[0]?.node ?? 'Node'}, with sdk-trace-node 2.x: the three states alternate round by round in one process (${runs[0]?.rounds ?? '?'} rounds, order rotated); "absent" takes the API's global off \`globalThis\` and puts the same object back. The check is the SDK's \`activeTraceIds()\` alone, 200,000 calls per round; captureException is figure 1b's (stack already formatted, batches of 50, 10 ms pause), so the added cost includes encoding the ids into the record. Differences below the spread of the column are noise. Figure 1 runs with OpenTelemetry absent.`]
}

function floor (results) {
  const f = results.floor
  if (f === undefined) return null
  const rows = [
    ['CPU µs per event, all threads', fmt(col(f, 'cpuUsPerEvent'), 1)],
    ['time to send 50,000 (ms)', fmt(col(f, 'sendMs'), 0)],
    ['events per second', fmt(col(f, 'perSecond'), 0)],
    ['answered 2xx (of 50,000)', fmt(col(f, 'ok'), 0)],
    ['body (bytes)', fmt(col(f, 'bodyBytes'), 0)]
  ]
  const p1 = col(results['floor-paced-1000'], 'cpuUsPerEvent')
  const p5 = col(results['floor-paced-5000'], 'cpuUsPerEvent')
  if (p1 !== null) rows.push(['paced at 1,000/s for 5 s (10 ms ticks): CPU µs per event, all threads', fmt(p1, 1)])
  if (p5 !== null) rows.push(['paced at 5,000/s for 5 s (10 ms ticks): CPU µs per event, all threads', fmt(p5, 1)])
  if (p1 !== null && p5 !== null) rows.push(['paced: 1,000/s × 5,000/s', ratio(p1, p5)])
  const capped = col(results['floor-capped'], 'sendMs')
  if (capped !== null) {
    rows.push([`under the SDK's default cap of ${results['floor-capped'][0].cap.toLocaleString('en-US')} per second: time to send 50,000 (ms)`, fmt(capped, 0)])
    rows.push(['that, × the time without the cap', ratio(capped, col(f, 'sendMs'))])
  }
  return ['2a. HTTP floor: the wire contract alone', table(rows, ['figure', 'bare sender']) +
    '\n\nbench/scenarios/floor.mjs: one event of the bench\'s shape (the scope of figure 1, a 10-frame error) is built by our SDK once and `JSON.stringify`d; then one worker thread POSTs that body (its bytes, made once) 50,000 times to `/api/{project}/store/` of the same collector, with undici\'s `Pool` (keep-alive, 8 connections, pipelining 1, 16 requests in flight; each request through the Pool\'s `dispatch()` with a handler that counts the status and drops the answer\'s body, undici\'s cheapest path), as fast as it can. CPU is the whole process\'s `process.cpuUsage()` over the sends, divided by 50,000. This is what one event per request costs with nothing else: figures 2 and 3 are judged against it. Paced: the same sender, in a fresh process, starts every 10 ms (our workers\' linger) all the requests due at 1,000 or 5,000 per second (no cap of 16 in flight: undici\'s Pool queues them on its 8 connections), 5 s\' worth: the contract at figure 2\'s rates, its wake-ups and the JIT\'s warm-up over 5,000 or 25,000 requests included. Under the cap: the same sender as fast as it can, but starting at most the default `maxEventsPerSecond` requests per second, the budget refilled whole each second as the SDK\'s bottleneck reservoir is: the least time figure 3\'s burst can take with the defaults. The sender\'s code is bench/lib/bare-sender-worker.cjs.']
}

function steady (results) {
  const rows = []
  const floorCpu = col(results.floor, 'cpuUsPerEvent')
  for (const rate of STEADY_RATES) {
    const o = results[`steady-${rate}-ours`]
    const s = results[`steady-${rate}-sentry`]
    const z = results[`steady-${rate}-none`]
    const b = results[`steady-${rate}-sender`]
    const net = results[`steady-${rate}-net`]
    if (o === undefined) continue
    for (const [k, name, d] of [['loopP50', 'loop delay p50 (ms)', 2], ['loopP99', 'loop delay p99 (ms)', 2], ['loopMax', 'loop delay max (ms)', 1], ['elu', 'event-loop utilization', 3], ['usPerEvent', 'main-thread µs per capture', 2], ['cpuCores', 'CPU, all threads (cores)', 2], ['cpuUsPerEvent', 'CPU µs per event, all threads', 0], ['peakRssMiB', 'peak RSS (MiB)', 0], ['deliveredPct', 'delivered / captured (%)', 1], ['flushMs', 'flush() after the run (ms)', 0]]) {
      const none = ['loopP50', 'loopP99', 'loopMax', 'elu', 'cpuCores', 'cpuUsPerEvent', 'peakRssMiB'].includes(k) ? fmt(col(z, k), d) : ''
      rows.push([`${rate}/s`, name, none, fmt(col(b, k), d), fmt(col(o, k), d), fmt(col(s, k), d), ratio(col(o, k), col(s, k))])
    }
    if (net !== undefined) {
      const bn = col(net, 'sender')
      const on = col(net, 'ours')
      const sn = col(net, 'sentry')
      rows.push([`${rate}/s`, 'CPU µs per event added (minus the no-SDK run of its round)', '', fmt(bn, 0), fmt(on, 0), fmt(sn, 0), ratio(on, sn)])
      if (floorCpu !== null) rows.push([`${rate}/s`, 'that, × the HTTP floor (figure 2a)', '', ratio(bn, floorCpu), ratio(on, floorCpu), ratio(sn, floorCpu), ''])
      const paced = col(results[`floor-paced-${rate}`], 'cpuUsPerEvent')
      if (paced !== null) rows.push([`${rate}/s`, 'that, × the HTTP floor paced at this rate (figure 2a)', '', ratio(bn, paced), ratio(on, paced), ratio(sn, paced), ''])
      rows.push([`${rate}/s`, 'loop delay p99 × the no-SDK run of its round', '', fmt(col(net, 'senderLoopP99Ratio'), 2), fmt(col(net, 'oursLoopP99Ratio'), 2), fmt(col(net, 'sentryLoopP99Ratio'), 2), ''])
    }
  }
  if (rows.length === 0) return null
  return ['2. Steady load, 5 s per run', table(rows, ['rate', 'figure', 'no SDK', 'bare sender', 'xrayradar', '@sentry/node', 'ours / sentry']) +
    '\n\nCaptures are spread over 1 ms timer ticks. CPU counts every thread of the process (our workers included) over the run and the flush. Delivered is what the collector (a separate process) stored. "No SDK" is the same driver making the same errors and capturing nothing. "Bare sender" is the same driver whose capture reads the error\'s stack (V8 formats it, as every SDK\'s capture must) and asks a worker thread for one POST of figure 2a\'s prebuilt event (one `Atomics.add`); the worker sends what was asked at every 10 ms tick with undici\'s `Pool` (8 connections, `dispatch()`, as in figure 2a) and does nothing else (bench/lib/bare-sender-worker.cjs): what any SDK that sends one event per request from a worker thread pays at this rate, before any work of its own. The four subjects run in a rotated order per round, and each one\'s added CPU and loop-delay ratio are taken against the no-SDK run of its round.']
}

/** RSS second by second over a 20 s steady run, per subject (figures 2b and 2c); null without two subjects. */
function rssOverTime (results, prefix, extraRows = []) {
  const subjects = [['none', 'no SDK'], ['ours', 'xrayradar'], ['before', 'xrayradar, the build before']].filter(([k]) => results[`${prefix}-${k}`] !== undefined)
  if (subjects.length < 2) return null
  // Second n of the run: the highest RSS sampled in it (samples every 20 ms).
  const at = (k, sec) => col(results[`${prefix}-${k}`].map((r) => ({ v: r.rssBySecond?.[sec - 1] ?? null })).filter((r) => r.v !== null), 'v')
  const growth = (k) => col(results[`${prefix}-${k}`].map((r) => ({ v: (r.rssBySecond?.[19] ?? NaN) - (r.rssBySecond?.[4] ?? NaN) })).filter((r) => Number.isFinite(r.v)), 'v')
  const rows = [5, 10, 15, 20].map((sec) => [`RSS in second ${sec} (MiB)`, ...subjects.map(([k]) => fmt(at(k, sec), 0))])
  rows.push(['growth from second 5 to second 20 (MiB)', ...subjects.map(([k]) => fmt(growth(k), 1))])
  rows.push(['peak RSS (MiB)', ...subjects.map(([k]) => fmt(col(results[`${prefix}-${k}`], 'peakRssMiB'), 0))])
  for (const [name, key, d] of extraRows) rows.push([name, ...subjects.map(([k]) => k === 'none' ? '' : fmt(col(results[`${prefix}-${k}`], key), d))])
  return table(rows, ['figure', ...subjects.map(([, label]) => label)])
}

function churn (results) {
  const t = rssOverTime(results, 'churn', [['delivered / captured (%)', 'deliveredPct', 1]])
  if (t === null) return null
  return ['2c. Memory when the scope changes at every capture: 500/s for 20 s', t +
    '\n\nFigure 2b\'s run at 500/s, with a new tag (`request_id`) and a new breadcrumb set before every capture, as a service whose every request has its own scope and breadcrumbs: every capture then makes new scope bytes, which go to the shared blob area (docs/architecture.md) and which the worker decodes and caches by id.']
}

function longrun (results) {
  const t = rssOverTime(results, 'longrun')
  if (t === null) return null
  return ['2b. Memory over a longer run: 5,000/s for 20 s', t +
    '\n\nbench/scenarios/steady.mjs as in figure 2, held for 20 s; each row is the highest RSS sampled (every 20 ms) in that second, median of rounds. Growth after the first seconds is memory that a service running for hours would keep adding to, until some bound: the ring\'s pages (before the ring restart, docs/architecture.md: ~1 MiB a second until all 16 MiB were resident), caches, the young generation V8 enlarges when objects keep surviving its scavenges (before errors were marked as captured on themselves, docs/benchmarks-notes.md).']
}

function burst (results) {
  const o = results['burst-ours']
  const s = results['burst-sentry']
  if (o === undefined) return null
  const rows = [['loop time (ms)', 'loopMs', 0], ['delivered (of 50,000)', 'delivered', 0], ['time to last delivery (ms)', 'lastDeliveryMs', 0], ['peak RSS (MiB)', 'peakRssMiB', 0]].map(([name, k, d]) => [name, fmt(col(o, k), d), fmt(col(s, k), d), ratio(col(o, k), col(s, k))])
  const floorMs = col(results.floor, 'sendMs')
  if (floorMs !== null) rows.push(['time to last delivery × the HTTP floor\'s time for 50,000', ratio(col(o, 'lastDeliveryMs'), floorMs), ratio(col(s, 'lastDeliveryMs'), floorMs), ''])
  const dropped = o.map((r) => JSON.stringify(r.stats?.dropped ?? {})).join('; ')
  return ['3. Burst: 50,000 captures in one loop, then flush', table(rows, ['figure', 'xrayradar', '@sentry/node', 'ours / sentry']) + `\n\nOur stats() after the burst (drops by reason): ${dropped}`]
}

function exit (results) {
  if (results['exit-ours'] === undefined) return null
  return ['4. Exit: 1,000 captures then process.exit(0)', table([['delivered (of 1,000)', fmt(col(results['exit-ours'], 'delivered'), 0), fmt(col(results['exit-sentry'], 'delivered'), 0)]], ['figure', 'xrayradar', '@sentry/node'])]
}

/** The ceiling table and the chart's series; the chart itself is written by the caller. */
export function ceilingSeries (results) {
  return ['ours', 'sentry'].filter((s) => results[`ceiling-${s}`] !== undefined).map((subject) => ({ subject, label: LABEL[subject], ...results[`ceiling-${subject}`] }))
}

function ceiling (results) {
  const series = ceilingSeries(results)
  if (series.length === 0) return null
  // Enough digits that 99.5% never shows as 100%.
  const rows = series.map(({ label, ceiling, points }) => [label, ceiling === 0 ? `< ${CEILING_RATES[0]}/s` : `${ceiling}/s`, ...points.map((p) => `${p.deliveredPct >= 100 ? '100' : p.deliveredPct.toFixed(p.deliveredPct >= 99 ? 2 : 1)}% / ${p.loopP99.toFixed(1)} ms`)])
  return ['5. Ceiling: highest steady rate with 100% delivered', table(rows, ['subject', 'ceiling', ...CEILING_RATES.map((r) => `${r}/s delivered / loop p99`)]) + '\n\n![loop delay and delivered against rate](benchmarks-rate.svg)']
}

function startup (results) {
  const size = results.size
  if (results['startup-ours'] === undefined || size === undefined) return null
  const o = col(results['startup-ours'], 'importInitMs')
  const s = col(results['startup-sentry'], 'importInitMs')
  return ['6. Import + init, installed size', table([
    ['import + init (ms)', fmt(o, 1), fmt(s, 1), ratio(o, s)],
    ['installed size, production tree (MiB)', (size.oursBytes / 2 ** 20).toFixed(1), (size.sentryBytes / 2 ** 20).toFixed(1), `${(size.oursBytes / size.sentryBytes).toFixed(2)}×`],
    ['packages in that tree', size.oursPackages, size.sentryPackages, '']
  ], ['figure', 'xrayradar', '@sentry/node', 'ours / sentry']) + '\n\nOur workers start with the first event, not in init(), so this is the cost an idle service pays.']
}

function scrub (results) {
  if (results.scrub === undefined) return null
  const o = col(results.scrub, 'oldUs')
  const n = col(results.scrub, 'newUs')
  const r = col(results.scrub, 'ratio')
  return ['7. Worker time per event for scrubbing (µs)', table([['scrubEvent', fmt(o, 2), fmt(n, 2), fmt(r, 2)]], ['', '0.1.0 rules', 'current rules', 'current / 0.1.0 (per-round median)']) +
    '\n\nbench/scenarios/scrub.mjs: a typical event (user, 5 tags, 3 extras, 20 breadcrumbs, a request with 6 headers, 10 frames) built, scrubbed and dropped in turn, the 0.1.0 function (copied into the script) and the current one alternating in one process; the cost of building the event is measured alone and subtracted.']
}

function http (results) {
  const majors = HTTP_NODES.filter((m) => Object.keys(HTTP_APP_NAMES).some((app) => results[`http-n${m}-${app}-ratio`] !== undefined))
  if (majors.length === 0) return null
  const parts = []
  for (const major of majors) {
    const rows = []
    let node = `Node ${major}`
    for (const [app, name] of Object.entries(HTTP_APP_NAMES)) {
      const key = `http-n${major}-${app}`
      if (results[`${key}-ratio`] === undefined) continue
      node = results[`http-n${major}-meta`]?.[0]?.node ?? node
      const cpu = (subject) => col(results[`${key}-${subject}`], 'cpuUsPerRequest')
      const rps = (subject) => col(results[`${key}-${subject}`], 'rps')
      const r = (k) => col(results[`${key}-ratio`], k)
      rows.push([name, fmt(cpu('none'), 1), `${fmt(r('floorCpu'), 3)}×`, `${fmt(r('oursCpu'), 3)}×`, `${fmt(r('sentryCpu'), 3)}×`,
        fmt(rps('none'), 0), `${fmt(r('floor'), 3)}×`, `${fmt(r('ours'), 3)}×`, `${fmt(r('sentry'), 3)}×`,
        fmt(r('floorAddedUs'), 1), fmt(r('oursAddedUs'), 1), fmt(r('oursOverFloorUs'), 1), `${fmt(r('oursVsFloor'), 3)}×`,
        r('floorAgainOverFloorUs') === null ? '' : fmt(r('floorAgainOverFloorUs'), 1), r('floorAgainVsFloor') === null ? '' : `${fmt(r('floorAgainVsFloor'), 3)}×`,
        userSystem(r, 'oursOverFloor'), userSystem(r, 'floorAgainOverFloor')])
    }
    parts.push(`### ${node}\n\n` + allocatedTable(results, major) + table(rows, ['app', 'no SDK: CPU µs/request', 'floor CPU ×', 'ours CPU ×', '@sentry/node CPU ×',
      'no SDK: requests/s', 'floor req/s ×', 'ours req/s ×', '@sentry/node req/s ×', 'floor adds (µs)', 'ours adds (µs)', 'ours over floor (µs)', 'ours req/s × floor', 'floor again over floor (µs)', 'floor again req/s × floor', 'ours over floor: user; system (µs)', 'floor again over floor: user; system (µs)']))
  }
  const missing = HTTP_NODES.filter((m) => !majors.includes(m))
  return ['8. Per-request cost: no SDK, the isolation floor, xrayradar, @sentry/node', parts.join('\n\n') +
    (missing.length === 0 ? '' : `\n\nNot measured in these results: Node ${missing.join(', ')} (\`node bench/run.mjs --only=http --merge --node=<version>\` adds a version).`) +
    '\n\nbench/scenarios/http-server.mjs, run once per Node version (`--node=<version>`): `GET /api/users/:id` answering JSON behind a router or prefix at /api, for node:http, Express 4 and 5, Fastify 4 and 5, Koa 3 with @koa/router, NestJS 11 (Express adapter). Subjects: no SDK; the isolation floor (the same app with `http.Server.prototype.emit` wrapped so that each \'request\' emit runs in `als.run({ req }, …)` with one AsyncLocalStorage, nothing else); the isolation floor again, in a fresh process ("floor again": what separates two runs of the same server, the figure\'s resolution); ours, `init({ dsn })` (default integrations) plus the framework\'s error handler; @sentry/node\'s documented setup (init before the framework is loaded, its error handler where it has one: not for Nest, which is @sentry/nestjs). autocannon from the bench process, 20 keep-alive connections on loopback, a 0.5 s warm-up, then 2 s timed; five rounds, the five subjects in a rotated order per round (a fresh server process each); CPU per request is the server process\'s CPU over the timed run (all threads) divided by the requests served; the last two columns split the differences into user CPU (the process\'s own code: JavaScript, V8, GC, Node\'s C++) and system CPU (the kernel\'s on the server\'s behalf: its socket syscalls, which on loopback include the TCP delivery to the load generator, its epoll calls, page faults), each a median of the per-round differences, so the two need not add up to the total\'s median. Each × is against the no-SDK run of the same round, "adds" and "over floor" are per-round differences; median of rounds (min–max). The server and the load generator share the machine\'s cores, so requests/s swings with other load; CPU per request holds better.']
}

/**
 * Figure 8's heap allocated per request, where the rounds counted it (V8's total_allocated_bytes:
 * Node 26), as a table of its own before the CPU table; '' where no round of the version did.
 * Each difference is the median of the per-round differences (the rounds of one subject are in
 * round order, so round i of two subjects ran side by side).
 */
function allocatedTable (results, major) {
  const rows = []
  for (const [app, name] of Object.entries(HTTP_APP_NAMES)) {
    const key = `http-n${major}-${app}`
    const rounds = (subject) => (results[`${key}-${subject}`] ?? []).map((r) => r.allocatedBytesPerRequest)
    const none = rounds('none')
    if (!none.some((b) => typeof b === 'number')) continue
    const over = (a, b) => {
      const ys = rounds(b)
      return summarize(rounds(a).map((x, i) => typeof x === 'number' && typeof ys[i] === 'number' ? x - ys[i] : null))
    }
    rows.push([name, fmt(summarize(none), 0), fmt(over('floor', 'none'), 0), fmt(over('floor2', 'floor'), 0), fmt(over('ours', 'floor'), 0), fmt(over('sentry', 'none'), 0)])
  }
  if (rows.length === 0) return ''
  return 'Heap allocated per request (bytes; the main thread\'s JavaScript heap over the timed run, `total_allocated_bytes` of Node\'s heap statistics read at its start and end, per request served; of the versions measured here only Node 26 has it, the others show no such table):\n\n' +
    table(rows, ['app', 'no SDK', 'floor − no SDK', 'floor again − floor', 'ours − floor', '@sentry/node − no SDK']) + '\n\nCPU per request and requests/s:\n\n'
}

/** A cell's user and system parts of a difference, medians ('' for rounds from before the split). */
function userSystem (r, prefix) {
  const user = r(`${prefix}UserUs`)
  const system = r(`${prefix}SystemUs`)
  return user === null || system === null ? '' : `${user.median.toFixed(1)}; ${system.median.toFixed(1)}`
}

function httpprof (results) {
  const rows = []
  for (const major of HTTP_NODES) {
    for (const [app, name] of Object.entries(HTTP_APP_NAMES)) {
      const runs = results[`httpprof-n${major}-${app}`]
      if (runs === undefined) continue
      const c = (k) => fmt(col(runs, k), 2)
      const pair = (a, b) => `${c(a)} → ${c(b)}`
      const fig8 = results[`http-n${major}-${app}-ratio`]
      rows.push([`Node ${major}`, name, pair('floorTotalUs', 'oursTotalUs'), c('sampledOverFloorUs'), fig8 === undefined ? 'not run' : fmt(col(fig8, 'oursOverFloorUs'), 1), c('sdkUs'), c('channelUs'), pair('floorAlsUs', 'oursAlsUs'), pair('floorGcUs', 'oursGcUs'), col(runs, 'floorWriteUs') === null ? 'not split' : pair('floorWriteUs', 'oursWriteUs'), pair('floorOtherUs', 'oursOtherUs'), largestOwn(runs)])
    }
  }
  if (rows.length === 0) return null
  return ["8d. Where ours' per-request CPU goes: the server's main thread, profiled", table(rows, ['Node', 'app', 'sampled µs/request: floor → ours', 'ours over floor, sampled', 'ours over floor, figure 8 (µs, unprofiled)', "the SDK's own functions", 'diagnostics_channel', 'AsyncLocalStorage: floor → ours', 'GC: floor → ours', "socket writes (Node's native write: encoding, libuv, the writev syscall; wall time): floor → ours", 'the rest (framework, Node): floor → ours', "the SDK's largest functions (µs/request, mean of rounds)"]) +
    "\n\nbench/scenarios/http-server.mjs with `profile`, the figure 8 apps and load (a 0.5 s warm-up, then 2 s timed), the isolation floor and ours only, three rounds in a rotated order, a fresh server process each. Over the timed run V8's sampling profiler (the inspector's, every 100 µs) records the server's main thread; each sample counts for the function it was in (self time), split by part (bench/lib/profile-split.mjs): the SDK's own functions (its dist/ files), Node's diagnostics_channel (its publishes of 'http.server.request.start' and 'http.server.response.finish', which run only because the SDK subscribes), AsyncLocalStorage and Node's async-context machinery (the floor's one run per request is here too), V8's garbage collector, the socket writes (the native write that Node's streams call: its encoding of the chunks, libuv, and the writev syscall that hands the response to the kernel; strace of the Express 5 app on Node 26 counted one writev per request with the same bytes, with and without the SDK), and the rest (the framework, Node's HTTP and the JS side of its sockets: the same code in both subjects; rows marked 'not split' are from runs before the socket writes had a column, and count them in the rest). The profiler samples wall time, so time the thread spends preempted inside the write counts there too. µs per request = the part's sampled time / requests served; median of rounds (min–max). The profiler slows the server, and it samples wall time on a thread that waits for a core now and then: compare the parts, and the subjects in one row, rather than these with figure 8's CPU. The delivery workers are idle (nothing is raised) and not profiled; figure 8's CPU counts every thread."]
}

function httpir (results) {
  const rows = []
  for (const major of HTTP_NODES) {
    for (const [app, name] of Object.entries(HTTP_APP_NAMES)) {
      const runs = results[`httpir-n${major}-${app}`]
      if (runs === undefined) continue
      const c = (k) => fmt(col(runs, k), 0)
      rows.push([`Node ${major}`, name, c('floor'), c('channelsOverFloor'), c('oursOverFloor'), c('oursOverChannels'), fmt(col(runs, 'oursVsFloor'), 4) + '×'])
    }
  }
  if (rows.length === 0) return null
  const node = (major) => results[`httpir-n${major}-meta`]?.[0]?.node
  const versions = HTTP_NODES.map(node).filter((v) => v !== undefined).join(', ')
  const meta = HTTP_NODES.map((m) => results[`httpir-n${m}-meta`]?.[0]).find((x) => x !== undefined) ?? {}
  const count = (meta.count ?? 4000).toLocaleString('en')
  return ['8e. Instructions per request on the main thread (callgrind): the floor, Node\'s channel publishes, ours', table(rows, ['Node', 'app', 'floor: main-thread instructions/request', "Node's two channel publishes (floor with no-op subscribers − floor)", 'ours − floor', "ours − floor with no-op subscribers (the SDK's own per-request work, its one context included, beyond the floor's one context)", 'ours / floor']) +
    `\n\nbench/lib/http-instructions.mjs (${versions}): the figure 8 apps, each server child run under Valgrind's callgrind, which counts the instructions each thread executes (only the main thread's count is kept: the one a saturated server waits on; V8's helper threads moved a whole-process count by ±8,000 per request between runs of one build, and callgrind runs the process ~50× slower, so whatever a thread does per unit of time would weigh ~50× more against each request than it does outside it); counting is switched on (callgrind_control) after a warm-up of 3 × ${count} requests and dumped after ${count} more, 20 connections, from autocannon in the bench process; per request = the count / requests answered. Subjects: the isolation floor, the same floor with a subscriber that does nothing on each of 'http.server.request.start' and 'http.server.response.finish' (the two channels Node's HTTP server publishes per request once someone subscribes, as the SDK does: the difference is Node's cost of publishing them), and ours. ${meta.rounds ?? 3} round(s) in a rotated order, a fresh process each; median (min–max) of the per-round differences. Instructions are not time (the CPU runs several per cycle, fewer when they miss in the caches), but a count does not move with the machine's load: it resolves differences that figure 8's CPU, ±1–2 µs between runs here, cannot.`]
}

/** The SDK's three largest functions over the rounds (mean self µs per request). */
function largestOwn (runs) {
  const sum = new Map()
  for (const r of runs) for (const { name, us } of r.sdkTop ?? []) sum.set(name, (sum.get(name) ?? 0) + us / runs.length)
  return [...sum].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([n, us]) => `${n.replace(/ \(.*\)$/, '')} ${us.toFixed(2)}`).join(', ')
}

function httpheap (results) {
  const rows = []
  let count = 10000
  for (const major of HTTP_NODES) {
    for (const app of ['node', 'express', 'fastify']) {
      const runs = results[`httpheap-n${major}-${app}`]
      if (runs === undefined) continue
      count = runs[0]?.count ?? count
      const c = (k) => col(runs, k)
      rows.push([`Node ${major}`, HTTP_APP_NAMES[app], fmt(c('noneBytes'), 0), fmt(c('floorBytes'), 0), fmt(c('oursBytes'), 0), fmt(c('oursAddedBytes'), 0), fmt(c('oursOverFloorBytes'), 0), fmt(c('oursAfterBytes'), 0)])
    }
  }
  if (rows.length === 0) return null
  return ['8c. Heap held per in-flight request', table(rows, ['Node', 'app', 'no SDK (B/request)', 'floor', 'ours', 'ours adds', 'ours over floor', 'ours leaves per finished request (B)']) +
    `\n\nbench/lib/http-load.mjs measureHeld with bench/scenarios/http-server.mjs (\`slowMs\`): the handler answers after 20 s, ${count.toLocaleString('en')} requests are sent at once (one connection each), nothing is raised. The server\'s \`heapUsed\` after two full GCs (\`--expose-gc\`) is read idle (after 200 warm-up requests), once all ${count.toLocaleString('en')} are inside the handler, once every answer came back, and once a second batch of ${count.toLocaleString('en')} came back too; per request = the difference / ${count.toLocaleString('en')}. "ours adds" is ours minus no SDK of the same round; "leaves per finished request" is the heap after the second batch minus the heap after the first, per request, ours minus no SDK's (the first batch also fills Node's own pools: parsers, socket buffers, compiled code). Subjects in a rotated order per round.`]
}

function pinohttp (results) {
  if (results['pinohttp-ratio'] === undefined) return null
  const cpu = (subject) => col(results[`pinohttp-${subject}`], 'cpuUsPerRequest')
  const rps = (subject) => col(results[`pinohttp-${subject}`], 'rps')
  const r = (key) => col(results['pinohttp-ratio'], key)
  const rows = [
    ['requests/s', fmt(rps('none'), 0), fmt(rps('ours'), 0), fmt(r('rps'), 3)],
    ['server CPU per request (µs, all threads)', fmt(cpu('none'), 1), fmt(cpu('ours'), 1), fmt(r('cpu'), 3)],
    ['CPU added per request (µs, per-round difference)', '', fmt(r('addedCpuUs'), 1), '']
  ]
  return ['8b. pino-http: what the SDK adds to a request that pino-http logs', table(rows, ['figure', 'no SDK', 'xrayradar + pinoIntegration()', '× no SDK (per round)']) +
    '\n\nbench/scenarios/http-server.mjs with framework express-pino-http: the figure 8 Express app with `pino-http` in front (a child logger per request as `req.log` and an `info` line per response, pino writing to a stream that discards it); ours is `init({ dsn, integrations: [pinoIntegration()] })` plus `setupExpressErrorHandler`, so each response line is also a breadcrumb on its request (and the request is isolated, as with every default integration). autocannon, 20 connections on loopback, 1 s warm-up then the timed run, the two subjects in a rotated order per round, each ratio against the no-SDK run of its round.']
}

function logging (results) {
  const runs = results.logging
  if (runs === undefined) return null
  const rows = [
    ['pino 10 `logger.info({ orderId }, msg)`', 'pinoOffUs', 'pinoOnUs', 'pinoAddedUs', 'pinoBestAddedUs'],
    ['`console.log(msg, n)`', 'consoleOffUs', 'consoleOnUs', 'consoleAddedUs', 'consoleBestAddedUs'],
    ["pino's tracing channel alone, no-op subscriber (part of the pino line)", null, null, 'pinoChannelAddedUs', 'pinoChannelBestAddedUs']
  ].map(([name, off, on, added, best]) => [name, off === null ? '' : fmt(col(runs, off), 2), on === null ? '' : fmt(col(runs, on), 2), fmt(col(runs, added), 2), fmt(col(runs, best), 2)])
  return ['9. Logging integrations: main-thread µs per call, integration off and on (breadcrumb path)', table(rows, ['call', 'off', 'on', 'added: median of per-round differences', 'added: best on − best off']) +
    `\n\nbench/scenarios/logging.mjs, ${runs[0]?.node ?? 'Node'}: 20,000 calls per timed round, 15 rounds after 2 warm-up rounds, off and on alternating in one process (each on round with its own client, as init() would set up); info is a breadcrumb (no event). pino writes to a stream that does nothing and console.log to a process.stdout.write that does nothing. A busy neighbour on a shared machine slows on and off rounds alike, so the paired difference grows with the load; the best rounds are the least disturbed. The last row is what any subscriber to pino's channel pays (Node's tracing channel around pino's serializer), measured in the same rounds. On Node 20 console's wrapped methods stand in for the channels of Node 22.23+/24.`]
}

function tsmap (results) {
  if (results.tsmap === undefined) return null
  const o = col(results.tsmap, 'ours')
  const s = col(results.tsmap, 'sentry')
  const r = col(results.tsmap, 'ratio')
  const one = results.tsmap[0]
  return ['10. TypeScript service: main-thread µs per captureException', table([
    ['captureException (µs)', fmt(o, 1), fmt(s, 1), fmt(r, 2)],
    ['top frame in err.stack on the main thread', one.oursTop, one.sentryTop, '']
  ], ['', 'xrayradar, no flag (workers map)', '@sentry/node, --enable-source-maps', 'ours / sentry (per-run median)']) +
    `\n\nbench/scenarios/tscapture.mjs on bench/ts-app bundled by esbuild with its dependency (yaml): ${(one.bundleBytes / 1024).toFixed(0)} KiB of JavaScript, a ${(one.mapBytes / 1024).toFixed(0)} KiB .map. Same scope and batches as figure 1; errors 10 frames deep in the TypeScript code, stacks unread until the call. Both subjects in each run, one after the other. Node maps Sentry's stacks on the main thread when they are first read; ours reach the workers as compiled and are mapped there (figure 11).`]
}

function tsworker (results) {
  if (results.tsworker === undefined) return null
  const one = results.tsworker[0]
  return ['11. Worker µs per event to map a bundle\'s frames', table([
    ['frames of a stack not seen before: parse + map + context lines', fmt(col(results.tsworker, 'mappedUs'), 1)],
    ['the same without mapping: parse + context lines', fmt(col(results.tsworker, 'plainUs'), 1)],
    [`mapFrames alone (${one.framesPerEvent} frames; context lines from the map's sourcesContent)`, fmt(col(results.tsworker, 'mapOnlyUs'), 1)],
    ['first event of the bundle (trace-mapping loaded, tail read, map read, parsed, decoded), ms', fmt(col(results.tsworker, 'coldMs'), 0)],
    ['heap held by the parsed map (MiB)', fmt(col(results.tsworker, 'mapHeapMiB'), 1)]
  ], ['', 'xrayradar worker']) +
    `\n\nbench/scenarios/tsworker.mjs, in one process with the worker's modules: the bundle of figure 10 (${(one.mapBytes / 1024).toFixed(0)} KiB map), 64 stacks of its errors, each parsed, mapped and given context lines afresh (the worker's per-stack cache bypassed; the map cache warm), rounds with and without mapping alternating; mapped frames take their context lines from the map's sourcesContent instead of the bundle's lines, which is why mapping adds little to the whole. A stack seen before costs none of this: the worker caches its frames.`]
}

function loopblock (results) {
  const runs = results.loopblock
  if (runs === undefined) return null
  const verdicts = TARGETS.filter((t) => t.figure === 'loopblock').map((t) => {
    const v = verdict(t, results)
    return `${t.target}: ${v.measured}, ${v.met === null ? 'not run' : v.met ? 'met' : 'NOT met'}.`
  })
  const perNode = Object.keys(results).filter((k) => k.startsWith('loopblock-idle-n')).map((k) => results[k])
  const awaits = Object.keys(results).filter((k) => k.startsWith('loopblock-await-n')).map((k) => results[k])
  return ['12. Event-loop block detection: what it costs when nothing blocks', table([
    [`CPU of an idle process, % of one core (all threads), ${runs[0]?.node ?? ''}`, fmt(col(runs, 'offPct'), 3), fmt(col(runs, 'onPct'), 3), fmt(col(runs, 'addedPct'), 3)],
    ...perNode.map((r) => [`the same, ${r[0]?.node ?? ''}`, fmt(col(r, 'offPct'), 3), fmt(col(r, 'onPct'), 3), fmt(col(r, 'addedPct'), 3)]),
    ...awaits.map((r) => [`ns per await after an idle stretch / before, ${r[0]?.node ?? ''}`, fmt(col(r, 'offRatio'), 3) + '×', fmt(col(r, 'onRatio'), 3) + '×', fmt(col(r, 'onOverOff'), 3) + '× (on / off)']),
    ['captureException, µs per call (main thread)', fmt(col(runs, 'captureOffUs'), 2), fmt(col(runs, 'captureOnUs'), 2), fmt(col(runs, 'captureRatio'), 3) + '×'],
    ['delivered / captured in the capture part (%)', '', '', fmt(col(runs, 'deliveredPct'), 1)]
  ], ['', 'integration off', 'eventLoopBlockIntegration() on', 'added (on − off per round; on / off: median of in-process rounds)']) +
    `\n\nbench/scenarios/loopblock-idle.mjs, ${runs[0]?.node ?? 'Node'}: a client with a DSN and no other integration; after a ${((runs[0]?.warmupMs ?? 1000) / 1000).toFixed(1)} s warm-up, ${Math.round(runs[0]?.seconds ?? 5)} s in which nothing is captured and nothing blocks, the CPU time of every thread of the idle process, read from outside (/proc/<pid>/task/*/schedstat at the window's start and end: a process that measured itself would have to wake at the end, and on this VM a thread that wakes after a long sleep is billed a share of that sleep); both subjects run with --no-memory-reducer (V8's memory reducer runs a few GCs about 8 s after start-up in either subject, which would land in or out of the window by chance). With the integration, the main thread's 250 ms heartbeat (which also re-packs the scope for the watcher when it changed) and the watcher thread's checks (about one every thresholdMs) run while the loop works; once the loop has been idle for a second the heartbeat stops and, on Node 24 and 26, the watcher sleeps with no timer until the loop's next callback (an async hook armed only while idle, created with trackPromises: false, wakes both); on Node 20 and 22, where a hook would turn on V8's promise hooks for good, the watcher instead reads the process's CPU time once a thresholdMs (docs/integrations.md). The warm-up leaves time for that first idle second. The other Node versions are those .ci/run installs, the subject run with that binary. The delivery workers are not started for it. Off and on in separate fresh processes, their order alternating by round. Per capture, bench/scenarios/loopblock-capture.mjs: figure 1b's captureException (scope set, stacks already formatted, batches of 50, 10 ms apart) on one client, in rounds alternating in one process between no integration and a second client with it running beside (heartbeat, watcher thread); the ratio is the median of the per-round on / off ratios. Capture runs no code of the integration. Awaits, bench/scenarios/loopblock-await.mjs under each Node version: ns per await of a tight async loop (median of 5 timings of 1,000,000), before and after a 2.5 s idle stretch (the heartbeat stops, the wake hook is armed and fires on the way back), in one fresh process per subject; a hook that tracked promises would leave every await about 2× slower for good (seen when the hook is built so: 1.97× on Node 20, 2.52× on 26).\n\n` + verdicts.join('\n')]
}

export const FIGURES = { capture, ownshare, otel, floor, steady, longrun, churn, burst, exit, ceiling, startup, scrub, http, httpprof, httpir, httpheap, pinohttp, logging, loopblock, tsmap, tsworker }

export function chart (results) {
  return chartSvg(ceilingSeries(results), CEILING_RATES)
}

/** One figure's section (title and text), or null when the results do not hold it. */
export function renderFigure (name, results) {
  return FIGURES[name](results)
}

/** The whole page: header, every figure the results hold, the computed verdicts, then the notes. */
export function renderPage (meta, results, notes) {
  const header = `# Benchmarks\n\nGenerated by \`npm run bench\` (bench/run.mjs) on ${meta.date}. xrayradar ${meta.ourVersion} against @sentry/node ${meta.sentryVersion} (its defaults, errors only), each run in a fresh process against the local collector in a separate process, ${meta.runs} run(s) per figure and subject: median, with min–max.\n\nMachine: ${meta.machine}. Absolute times are this machine's; compare the ratios, and re-run on yours.\n\n${(meta.rerun ?? []).map((r) => `Figures ${r.figures.join(', ')} re-run on ${r.date} (\`--only=${r.figures.join(',')} --merge\`), ${r.machine === undefined || r.machine === meta.machine ? 'on the same machine' : `on ${r.machine} (another machine: compare those figures with each other, not with the full run's)`}; the others are from the full run.\n\n`).join('')}`
  const sections = Object.keys(FIGURES).map((name) => renderFigure(name, results)).filter((s) => s !== null)
  sections.push(['Against the targets', 'Computed from the figures above by bench/lib/targets.mjs (each target, the statistic it is judged on, and its bound are data there).\n\n' + targetsTable(results, table)])
  return header + sections.map(([title, text]) => `## ${title}\n\n${text}\n`).join('\n') + (notes ? `\n${notes}` : '')
}
