// `npm run bench`: every figure for our SDK and @sentry/node, side by side, each run
// in a fresh process against the collector in its own process. Prints tables as it
// goes; a run of every figure writes docs/benchmarks.json (the results),
// docs/benchmarks.md and docs/benchmarks-rate.svg (both rendered from those results,
// verdicts included, by bench/lib/figures.mjs). A partial run (--only) prints the page
// and writes nothing, unless --merge: then its figures replace theirs in docs/benchmarks.json
// (the others stay from the last full run, the page says which figures were re-run when) and
// the docs are rendered again. --render re-renders the docs from docs/benchmarks.json alone.
//   node bench/run.mjs [--quick] [--only=capture,ownshare,otel,floor,steady,longrun,churn,burst,exit,ceiling,startup,scrub,http,httpprof,httpir,httpheap,pinohttp,logging,loopblock,tsmap,tsworker [--merge]] [--node=22.23.5] [--http-apps=node,express] [--sdk=DIR] [--render]
//   [--ours-before=PATH]: the ownshare figure also measures another build of ours (PATH to its
//   dist/index.js), in the same run, as "before".
import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync, readFileSync, statSync, readdirSync, rmSync } from 'node:fs'
import { cpus, totalmem, platform, release } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createRequire } from 'node:module'
import { runScenario, settledCount } from './lib/child.mjs'
import { dsnsFor } from './lib/subjects.mjs'
import { renderFigure, renderPage, chart, CEILING_RATES } from './lib/figures.mjs'
import { treeSize } from './lib/size.mjs'
import { measureHeld, measureHttp } from './lib/http-load.mjs'
import { callgrindAvailable, measureInstructions } from './lib/http-instructions.mjs'
import { buildTsApp } from './lib/ts-app.mjs'

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')
// The SDK's default maxEventsPerSecond, from its own table: the bare sender's cap in figure 2a.
const DEFAULTS_PER_SECOND = createRequire(import.meta.url)(join(root, 'dist/config/defaults.js')).NUMERIC_OPTIONS.find((o) => o.key === 'maxEventsPerSecond').default
const DOCS = { md: join(root, 'docs/benchmarks.md'), json: join(root, 'docs/benchmarks.json'), svg: join(root, 'docs/benchmarks-rate.svg'), notes: join(root, 'docs/benchmarks-notes.md') }
const readNotes = () => { try { return readFileSync(DOCS.notes, 'utf8') } catch { return '' } }

if (process.argv.includes('--render')) {
  // The page from the results already on disk: no run, no figure that is not in them.
  const { meta, results } = JSON.parse(readFileSync(DOCS.json, 'utf8'))
  writeFileSync(DOCS.md, renderPage(meta, results, readNotes()))
  if (results['ceiling-ours'] !== undefined) writeFileSync(DOCS.svg, chart(results))
  process.stdout.write(`rendered docs/benchmarks.md from docs/benchmarks.json (run of ${meta.date})\n`)
  process.exit(0)
}

const quick = process.argv.includes('--quick')
const only = (process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',')) ?? null
const RUNS = quick ? 1 : 3
const want = (fig) => only === null || only.includes(fig)
const merge = process.argv.includes('--merge')
if (merge && (only === null || quick)) {
  process.stderr.write('--merge needs --only=<figures> and full runs (no --quick): it replaces those figures in docs/benchmarks.json.\n')
  process.exit(2)
}
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
// A round's subjects in the order that round runs them: rotated by one per round, so that no
// subject always runs first (or right after another) while the machine's load drifts.
const rotated = (subjects, round) => subjects.map((_, k) => subjects[(round + k) % subjects.length])
const show = (figure) => { const sec = renderFigure(figure, results); if (sec !== null) log(`\n## ${sec[0]}\n\n${sec[1]}`) }

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
const results = {}

if (want('capture')) {
  log('\nFigure 1: main-thread µs per call, batches of 50')
  for (const subject of ['ours', 'sentry', 'naive']) {
    results[`capture-${subject}`] = await repeat(`capture ${subject}`, () => runScenario('capture', { subject, ...newRun() }))
  }
  show('capture')
}

