// The targets the SDK is held to, as data, and the verdicts computed from a run's
// results. Nothing here is a measured figure: bench/run.mjs measures, this file
// compares, and docs/benchmarks.md shows both.
import { summarize } from './report.mjs'

// stat: which summary over the runs the bound applies to. A target that must hold
// "every run" uses the worst run (min for at-least bounds, max for at-most bounds).
export const TARGETS = [
  {
    target: 'captureException ≤ 8 µs per call (median of runs)',
    figure: 'capture', runs: 'capture-ours', key: 'captureException', stat: 'median', op: '<=', bound: 8, unit: ' µs', digits: 1,
    compare: [['naive floor', 'capture-naive'], ['@sentry/node', 'capture-sentry']]
  },
  {
    // issue 12: a capture costs little more than the stack read.
    target: 'SDK\'s own share of captureException (stack already formatted) ≤ 2 µs per call (median of runs)',
    figure: 'ownshare', runs: 'ownshare-ours', key: 'captureException', stat: 'median', op: '<=', bound: 2, unit: ' µs', digits: 2,
    compare: [['before', 'ownshare-before'], ['naive floor', 'ownshare-naive'], ['@sentry/node', 'ownshare-sentry']]
  },
  {
    // With no OpenTelemetry in the process, the trace context check is one global read.
    target: 'OpenTelemetry absent: the trace context check ≤ 0.1 µs per capture (median of runs)',
    figure: 'otel', runs: 'otel', key: 'absentCheckUs', stat: 'median', op: '<=', bound: 0.1, unit: ' µs', digits: 3
  },
  {
    target: 'OpenTelemetry registered, no span active: the check ≤ 0.1 µs per capture (median of runs)',
    figure: 'otel', runs: 'otel', key: 'idleCheckUs', stat: 'median', op: '<=', bound: 0.1, unit: ' µs', digits: 3
  },
  {
    target: '5,000/s: event-loop delay p99 ≤ 2 ms (median of runs)',
    figure: 'steady', runs: 'steady-5000-ours', key: 'loopP99', stat: 'median', op: '<=', bound: 2, unit: ' ms', digits: 1,
    compare: [['@sentry/node', 'steady-5000-sentry']]
  },
  {
    target: '5,000/s: 100% delivered in every run',
    figure: 'steady', runs: 'steady-5000-ours', key: 'deliveredPct', stat: 'min', op: '>=', bound: 100, unit: '%', digits: 1,
    compare: [['@sentry/node', 'steady-5000-sentry']]
  },
  {
    target: '50,000-capture burst: all delivered in every run',
    figure: 'burst', runs: 'burst-ours', key: 'delivered', stat: 'min', op: '>=', bound: 50000, unit: '', digits: 0,
    compare: [['@sentry/node', 'burst-sentry']]
  },
  {
    target: '50,000-capture burst: peak RSS ≤ 150 MiB in every run',
    figure: 'burst', runs: 'burst-ours', key: 'peakRssMiB', stat: 'max', op: '<=', bound: 150, unit: ' MiB', digits: 0,
    compare: [['@sentry/node', 'burst-sentry']]
  },
  {
    target: '1,000 captures then process.exit(0): 1,000 delivered in every run',
    figure: 'exit', runs: 'exit-ours', key: 'delivered', stat: 'min', op: '>=', bound: 1000, unit: '', digits: 0,
    compare: [['@sentry/node', 'exit-sentry']]
  },
  {
    // Issue 12: .ts frames without Node's flag; the workers map, the main thread pays nothing for it.
    target: 'TypeScript service: captureException ≤ 1/3 of @sentry/node with --enable-source-maps (median of per-run ratios)',
    figure: 'tsmap', runs: 'tsmap', key: 'ratio', stat: 'median', op: '<=', bound: 1 / 3, unit: '×', digits: 2
  },
  {
    target: 'worker: frames of a new stack parsed, mapped and given context lines ≤ 50 µs per event, warm map cache (median of runs)',
    figure: 'tsworker', runs: 'tsworker', key: 'mappedUs', stat: 'median', op: '<=', bound: 50, unit: ' µs', digits: 1
  },
  {
    // The privacy rules cover every field now; the worker may pay at most 10% more for it.
    target: 'scrubbing: current rules ≤ 1.10× the 0.1.0 rules per event (median of runs)',
    figure: 'scrub', runs: 'scrub', key: 'ratio', stat: 'median', op: '<=', bound: 1.1, unit: '×', digits: 2
  },
  {
    // Issue 10: the integrations may cost a service at most 5% of its throughput.
    target: 'Express with the integrations: ≥ 0.95× the requests/s without an SDK (median of rounds)',
    figure: 'http', runs: 'http-express-ratio', key: 'ours', stat: 'median', op: '>=', bound: 0.95, unit: '×', digits: 3
  },
  {
    target: 'Fastify with the integrations: ≥ 0.95× the requests/s without an SDK (median of rounds)',
    figure: 'http', runs: 'http-fastify-ratio', key: 'ours', stat: 'median', op: '>=', bound: 0.95, unit: '×', digits: 3
  },
  {
    // Judged on the best rounds (least interference); the paired median is in the figure's table.
    target: 'pinoIntegration: ≤ 1 µs added per logger.info (breadcrumb path; best rounds, median of runs)',
    figure: 'logging', runs: 'logging', key: 'pinoBestAddedUs', stat: 'median', op: '<=', bound: 1, unit: ' µs', digits: 2
  },
  {
    target: 'consoleIntegration: ≤ 1 µs added per console.log (breadcrumb path; best rounds, median of runs)',
    figure: 'logging', runs: 'logging', key: 'consoleBestAddedUs', stat: 'median', op: '<=', bound: 1, unit: ' µs', digits: 2
  },
  {
    // Issue 21's bound: the watch must cost an idle service next to nothing.
    target: 'eventLoopBlockIntegration, idle: ≤ 0.1% of one core added, all threads (median of per-round differences)',
    figure: 'loopblock', runs: 'loopblock', key: 'addedPct', stat: 'median', op: '<=', bound: 0.1, unit: '%', digits: 3
  },
  {
    // "Nothing per capture": capture runs no code of the integration, so on and off should
    // differ only by the noise between two fresh processes; 5% leaves room for that noise only.
    target: 'eventLoopBlockIntegration: captureException with it on ≤ 1.05× off (median of per-round ratios)',
    figure: 'loopblock', runs: 'loopblock', key: 'captureRatio', stat: 'median', op: '<=', bound: 1.05, unit: '×', digits: 3
  }
]

