// The bench's verdicts are computed from the run's results, never written by hand.
import t from 'tap'
import { TARGETS, verdict, targetsTable } from '../../bench/lib/targets.mjs'
import { renderPage } from '../../bench/lib/figures.mjs'
import { table } from '../../bench/lib/report.mjs'

const capture = TARGETS.find((x) => x.key === 'captureException')
const burstRss = TARGETS.find((x) => x.figure === 'burst' && x.key === 'peakRssMiB')
const runs = (key, values) => values.map((v) => ({ [key]: v }))

t.test('a verdict follows the measured figure, on the statistic the target names', async (t) => {
  t.match(verdict(capture, { 'capture-ours': runs('captureException', [7, 7.5, 30]) }), { value: 7.5, met: true }, 'median under the bound')
  t.match(verdict(capture, { 'capture-ours': runs('captureException', [9, 9.5, 1]) }), { value: 9, met: false }, 'median over the bound')
  // "every run" targets are judged on the worst run, not the median.
  t.match(verdict(burstRss, { 'burst-ours': runs('peakRssMiB', [120, 130, 151]) }), { value: 151, met: false })
  t.match(verdict(burstRss, { 'burst-ours': runs('peakRssMiB', [120, 130, 149]) }), { value: 149, met: true })
})

t.test('a figure the run did not measure has no verdict', async (t) => {
  t.same(verdict(capture, {}), { value: null, measured: 'not measured in this run', met: null })
  const text = targetsTable({ 'capture-ours': runs('captureException', [5]) }, table)
  t.match(text, /captureException ≤ 8 µs.*\| 5\.0 µs \(median; 1 run\)\s*\| yes/)
  // Per-Node-version rows (figure 8) appear only for the versions a run measured.
  const shown = TARGETS.filter((x) => x.onlyWhenRun !== true)
  t.ok(shown.length > 10 && shown.length < TARGETS.length, 'some targets are per-version rows, left out when not run')
  t.equal(text.match(/\| not run \|/g)?.length, shown.length - 1, 'every other target: not run')
  t.notMatch(text, /Node 26, Express 5/, 'no row for a Node version this run did not measure')
  const with26 = targetsTable({ 'http-n26-express-ratio': [{ oursOverFloorUs: 0.5, oursVsFloor: 1 }] }, table)
  t.match(with26, /Node 26, Express 5: ours ≤ 1 µs CPU per request over the isolation floor.*\| 0\.5 µs \(median; 1 run\)\s*\| yes/)
  t.notMatch(text, /\| no\s*\|/)
})

t.test('the page shows the computed verdicts and only the figures it has', async (t) => {
  const meta = { date: '2026-01-01', ourVersion: '0', sentryVersion: '0', machine: 'm', runs: 1 }
  const page = renderPage(meta, { 'exit-ours': runs('delivered', [999]), 'exit-sentry': runs('delivered', [0]) }, 'NOTES')
  t.match(page, /## 4\. Exit/)
  t.notMatch(page, /## 1\. Main-thread cost/)
  t.match(page, /1,000 delivered in every run\s*\| 999 \(worst run; 1 run\); @sentry\/node: 0\s*\| no/)
  t.match(page, /NOTES$/)
})

t.test('a relative target shows the paced floor\'s own ratio alongside, without judging it', async (t) => {
  const slow = TARGETS.find((x) => x.runs === 'steady-1000-net')
  const base = { 'steady-1000-net': runs('ours', [300]), 'steady-5000-net': runs('ours', [100]) }
  const without = verdict(slow, base)
  t.match(without, { value: 3, met: false })
  t.notMatch(without.measured, /paced/, 'no floor run: nothing alongside')
  const withFloor = verdict(slow, { ...base, 'floor-paced-1000': runs('cpuUsPerEvent', [140]), 'floor-paced-5000': runs('cpuUsPerEvent', [50]) })
  t.match(withFloor, { value: 3, met: false }, 'the verdict is the same')
  t.match(withFloor.measured, /the HTTP floor paced at 1,000\/s × paced at 5,000\/s: 2\.80×/)
})

t.test('a bound\'s reach row holds the bare sender to the same bound, and says whose value it is', async (t) => {
  const own = TARGETS.find((x) => x.runs === 'steady-5000-net' && x.key === 'ours')
  const reach = TARGETS.find((x) => x.runs === 'steady-5000-net' && x.key === 'sender')
  const results = { 'steady-5000-net': [{ ours: 100, sender: 60 }], floor: runs('cpuUsPerEvent', [40]) }
  t.match(verdict(own, results), { value: 2.5, met: false })
  const r = verdict(reach, results)
  t.match(r, { value: 1.5, met: false }, 'judged on the sender\'s figure, not ours')
  t.match(r.measured, /^1\.50× \(bare sender 60\.0; the HTTP floor 40\.0\)/)
  t.match(verdict(reach, { ...results, 'steady-5000-net': [{ ours: 100, sender: 50 }] }), { value: 1.25, met: true })
  // A comparison may read another key of the same runs: ours against the sender's p99 ratio.
  const p99 = TARGETS.find((x) => x.key === 'oursLoopP99Ratio')
  const p = verdict(p99, { 'steady-5000-net': [{ oursLoopP99Ratio: 3, senderLoopP99Ratio: 1.5 }] })
  t.match(p, { value: 3, met: false })
  t.match(p.measured, /; the bare sender: 1\.50× \(ours 2\.00×\)/)
  t.notMatch(verdict(p99, { 'steady-5000-net': [{ oursLoopP99Ratio: 3 }] }).measured, /bare sender/, 'no sender in the run: no comparison')
})

t.test('figure 8\'s resolution rows: the floor against itself, shown only where a run measured it', async (t) => {
  const old = targetsTable({ 'http-n24-koa-ratio': [{ oursOverFloorUs: 0.5, oursVsFloor: 1 }] }, table)
  t.match(old, /Node 24, Koa 3: ours ≤ 1 µs/)
  t.notMatch(old, /resolution/, 'results from before the floor ran twice: no resolution row')
  const rows = [{ oursOverFloorUs: 0.5, oursVsFloor: 0.99, floorAgainOverFloorUs: 1.6, floorAgainVsFloor: 0.95 }]
  const now = targetsTable({ 'http-n24-koa-ratio': rows }, table)
  t.match(now, /Node 24, Koa 3, the figure's resolution: the isolation floor again ≤ 1 µs CPU per request over the floor.*\| 1\.6 µs \(median; 1 run\)\s*\| no/)
  t.match(now, /Node 24, Koa 3, the figure's resolution: the isolation floor again ≥ 0\.97× the floor's requests\/s.*\| 0\.950× \(median; 1 run\)\s*\| no/)
  t.match(now, /Node 24, Koa 3: ours ≤ 1 µs CPU per request over the isolation floor.*\| 0\.5 µs \(median; 1 run\)\s*\| yes/, 'ours judged on its own figure')
})
