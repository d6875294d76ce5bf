import { withoutUrlCredentials } from '../../privacy/scrub'

// URLs as breadcrumbs show them: never credentials; no query or fragment unless
// sendDefaultPii (tokens and e-mail addresses travel in query strings).

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/** The URL without user:password@, and without ?query and #fragment unless keepQuery. */
export function crumbUrl (raw: string, keepQuery: boolean): string {
  let url = raw
  if (!keepQuery) url = url.slice(0, firstOf(url, 0, '?#'))
  const scheme = SCHEME.exec(url)
  // A relative path has no authority, but "//user:pw@x" in it names one (with credentials).
  if (scheme === null) return withoutUrlCredentials(url)
  // Credentials sit in the authority, before the first '/', '?' or '#' after the scheme.
  const start = scheme[0].length
  const end = firstOf(url, start, '/?#')
  const at = url.lastIndexOf('@', end - 1)
  return withoutUrlCredentials(at < start ? url : url.slice(0, start) + url.slice(at + 1))
}

/** Index of the first of chars in s at or after from, or s.length (indexOf: a regex costs ~µs per request). */
function firstOf (s: string, from: number, chars: string): number {
  let min = s.length
  for (const c of chars) {
    const i = s.indexOf(c, from)
    if (i >= 0 && i < min) min = i
  }
  return min
}

/** The origin of an absolute URL (scheme://host[:port], default port dropped), or null. */
export function originOf (raw: string): string | null {
  try { return new URL(raw).origin } catch { return null }
}