const STAT_WORDS = { median: 'median', min: 'worst run', max: 'worst run' }

function num (v, digits) {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits)
}

/** The summary of one figure over the runs, or null when the run did not measure it. */
function over (results, runs, key) {
  const list = results[runs]
  return Array.isArray(list) ? summarize(list.map((r) => r?.[key])) : null
}

/**
 * One target against the results: the measured value (the target's stat over the
 * runs), the text for the table, and met: true, false, or null when not measured.
 */
export function verdict (t, results) {
  const s = over(results, t.runs, t.key)
  if (s === null) return { value: null, measured: 'not measured in this run', met: null }
  const value = s[t.stat]
  const met = t.op === '<=' ? value <= t.bound : value >= t.bound
  let measured = `${num(value, t.digits)}${t.unit} (${STAT_WORDS[t.stat]}`
  measured += s.n === 1 ? '; 1 run)' : s.min === s.max ? `; all ${s.n} runs)` : `; runs ${num(s.min, t.digits)}–${num(s.max, t.digits)})`
  for (const [label, runs] of t.compare ?? []) {
    const c = over(results, runs, t.key)
    if (c === null) continue
    measured += `; ${label}: ${num(c[t.stat], t.digits)}${t.unit}`
    if (c[t.stat] !== 0) measured += ` (ours ${(value / c[t.stat]).toFixed(2)}×)`
  }
  return { value, measured, met }
}

/** The "Against the targets" table, every cell computed from the results. */
export function targetsTable (results, table) {
  const rows = TARGETS.map((t) => {
    const v = verdict(t, results)
    return [t.target, v.measured, v.met === null ? 'not run' : v.met ? 'yes' : 'no']
  })
  return table(rows, ['target', 'measured', 'met?'])
}
