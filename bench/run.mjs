// `npm run bench`: every figure for our SDK and @sentry/node, side by side, each run
// in a fresh process against the collector in its own process. Prints tables as it
// goes and writes docs/benchmarks.md and docs/benchmarks-rate.svg.
//   node bench/run.mjs [--quick] [--only=capture,steady,burst,exit,ceiling,startup,scrub]
import { spawn } from 'node:child_process'
import { writeFileSync, readFileSync, statSync, readdirSync } from 'node:fs'
import { cpus, totalmem, platform, release } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runScenario, settledCount } from './lib/child.mjs'
import { dsnsFor } from './lib/subjects.mjs'
import { summarize, fmt, ratio, table, chartSvg } from './lib/report.mjs'
import { treeSize } from './lib/size.mjs'

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')
const quick = process.argv.includes('--quick')
const only = (process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',')) ?? null
const RUNS = quick ? 1 : 3
const want = (fig) => only === null || only.includes(fig)
const LABEL = { ours: 'xrayradar', sentry: '@sentry/node', naive: 'naive floor' }
const sentryVersion = JSON.parse(readFileSync(join(root, 'node_modules/@sentry/node/package.json'), 'utf8')).version
const ourVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version

const collectorProc = spawn(process.execPath, [fileURLToPath(new URL('./lib/collector-process.mjs', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] })
const url = await new Promise((resolve, reject) => {
  let buf = ''
  collectorProc.stdout.on('data', (d) => { buf += d; const line = buf.split('\n')[0]; if (buf.includes('\n')) resolve(JSON.parse(line).url) })
  collectorProc.once('exit', (code) => reject(new Error(`collector exited ${code}`)))
})
let runCounter = 0
// Sentry accepts only numeric project ids.
const newRun = () => dsnsFor(url, `${process.pid}${String(runCounter++).padStart(4, "0")}`)
const log = (s) => process.stdout.write(s + '\n')
const md = []
const section = (title, text) => { log(`\n## ${title}\n\n${text}`); md.push(`## ${title}\n\n${text}\n`) }

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${platform()} ${release()}`
log(`xrayradar ${ourVersion} vs @sentry/node ${sentryVersion} on ${machine}; ${RUNS} fresh process(es) per figure and subject${quick ? ' (--quick)' : ''}`)

async function repeat (label, fn) {
  const out = []
  for (let i = 0; i < RUNS; i++) {
    const t0 = Date.now()
    out.push(await fn())
    log(`  … ${label} run ${i + 1}/${RUNS} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }
  return out
}
const col = (runs, key) => summarize(runs.map((r) => r[key]))

const results = {}

if (want('capture')) {
  log('\nFigure 1: main-thread µs per call, batches of 50')
  for (const subject of ['ours', 'sentry', 'naive']) {
    results[`capture-${subject}`] = await repeat(`capture ${subject}`, () => runScenario('capture', { subject, ...newRun() }))
  }
  const rows = ['captureException', 'captureMessage', 'addBreadcrumb'].map((k) => {
    const o = col(results['capture-ours'], k)
    const s = col(results['capture-sentry'], k)
    const n = col(results['capture-naive'], k)
    return [k, fmt(o, 2), fmt(s, 2), fmt(n, 2), ratio(o, s), ratio(o, n)]
  })
  section('1. Main-thread cost per call (µs, median of runs, min–max)', table(rows, ['call', 'xrayradar', '@sentry/node', 'naive floor', 'ours / sentry', 'ours / naive']) +
    '\n\nScope set before capture: user, 5 tags, 3 extras, 20 breadcrumbs of ~60 bytes; errors from a 10-frame recursion with a unique message, created outside the timed region (their stack not yet formatted, so the first `.stack` read is inside the call, as in production). 50 calls per timed batch, 10 ms pause between batches. The naive floor packs the whole event with msgpackr and copies it into a SharedArrayBuffer, nothing else. @sentry/node defers part of its work to later ticks; that work shows in figure 2 (CPU, loop delay), not here.')
}

async function steady (subject, rate, seconds) {
  const run = newRun()
  const r = await runScenario('steady', { subject, rate, seconds, flushMs: 20000, ...run })
  const key = subject === 'sentry' ? run.sentryKey : run.oursKey
  const { count } = await settledCount(url, key, { quietMs: 500, limitMs: 15000 })
  return { ...r, delivered: count, deliveredPct: (100 * count) / r.captured }
}