if (want('ownshare')) {
  log('\nFigure 1b: the SDK\'s own share of captureException (stack already formatted), µs per call, batches of 50')
  const before = process.argv.find((a) => a.startsWith('--ours-before='))?.slice(14)
  const subjects = [['ours', {}], ...(before ? [['before', { oursModule: pathToFileURL(before).href }]] : []), ['naive', {}], ['sentry', {}]]
  for (const [label, extra] of subjects) {
    results[`ownshare-${label}`] = await repeat(`ownshare ${label}`, () => runScenario('ownshare', { subject: label === 'before' ? 'ours' : label, ...extra, ...newRun() }))
  }
  show('ownshare')
}

if (want('otel')) {
  log('\nFigure 1c: OpenTelemetry trace context: the check alone (ns) and captureException (µs), OpenTelemetry absent / registered without a span / inside a span')
  results.otel = await repeat('otel', () => runScenario('otel', { ...newRun() }))
  show('otel')
}

async function steady (subject, rate, seconds, extra = {}) {
  const run = newRun()
  const r = await runScenario('steady', { subject, rate, seconds, flushMs: 20000, ...extra, ...run })
  if (subject === 'none') return r
  const key = subject === 'sentry' ? run.sentryKey : run.oursKey
  const { count } = await settledCount(url, key, { quietMs: 500, limitMs: 15000 })
  return { ...r, delivered: count, deliveredPct: (100 * count) / r.captured }
}

if (want('floor')) {
  log('\nFigure 2a: HTTP floor, one worker thread POSTing one prebuilt event 50,000 times (undici Pool, 8 connections, 16 in flight)')
  results.floor = await repeat('floor', () => runScenario('floor', { count: 50000, ...newRun() }))
  // The same sender paced at figure 2's rates for its 5 s: what a steady rate costs the contract itself.
  for (const rate of [1000, 5000]) {
    results[`floor-paced-${rate}`] = await repeat(`floor paced at ${rate}/s`, () => runScenario('floor', { count: rate * 5, rate, tickMs: 10, ...newRun() }))
  }
  // As fast as it can under the SDK's default per-second cap: the least time figure 3's burst can take.
  results['floor-capped'] = await repeat('floor under the default per-second cap', () => runScenario('floor', { count: 50000, perSecond: DEFAULTS_PER_SECOND, ...newRun() }))
  show('floor')
}

if (want('steady')) {
  log('\nFigure 2: steady rates for 5 s (no SDK, the bare sender, ours, @sentry/node; order rotated per round)')
  const SUBJECTS = ['none', 'sender', 'ours', 'sentry']
  // The bare sender POSTs figure 2a's body: built once, in a process of its own.
  const { body } = await runScenario('event-body', { ...newRun() })
  for (const rate of [1000, 5000]) {
    for (const subject of SUBJECTS) results[`steady-${rate}-${subject}`] = []
    results[`steady-${rate}-net`] = []
    for (let i = 0; i < RUNS; i++) {
      // Each SDK against the no-SDK run of its own round: what the SDK adds, with the
      // driver's own timer and errors taken out, and the machine's drift shared.
      const round = {}
      for (const subject of rotated(SUBJECTS, i)) {
        round[subject] = await steady(subject, rate, 5, subject === 'sender' ? { body } : {})
        results[`steady-${rate}-${subject}`].push(round[subject])
      }
      results[`steady-${rate}-net`].push({
        sender: round.sender.cpuUsPerEvent - round.none.cpuUsPerEvent,
        ours: round.ours.cpuUsPerEvent - round.none.cpuUsPerEvent,
        sentry: round.sentry.cpuUsPerEvent - round.none.cpuUsPerEvent,
        senderLoopP99Ratio: round.sender.loopP99 / round.none.loopP99,
        oursLoopP99Ratio: round.ours.loopP99 / round.none.loopP99,
        sentryLoopP99Ratio: round.sentry.loopP99 / round.none.loopP99
      })
      log(`  … steady ${rate}/s round ${i + 1}/${RUNS}: CPU µs/event none ${round.none.cpuUsPerEvent.toFixed(1)}, sender ${round.sender.cpuUsPerEvent.toFixed(1)}, ours ${round.ours.cpuUsPerEvent.toFixed(1)}, sentry ${round.sentry.cpuUsPerEvent.toFixed(1)}; loop p99 none ${round.none.loopP99.toFixed(2)} ms, sender ${round.sender.loopP99.toFixed(2)} ms, ours ${round.ours.loopP99.toFixed(2)} ms`)
    }
  }
  show('steady')
}

