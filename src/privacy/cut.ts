// Where a string is cut on the main thread. The worker scrubs events later, and it can
// only replace a secret it sees whole: a cut through the auth token, or through a URL's
// user:password@, would leave the first characters of it where no rule recognizes them.
// So a cut never falls inside either: it moves back to where the secret starts. Only a
// string longer than its bound pays for this (the bound is checked first).

/**
 * The auth tokens a cut must not split: those of the clients that are open (each adds its
 * own at construction and removes it at close), counted, so two clients with one token
 * keep it until both are closed.
 */
const tokens = new Map<string, number>()

// The variable the options read the token from, read once at load: a scope setter may run
// before init() (module-level setup code), and the value it cuts then still keeps that token whole.
const ENV_TOKEN = envToken('XRAYRADAR_AUTH_TOKEN')

/** Adds a client's token; returns its removal (idempotent). */
export function guardToken (token: string | null): () => void {
  if (token === null || token === '') return () => {}
  tokens.set(token, (tokens.get(token) ?? 0) + 1)
  let removed = false
  return () => {
    if (removed) return
    removed = true
    const n = (tokens.get(token) ?? 1) - 1
    if (n <= 0) tokens.delete(token)
    else tokens.set(token, n)
  }
}

function envToken (name: string): string | null {
  try {
    const v = process.env[name]
    return typeof v === 'string' && v !== '' ? v : null
  } catch {
    return null
  }
}

/** Length of the longest token a cut keeps whole (0 when none is known). */
export function longestToken (): number {
  let n = ENV_TOKEN?.length ?? 0
  for (const t of tokens.keys()) if (t.length > n) n = t.length
  return n
}

/** c, or the start of an occurrence of token that runs across c. Looks only at the characters around c. */
function beforeToken (s: string, c: number, token: string): number {
  const n = token.length
  if (n < 2 || c <= 0 || c >= s.length) return c
  const from = Math.max(0, c - n + 1)
  const i = s.slice(from, c + n - 1).indexOf(token)
  return i < 0 ? c : from + i
}

// Characters that end a URL's authority (the scrubber's credential pattern stops at them).
function endsAuthority (code: number): boolean {
  return code === 47 || code === 63 || code === 35 || code <= 32 || (code > 127 && /\s/.test(String.fromCharCode(code)))
}

/**
 * c, or the start of the authority c falls in: the text after a "//" up to the next "/", "?",
 * "#" or space. Its user info may end in an "@" past the cut, or hold an "@" itself, so the
 * part before the cut could keep some of a password; the whole authority goes instead.
 */
function beforeAuthority (s: string, c: number): number {
  // Only an authority opened by the last "//" before c can run across it: find that "//" with
  // the engine's search, then look at the characters between it and c (not the whole string
  // back to its start, one character at a time, for text with no URL in it).
  const slashes = s.lastIndexOf('//', c - 2)
  if (slashes < 0 || slashes + 2 >= c) return c
  for (let i = slashes + 2; i < c; i++) if (endsAuthority(s.charCodeAt(i))) return c
  return slashes + 2
}

/** Where to cut s so that at most max characters stay and no token or URL user info runs across the cut. */
export function safeCut (s: string, max: number): number {
  if (s.length <= max) return s.length
  let c = Math.max(0, max)
  // Each move goes back, and one may bring the cut into another secret: repeat until none does.
  for (;;) {
    let next = c
    if (ENV_TOKEN !== null) next = beforeToken(s, next, ENV_TOKEN)
    for (const t of tokens.keys()) next = beforeToken(s, next, t)
    next = beforeAuthority(s, next)
    if (next === c) return c
    c = next
  }
}
