import { FLAGS } from '../ring/layout'

// One line per kind of problem per process, whichever worker sees it first:
// the bit lives in the shared header so N workers do not print N times.

const BITS: Record<string, number> = { auth: 1, 404: 2, 413: 4, '4xx': 8, network: 16, 429: 32, internal: 64 }
// The spool directory is refused or cannot be written (spool_error).
BITS.spool = 256
let header: Int32Array | null = null

export function setDiagnosticsHeader (h: Int32Array): void { header = h }

export function diagnoseOnce (kind: string, message: string): void {
  const bit = BITS[kind] ?? 128
  if (header !== null && (Atomics.or(header, FLAGS, bit) & bit) !== 0) return
  process.stderr.write(message + '\n')
}