if (want('longrun')) {
  // Figure 2b: does memory keep growing? A steady rate held for 20 s; --ours-before=PATH/dist/index.js
  // adds another build of ours to the same rounds.
  const before = process.argv.find((a) => a.startsWith('--ours-before='))?.slice(14)
  const SUBJECTS = ['none', 'ours', ...(before ? ['before'] : [])]
  log(`\nFigure 2b: RSS over 20 s at 5,000/s (${SUBJECTS.join(', ')}; order rotated per round)`)
  for (const subject of SUBJECTS) results[`longrun-${subject}`] = []
  for (let i = 0; i < RUNS; i++) {
    for (const subject of rotated(SUBJECTS, i)) {
      const extra = subject === 'before' ? { oursModule: pathToFileURL(before).href } : {}
      const r = await runScenario('steady', { subject: subject === 'before' ? 'ours' : subject, rate: 5000, seconds: 20, flushMs: 20000, ...extra, ...newRun() })
      results[`longrun-${subject}`].push(r)
      log(`  … longrun round ${i + 1}/${RUNS} ${subject}: RSS at 5 s ${r.rssBySecond[4]?.toFixed(0)} MiB, at 20 s ${r.rssBySecond[19]?.toFixed(0)} MiB`)
    }
  }
  show('longrun')
}

if (want('churn')) {
  // Figure 2c: the same over 20 s, at 500/s, with a new tag and breadcrumb before every capture.
  const before = process.argv.find((a) => a.startsWith('--ours-before='))?.slice(14)
  const SUBJECTS = ['none', 'ours', ...(before ? ['before'] : [])]
  log(`\nFigure 2c: RSS over 20 s at 500/s, the scope changing before every capture (${SUBJECTS.join(', ')}; order rotated per round)`)
  for (const subject of SUBJECTS) results[`churn-${subject}`] = []
  for (let i = 0; i < RUNS; i++) {
    for (const subject of rotated(SUBJECTS, i)) {
      const extra = subject === 'before' ? { oursModule: pathToFileURL(before).href } : {}
      const r = await steady(subject === 'before' ? 'ours' : subject, 500, 20, { churn: true, ...extra })
      results[`churn-${subject}`].push(r)
      log(`  … churn round ${i + 1}/${RUNS} ${subject}: RSS at 5 s ${r.rssBySecond[4]?.toFixed(0)} MiB, at 20 s ${r.rssBySecond[19]?.toFixed(0)} MiB, delivered ${r.deliveredPct?.toFixed(1) ?? '-'}%`)
    }
  }
  show('churn')
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
  show('burst')
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
  show('exit')
}

if (want('ceiling')) {
  log('\nFigure 5: ceiling — highest steady rate delivered in full (3 s per rate)')
  for (const subject of ['ours', 'sentry']) {
    const points = []
    let ceiling = 0
    for (const rate of CEILING_RATES) {
      const r = await steady(subject, rate, 3)
      points.push(r)
      log(`  … ceiling ${subject} ${rate}/s: ${r.deliveredPct.toFixed(1)}% delivered, loop p99 ${r.loopP99.toFixed(2)} ms`)
      if (r.deliveredPct >= 100) ceiling = rate
    }
    results[`ceiling-${subject}`] = { ceiling, points }
  }
  show('ceiling')
}

if (want('startup')) {
  log('\nFigure 6: import + init, installed size')
  for (const subject of ['ours', 'sentry']) results[`startup-${subject}`] = await repeat(`startup ${subject}`, () => runScenario('startup', { subject, ...newRun() }))
  const dist = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? dist(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0)
  const ours = treeSize(root, root, { includeSelf: false })
  const sentry = treeSize(join(root, 'node_modules/@sentry/node'), root)
  results.size = { oursBytes: ours.bytes + dist(join(root, 'dist')), sentryBytes: sentry.bytes, oursPackages: ours.packages + 1, sentryPackages: sentry.packages }
  show('startup')
}

if (want('scrub')) {
  log('\nWorker scrubbing: µs per event, the 0.1.0 rules against the current ones')
  results.scrub = await repeat('scrub', () => runScenario('scrub', {}))
  show('scrub')
}