if (want('steady')) {
  log('\nFigure 2: steady rates for 5 s')
  const rows = []
  for (const rate of [1000, 5000]) {
    for (const subject of ['ours', 'sentry']) results[`steady-${rate}-${subject}`] = await repeat(`steady ${rate}/s ${subject}`, () => steady(subject, rate, 5))
    const o = results[`steady-${rate}-ours`]
    const s = results[`steady-${rate}-sentry`]
    for (const [k, name, d] of [['loopP50', 'loop delay p50 (ms)', 2], ['loopP99', 'loop delay p99 (ms)', 2], ['loopMax', 'loop delay max (ms)', 1], ['elu', 'event-loop utilization', 3], ['usPerEvent', 'main-thread µs per capture', 2], ['cpuCores', 'CPU, all threads (cores)', 2], ['cpuUsPerEvent', 'CPU µs per event, all threads', 0], ['peakRssMiB', 'peak RSS (MiB)', 0], ['deliveredPct', 'delivered / captured (%)', 1], ['flushMs', 'flush() after the run (ms)', 0]]) {
      rows.push([`${rate}/s`, name, fmt(col(o, k), d), fmt(col(s, k), d), ratio(col(o, k), col(s, k))])
    }
  }
  section('2. Steady load, 5 s per run', table(rows, ['rate', 'figure', 'xrayradar', '@sentry/node', 'ours / sentry']) +
    '\n\nCaptures are spread over 1 ms timer ticks. CPU counts every thread of the process (our workers included) over the run and the flush. Delivered is what the collector (a separate process) stored.')
}

if (want('burst')) {
  log('\nFigure 3: 50,000 captures in one synchronous loop')
  const burst = async (subject) => {
    const run = newRun()
    const r = await runScenario('burst', { subject, count: 50000, flushMs: 60000, ...run })
    const key = subject === 'sentry' ? run.sentryKey : run.oursKey
    const { count, lastChangeMs } = await settledCount(url, key, { quietMs: 1500, limitMs: 90000, since: r.startedAt })
    return { ...r, delivered: count, lastDeliveryMs: lastChangeMs }
  }
  for (const subject of ['ours', 'sentry']) results[`burst-${subject}`] = await repeat(`burst ${subject}`, () => burst(subject))
  const o = results['burst-ours']
  const s = results['burst-sentry']
  const rows = [['loop time (ms)', 'loopMs', 0], ['delivered (of 50,000)', 'delivered', 0], ['time to last delivery (ms)', 'lastDeliveryMs', 0], ['peak RSS (MiB)', 'peakRssMiB', 0]].map(([name, k, d]) => [name, fmt(col(o, k), d), fmt(col(s, k), d), ratio(col(o, k), col(s, k))])
  const dropped = o.map((r) => JSON.stringify(r.stats?.dropped ?? {})).join('; ')
  section('3. Burst: 50,000 captures in one loop, then flush', table(rows, ['figure', 'xrayradar', '@sentry/node', 'ours / sentry']) + `\n\nOur stats() after the burst (drops by reason): ${dropped}`)
}

if (want('exit')) {
  log('\nFigure 4: 1,000 captures then process.exit(0)')
  const exit = async (subject) => {
    const run = newRun()
    const r = await runScenario('exit', { subject, count: 1000, ...run })
    const key = subject === 'sentry' ? run.sentryKey : run.oursKey
    const { count } = await settledCount(url, key, { quietMs: 1000, limitMs: 15000 })
    return { ...r, delivered: count }
  }
  for (const subject of ['ours', 'sentry']) results[`exit-${subject}`] = await repeat(`exit ${subject}`, () => exit(subject))
  section('4. Exit: 1,000 captures then process.exit(0)', table([['delivered (of 1,000)', fmt(col(results['exit-ours'], 'delivered'), 0), fmt(col(results['exit-sentry'], 'delivered'), 0)]], ['figure', 'xrayradar', '@sentry/node']))
}

