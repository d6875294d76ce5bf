// How option names are spelled (camelCase in code, snake_case in files) and the did-you-mean
// guess for a name nobody reads: an option key (sample_rate) or an environment variable
// (XRAYRADAR_SAMPLERATE).

export const camelToSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
export const snakeToCamel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

// Two edits (a swap counts as one) catch DNS for DSN and most typos without suggesting an
// unrelated name for a short one.
const MAX_NAME_EDITS = 2
// A name inside another (TOKEN in AUTH_TOKEN) says little when it is one or two letters.
const MIN_CONTAINED_LENGTH = 3

/** Edit distance with adjacent swaps as one edit (optimal string alignment). */
function editDistance (a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[]
      const up = d[i - 1] as number[]
      row[j] = Math.min(up[j] as number + 1, row[j - 1] as number + 1, up[j - 1] as number + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, (d[i - 2] as number[])[j - 2] as number + 1)
    }
  }
  return (d[a.length] as number[])[b.length] as number
}

export interface NameMatch {
  /** The form two names are compared in (snake_case to camelCase; without prefix, underscores and case). */
  form: (name: string) => string
  /** Also guess from a few edits or one name inside the other; else only an equal form counts. */
  typos: boolean
}

/** How close two names in compared form are, best first: equal; a few edits; one inside the other (TOKEN → AUTH_TOKEN). */
function distance (x: string, k: string, typos: boolean): number {
  if (x === k) return 0
  if (!typos) return Infinity
  if (editDistance(x, k) <= Math.min(MAX_NAME_EDITS, Math.floor(k.length / 3))) return 1
  if (x.length >= MIN_CONTAINED_LENGTH && (k.includes(x) || x.includes(k))) return 2
  return Infinity
}

/** The known name `name` most likely meant, or null. On a tie, the first of `known`. */
export function closestName (name: string, known: readonly string[], { form, typos }: NameMatch): string | null {
  const x = form(name)
  let best: string | null = null
  let bestScore = Infinity
  for (const candidate of known) {
    const score = distance(x, form(candidate), typos)
    if (score < bestScore) { best = candidate; bestScore = score }
  }
  return best
}