// Figure 8 runs its servers on one Node version per run: --node=22.23.5 (installed by
// .ci/install-node), else this process's. --http-apps=node,express narrows the apps; --sdk=DIR
// runs "ours" from another build (its package directory), for before/after runs.
const HTTP_APPS = ['node', 'express4', 'express', 'fastify4', 'fastify', 'koa', 'nest']
/** The Node versions .ci/run tests besides the machine's (its NODE_VERSIONS line, the one list of them). */
function ciNodeVersions () {
  const line = readFileSync(join(root, '.ci/run'), 'utf8').match(/^NODE_VERSIONS=\(([^)]*)\)/m)
  return line === null ? [] : line[1].trim().split(/\s+/)
}
const argValue = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
/** A Node version's binary (installed by .ci/install-node) and major. */
function installedNode (version) {
  const dir = execFileSync(join(root, '.ci/install-node'), [version], { encoding: 'utf8' }).trim()
  return { execPath: join(dir, 'node'), major: Number(version.split('.')[0]) }
}
const thisNode = { execPath: process.execPath, major: Number(process.versions.node.split('.')[0]) }
function httpNode () {
  const version = argValue('node')
  return version === undefined ? thisNode : installedNode(version)
}

if (want('http')) {
  const { execPath, major } = httpNode()
  const apps = argValue('http-apps')?.split(',') ?? HTTP_APPS
  const sdkPath = argValue('sdk')
  log(`\nFigure 8 (Node ${major}): server CPU per request and requests/s of a minimal app, no SDK / the isolation floor (twice) / ours / @sentry/node`)
  // floor2: the isolation floor again, in a process of its own. Its difference from the floor is
  // nothing but the spread between processes: what the figure can resolve (the resolution rows).
  const HTTP_SUBJECTS = ['none', 'floor', 'floor2', 'ours', 'sentry']
  // Five rounds, not three: a server process's CPU per request varies by several µs from one
  // process to the next (Express 5 and Nest on Node 20/22: ±5–10 µs on ~105–155 µs; the
  // Express apps on 24/26: ±3–4 µs), more than what the figure judges (1 µs over the floor);
  // the median of five pairs holds better.
  const HTTP_ROUNDS = quick ? 1 : 5
  for (const app of apps) {
    const key = `http-n${major}-${app}`
    for (const subject of HTTP_SUBJECTS) results[`${key}-${subject}`] = []
    results[`${key}-ratio`] = []
    for (let i = 0; i < HTTP_ROUNDS; i++) {
      // Subjects in a rotated order per round, and each compared with the no-SDK run of the same
      // round: the machine's drift over a round affects both sides of a ratio alike.
      const round = {}
      for (const subject of rotated(HTTP_SUBJECTS, i)) {
        round[subject] = await measureHttp({ subject: subject === 'floor2' ? 'floor' : subject, framework: app, seconds: quick ? 1 : 2, warmup: 0.5, execPath, sdkPath, ...newRun() })
        results[`${key}-${subject}`].push(round[subject])
      }
      const { none, floor, floor2, ours, sentry } = round
      results[`${key}-ratio`].push({
        floorCpu: floor.cpuUsPerRequest / none.cpuUsPerRequest,
        oursCpu: ours.cpuUsPerRequest / none.cpuUsPerRequest,
        sentryCpu: sentry.cpuUsPerRequest / none.cpuUsPerRequest,
        floor: floor.rps / none.rps,
        ours: ours.rps / none.rps,
        sentry: sentry.rps / none.rps,
        floorAddedUs: floor.cpuUsPerRequest - none.cpuUsPerRequest,
        oursAddedUs: ours.cpuUsPerRequest - none.cpuUsPerRequest,
        oursOverFloorUs: ours.cpuUsPerRequest - floor.cpuUsPerRequest,
        oursVsFloor: ours.rps / floor.rps,
        floorAgainOverFloorUs: floor2.cpuUsPerRequest - floor.cpuUsPerRequest,
        floorAgainVsFloor: floor2.rps / floor.rps,
        // The same differences split into user and system (kernel) CPU.
        oursOverFloorUserUs: ours.userUsPerRequest - floor.userUsPerRequest,
        oursOverFloorSystemUs: ours.systemUsPerRequest - floor.systemUsPerRequest,
        floorAgainOverFloorUserUs: floor2.userUsPerRequest - floor.userUsPerRequest,
        floorAgainOverFloorSystemUs: floor2.systemUsPerRequest - floor.systemUsPerRequest
      })
      log(`  … ${app} round ${i + 1}/${HTTP_ROUNDS}: ` + HTTP_SUBJECTS.map((s) => `${s} ${round[s].rps.toFixed(0)}/s ${round[s].cpuUsPerRequest.toFixed(1)} µs`).join(', '))
    }
  }
  results[`http-n${major}-meta`] = [{ node: execFileSync(execPath, ['--version'], { encoding: 'utf8' }).trim(), apps }]
  show('http')
}