if (want('ceiling')) {
  log('\nFigure 5: ceiling — highest steady rate delivered in full (3 s per rate)')
  const rates = [1000, 2000, 5000, 10000, 20000]
  const series = []
  const rows = []
  for (const subject of ['ours', 'sentry']) {
    const points = []
    let ceiling = 0
    for (const rate of rates) {
      const r = await steady(subject, rate, 3)
      points.push(r)
      log(`  … ceiling ${subject} ${rate}/s: ${r.deliveredPct.toFixed(1)}% delivered, loop p99 ${r.loopP99.toFixed(2)} ms`)
      if (r.deliveredPct >= 100) ceiling = rate
    }
    results[`ceiling-${subject}`] = { ceiling, points }
    series.push({ subject, label: LABEL[subject], points })
    // Enough digits that 99.5% never shows as 100%.
    rows.push([LABEL[subject], ceiling === 0 ? `< ${rates[0]}/s` : `${ceiling}/s`, ...points.map((p) => `${p.deliveredPct >= 100 ? '100' : p.deliveredPct.toFixed(p.deliveredPct >= 99 ? 2 : 1)}% / ${p.loopP99.toFixed(1)} ms`)])
  }
  writeFileSync(join(root, 'docs/benchmarks-rate.svg'), chartSvg(series, rates))
  section('5. Ceiling: highest steady rate with 100% delivered', table(rows, ['subject', 'ceiling', ...rates.map((r) => `${r}/s delivered / loop p99`)]) + '\n\n![loop delay and delivered against rate](benchmarks-rate.svg)')
}

if (want('startup')) {
  log('\nFigure 6: import + init, installed size')
  for (const subject of ['ours', 'sentry']) results[`startup-${subject}`] = await repeat(`startup ${subject}`, () => runScenario('startup', { subject, ...newRun() }))
  const dist = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? dist(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0)
  const ours = treeSize(root, root, { includeSelf: false })
  const oursBytes = ours.bytes + dist(join(root, 'dist'))
  const sentry = treeSize(join(root, 'node_modules/@sentry/node'), root)
  const o = col(results['startup-ours'], 'importInitMs')
  const s = col(results['startup-sentry'], 'importInitMs')
  section('6. Import + init, installed size', table([
    ['import + init (ms)', fmt(o, 1), fmt(s, 1), ratio(o, s)],
    ['installed size, production tree (MiB)', (oursBytes / 2 ** 20).toFixed(1), (sentry.bytes / 2 ** 20).toFixed(1), `${(oursBytes / sentry.bytes).toFixed(2)}×`],
    ['packages in that tree', ours.packages + 1, sentry.packages, '']
  ], ['figure', 'xrayradar', '@sentry/node', 'ours / sentry']) + '\n\nOur workers start with the first event, not in init(), so this is the cost an idle service pays.')
}

if (want('scrub')) {
  log('\nWorker scrubbing: µs per event, rules before issue 9 against now')
  results.scrub = await repeat('scrub', () => runScenario('scrub', {}))
  const o = col(results.scrub, 'oldUs')
  const n = col(results.scrub, 'newUs')
  section('7. Worker time per event for scrubbing (µs)', table([['scrubEvent', fmt(o, 2), fmt(n, 2), ratio(n, o)]], ['', 'rules before issue 9', 'now', 'now / before']) +
    '\n\nbench/scenarios/scrub.mjs: a typical event (user, 5 tags, 3 extras, 20 breadcrumbs, a request with 6 headers, 10 frames) built, scrubbed and dropped in turn, the old function (copied into the script) and the current one alternating in one process. Budget: +10%.')
}

collectorProc.kill('SIGTERM')
const header = `# Benchmarks\n\nGenerated by \`npm run bench\` (bench/run.mjs) on ${new Date().toISOString().slice(0, 10)}. xrayradar ${ourVersion} against @sentry/node ${sentryVersion} (its defaults, errors only), each run in a fresh process against the local collector in a separate process, ${RUNS} run(s) per figure and subject: median, with min–max.\n\nMachine: ${machine}. Absolute times are this machine's; compare the ratios, and re-run on yours.\n\n`
const notesFile = join(root, 'docs/benchmarks-notes.md')
let notes = ''
try { notes = readFileSync(notesFile, 'utf8') } catch {}
if (only === null) writeFileSync(join(root, 'docs/benchmarks.md'), header + md.join('\n') + (notes ? `\n${notes}` : ''))
writeFileSync(join(root, 'docs/benchmarks.json'), JSON.stringify({ machine, runs: RUNS, results }, null, 1))
log(`\nwrote docs/benchmarks.md${only === null ? '' : ' (skipped: --only)'} and docs/benchmarks.json`)
