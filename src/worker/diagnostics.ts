import { FLAGS, MORE_FLAGS } from '../ring/layout'
import { writeStderr } from './stdout'

// One line per kind of problem per process, whichever worker sees it first:
// the bit lives in the shared header so N workers do not print N times.
//
// A line about a delivery problem says what became of the events, as stats()
// counts them: the transport describes the cause (a Why), and the worker, once it
// knows the final outcome (spooled, or dropped and under which reason), prints
// the cause with that outcome. Events kept (spooled) are told in debug only;
// events lost (dropped) and refused (a final 3xx/4xx) are told even without debug.

/** Why a send did not deliver. kind selects the one-shot bit; text is a sentence without the outcome. */
export interface Why {
  kind: 'auth' | '404' | '413' | '3xx' | '4xx' | 'network' | '429' | 'cut'
  text: string
}

// spool: the spool directory is refused or cannot be written (spool_error).
// sourcemaps: a map that cannot be used. files: a file an event would read is not the app's, or not a regular file.
const SINGLE = ['auth', '404', '413', '3xx', '4xx', 'internal', 'spool', 'sourcemaps', 'files']
// Transient causes: the same cause can end in several outcomes, each told once.
const TRANSIENT = ['network', '429', 'cut']
const OUTCOMES = ['spooled', 'network_error', 'rate_limited', 'shutdown_timeout', 'spool_full', 'spool_error']
// A refusal met while replaying the spool is told apart from one of live events: each
// says what became of its own events (spool.rejected vs dropped: rejected).
const REFUSALS = ['auth', '404', '413', '3xx', '4xx']
const KEYS = [...SINGLE, ...TRANSIENT.flatMap((c) => OUTCOMES.map((o) => `${c}:${o}`)), ...REFUSALS.map((k) => `${k}:spool_rejected`)]
// The header words holding the bits. An Int32 has 31 usable bits; a key outside the table shares the last bit.
const WORDS = [FLAGS, MORE_FLAGS]
const WORD_BITS = 31
const OTHER_BIT = WORDS.length * WORD_BITS - 1
// Each key needs a bit of its own (OTHER_BIT is shared): adding keys past it is a bug.
if (KEYS.length > OTHER_BIT) throw new Error(`diagnostics: ${KEYS.length} one-shot keys do not fit in ${OTHER_BIT} bits`)
const BITS: Record<string, number> = Object.fromEntries(KEYS.map((k, i) => [k, i]))

// The ring header holding the bits, set once as the worker starts. Kept here and not
// in the worker object: "once" is across the worker's life and across the process
// (the bits are shared by all workers), and every stage that may have something to
// say (app files, source maps, spool, delivery) tells it without a handle passed
// through each. Without a header (these modules used in-process) every line prints.
let header: Int32Array | null = null

export function setDiagnosticsHeader (h: Int32Array): void { header = h }

export function diagnoseOnce (kind: string, message: string): void {
  const n = BITS[kind] ?? OTHER_BIT
  const bit = 1 << (n % WORD_BITS)
  if (header !== null && (Atomics.or(header, WORDS[Math.floor(n / WORD_BITS)] as number, bit) & bit) !== 0) return
  // Straight to fd 2: a line written while the process exits must not wait for the main thread.
  writeStderr(message + '\n')
}

/** What the outcome means for the events, in the words of stats(). */
function outcomeText (outcome: string): string {
  if (outcome === 'spooled') return 'the events were written to the disk spool (stats().spooled) and are sent when the ingest answers, by this process or the next.'
  if (outcome === 'spool_rejected') return 'the spooled events were removed unsent (stats().spool.rejected).'
  return `the events are counted as dropped: ${outcome}.`
}

/**
 * Tells once (per cause and outcome) what happened to events that were not delivered.
 * Spooled events are told only in debug: nothing was lost.
 */
export function tellOutcome (why: Why, outcome: string, debug: boolean): void {
  const kept = outcome === 'spooled'
  if (kept && !debug) return
  const key = SINGLE.includes(why.kind) && outcome !== 'spool_rejected' ? why.kind : `${why.kind}:${outcome}`
  diagnoseOnce(key, `[xrayradar] ${why.text}; ${outcomeText(outcome)}`)
}