// Figure 8d: where ours' per-request CPU goes. The floor and ours again, each with V8's sampling
// profiler on the server's main thread over the timed run (separate runs from figure 8's: the
// profiler's own cost lands in these), the samples split by part (bench/lib/profile-split.mjs).
if (want('httpprof')) {
  const { execPath, major } = httpNode()
  const apps = argValue('http-apps')?.split(',') ?? HTTP_APPS
  const sdkPath = argValue('sdk')
  log(`\nFigure 8d (Node ${major}): a CPU profile of the server's main thread, the isolation floor and ours, split by part`)
  const PROF_SUBJECTS = ['floor', 'ours']
  for (const app of apps) {
    const key = `httpprof-n${major}-${app}`
    results[key] = []
    for (let i = 0; i < RUNS; i++) {
      const round = {}
      for (const subject of rotated(PROF_SUBJECTS, i)) {
        round[subject] = await measureHttp({ subject, framework: app, seconds: quick ? 1 : 2, warmup: 0.5, execPath, sdkPath, profile: true, ...newRun() })
      }
      const f = round.floor.profileUs
      const o = round.ours.profileUs
      results[key].push({
        sdkUs: o.sdk,
        channelUs: o.channel,
        floorAlsUs: f.als,
        oursAlsUs: o.als,
        floorGcUs: f.gc,
        oursGcUs: o.gc,
        floorWriteUs: f.write,
        oursWriteUs: o.write,
        floorOtherUs: f.other,
        oursOtherUs: o.other,
        floorTotalUs: f.total,
        oursTotalUs: o.total,
        sampledOverFloorUs: o.total - f.total,
        sdkTop: round.ours.sdkTop
      })
      log(`  … ${app} round ${i + 1}/${RUNS}: µs per request sampled, floor ${f.total.toFixed(2)}, ours ${o.total.toFixed(2)} (the SDK's functions ${o.sdk.toFixed(2)}, diagnostics_channel ${o.channel.toFixed(2)}, GC ${f.gc.toFixed(2)} → ${o.gc.toFixed(2)}, socket writes ${f.write.toFixed(2)} → ${o.write.toFixed(2)}, AsyncLocalStorage ${f.als.toFixed(2)} → ${o.als.toFixed(2)})`)
    }
  }
  show('httpprof')
}

// Figure 8e: instructions per request under callgrind (bench/lib/http-instructions.mjs): the
// floor, the floor with Node's two HTTP channels subscribed by no-op subscribers (what Node
// spends publishing them because the SDK subscribes), and ours, in a rotated order per round.
if (want('httpir')) {
  const { execPath, major } = httpNode()
  const apps = argValue('http-apps')?.split(',') ?? HTTP_APPS
  const sdkPath = argValue('sdk')
  if (!callgrindAvailable()) {
    log(`\nFigure 8e skipped: it needs valgrind (callgrind_control) on PATH (Debian: apt-get install valgrind).`)
  } else {
    log(`\nFigure 8e (Node ${major}): instructions per request under callgrind, the floor, the floor with Node's HTTP channels subscribed, and ours`)
    const IR_SUBJECTS = ['floor', 'channels', 'ours']
    const irCount = quick ? 1000 : 4000
    for (const app of apps) {
      const key = `httpir-n${major}-${app}`
      results[key] = []
      for (let i = 0; i < RUNS; i++) {
        const round = {}
        for (const subject of rotated(IR_SUBJECTS, i)) {
          round[subject] = (await measureInstructions({ subject, framework: app, count: irCount, execPath, sdkPath, ...newRun() })).instructionsPerRequest
        }
        const { floor, channels, ours } = round
        results[key].push({ floor, channels, ours, channelsOverFloor: channels - floor, oursOverFloor: ours - floor, oursOverChannels: ours - channels, oursVsFloor: ours / floor })
        log(`  … ${app} round ${i + 1}/${RUNS}: instructions per request, floor ${floor.toFixed(0)}, channels ${channels.toFixed(0)} (+${(channels - floor).toFixed(0)}), ours ${ours.toFixed(0)} (+${(ours - floor).toFixed(0)})`)
      }
    }
    results[`httpir-n${major}-meta`] = [{ node: execFileSync(execPath, ['--version'], { encoding: 'utf8' }).trim(), count: irCount, rounds: RUNS }]
    show('httpir')
  }
}

if (want('httpheap')) {
  const { execPath, major } = httpNode()
  const sdkPath = argValue('sdk')
  log(`\nFigure 8c (Node ${major}): heap held per in-flight request, 10,000 concurrent slow requests that raise nothing`)
  const HEAP_APPS = ['node', 'express', 'fastify']
  const HEAP_SUBJECTS = ['none', 'floor', 'ours']
  const count = quick ? 2000 : 10000
  for (const app of HEAP_APPS) {
    const key = `httpheap-n${major}-${app}`
    results[key] = []
    for (let i = 0; i < RUNS; i++) {
      const round = {}
      for (const subject of rotated(HEAP_SUBJECTS, i)) {
        round[subject] = await measureHeld({ subject, framework: app, count, execPath, sdkPath, ...newRun() })
      }
      const per = (s) => (round[s].inflight - round[s].idle) / count
      // Left by each finished request: the second batch's heap over the first's (the first
      // batch also fills Node's own pools, which moved this reading by ±50 B per request).
      const left = (s) => (round[s].again - round[s].after) / count
      results[key].push({
        count,
        noneBytes: per('none'),
        floorBytes: per('floor'),
        oursBytes: per('ours'),
        oursAddedBytes: per('ours') - per('none'),
        oursOverFloorBytes: per('ours') - per('floor'),
        oursAfterBytes: left('ours') - left('none')
      })
      log(`  … ${app} round ${i + 1}/${RUNS}: in flight, bytes per request: none ${per('none').toFixed(0)}, floor ${per('floor').toFixed(0)}, ours ${per('ours').toFixed(0)}; left per finished request (second batch): ours ${left('ours').toFixed(1)} vs none ${left('none').toFixed(1)}`)
    }
  }
  show('httpheap')
}

if (want('pinohttp')) {
  log('\nFigure 8b: an Express app with pino-http, no SDK / ours with pinoIntegration(): server CPU per request')
  const SUBJECTS = ['none', 'ours']
  for (const subject of SUBJECTS) results[`pinohttp-${subject}`] = []
  results['pinohttp-ratio'] = []
  for (let i = 0; i < RUNS; i++) {
    const round = {}
    for (const subject of rotated(SUBJECTS, i)) {
      round[subject] = await measureHttp({ subject, framework: 'express-pino-http', seconds: quick ? 3 : 5, ...newRun() })
      results[`pinohttp-${subject}`].push(round[subject])
    }
    results['pinohttp-ratio'].push({
      rps: round.ours.rps / round.none.rps,
      cpu: round.ours.cpuUsPerRequest / round.none.cpuUsPerRequest,
      addedCpuUs: round.ours.cpuUsPerRequest - round.none.cpuUsPerRequest
    })
    log(`  … pino-http round ${i + 1}/${RUNS}: none ${round.none.rps.toFixed(0)}/s ${round.none.cpuUsPerRequest.toFixed(1)} µs, ours ${round.ours.rps.toFixed(0)}/s ${round.ours.cpuUsPerRequest.toFixed(1)} µs CPU/request`)
  }
  show('pinohttp')
}

if (want('logging')) {
  log('\nFigure 9: logging integrations, main-thread µs per pino logger.info and per console.log, integration on vs off (breadcrumb path)')
  results.logging = await repeat('logging', () => runScenario('logging', { ...newRun() }))
  show('logging')
}

if (want('loopblock')) {
  log('\nFigure 12: eventLoopBlockIntegration, CPU of an idle process (all threads) and µs per captureException, on vs off')
  let round = 0
  // Which goes first alternates by round: a neighbour's load drifting over a round weighs on both sides alike.
  const idlePair = async (subjectNode) => {
    const order = ++round % 2 === 0 ? [true, false] : [false, true]
    const got = {}
    for (const on of order) got[on] = await runScenario('loopblock-idle', { ...newRun(), on, seconds: quick ? 2 : 5, subjectNode })
    return { off: got.false, on: got.true }
  }
  results.loopblock = await repeat('loopblock', async () => {
    const { off, on } = await idlePair(process.execPath)
    const cap = await runScenario('loopblock-capture', { ...newRun(), rounds: quick ? 2 : 6, batches: 40 })
    return {
      offPct: off.corePct,
      onPct: on.corePct,
      addedPct: on.corePct - off.corePct,
      captureOffUs: cap.offUs,
      captureOnUs: cap.onUs,
      captureRatio: cap.ratio,
      deliveredPct: 100 * cap.delivered / cap.captured,
      seconds: on.wallMs / 1000,
      warmupMs: on.warmupMs,
      node: on.node
    }
  })
  // The idle part again under each Node version CI installs: the wake hook that lets the
  // heartbeat stop exists only where an async hook can leave promises alone (24, 26).
  const others = ciNodeVersions().map(installedNode)
  for (const { execPath, major } of others) {
    results[`loopblock-idle-n${major}`] = await repeat(`loopblock idle, Node ${major}`, async () => {
      const { off, on } = await idlePair(execPath)
      return { offPct: off.corePct, onPct: on.corePct, addedPct: on.corePct - off.corePct, node: on.node }
    })
  }
  // The host's awaits after an idle stretch (the wake hook armed and fired), on against off,
  // under every Node version: an async hook that tracked promises would slow them for good.
  const nodes = [thisNode, ...others]
  for (const { execPath, major } of nodes) {
    results[`loopblock-await-n${major}`] = await repeat(`loopblock awaits, Node ${major}`, async () => {
      const order = ++round % 2 === 0 ? [true, false] : [false, true]
      const got = {}
      for (const on of order) got[on] = await runScenario('loopblock-await', { ...newRun(), on }, { execPath })
      return { offRatio: got.false.ratio, onRatio: got.true.ratio, onOverOff: got.true.ratio / got.false.ratio, node: got.true.node }
    })
  }
  show('loopblock')
}

if (want('tsmap')) {
  log('\nFigure 10: main-thread µs per captureException in a TypeScript service (esbuild bundle with a .map)')
  // One bundle for the whole figure; each run measures both subjects, one after the other.
  const app = await buildTsApp()
  results.tsmap = await repeat('tsmap', async () => {
    const run = newRun()
    const sentry = await runScenario('tscapture', { subject: 'sentry', bundle: app.bundle, ...run }, { nodeArgs: ['--enable-source-maps'] })
    const ours = await runScenario('tscapture', { subject: 'ours', bundle: app.bundle, ...run })
    return { ours: ours.captureException, sentry: sentry.captureException, ratio: ours.captureException / sentry.captureException, oursTop: ours.topFile, sentryTop: sentry.topFile, bundleBytes: app.bundleBytes, mapBytes: app.mapBytes }
  })
  rmSync(app.dir, { recursive: true, force: true })
  show('tsmap')
}

if (want('tsworker')) {
  log('\nFigure 11: worker µs per event to map a bundle\'s frames')
  results.tsworker = await repeat('tsworker', () => runScenario('tsworker', {}, { nodeArgs: ['--expose-gc'] }))
  show('tsworker')
}

collectorProc.kill('SIGTERM')
const meta = { date: new Date().toISOString().slice(0, 10), ourVersion, sentryVersion, machine, runs: RUNS }
const page = renderPage(meta, results, readNotes())
if (only === null) {
  writeFileSync(DOCS.json, JSON.stringify({ meta, results }, null, 1))
  writeFileSync(DOCS.md, page)
  if (results['ceiling-ours'] !== undefined) writeFileSync(DOCS.svg, chart(results))
  log('\nwrote docs/benchmarks.json, docs/benchmarks.md and docs/benchmarks-rate.svg')
} else if (merge) {
  // These figures replace theirs in the last full run's results; the page says which and when.
  const saved = JSON.parse(readFileSync(DOCS.json, 'utf8'))
  const merged = { ...saved.results, ...results }
  const mergedMeta = { ...saved.meta, rerun: [...(saved.meta.rerun ?? []).filter((r) => !r.figures.every((f) => only.includes(f))), { date: meta.date, figures: only, machine }] }
  writeFileSync(DOCS.json, JSON.stringify({ meta: mergedMeta, results: merged }, null, 1))
  writeFileSync(DOCS.md, renderPage(mergedMeta, merged, readNotes()))
  if (merged['ceiling-ours'] !== undefined) writeFileSync(DOCS.svg, chart(merged))
  log(`\nmerged ${only.join(', ')} into docs/benchmarks.json and rendered docs/benchmarks.md`)
} else {
  // A partial run must not replace the full run's page or results.
  log(`\n${page}\n(--only: docs/ left as they were)`)
}
