// URLs as breadcrumbs show them: never credentials; no query or fragment unless
// sendDefaultPii (tokens and e-mail addresses travel in query strings).

/** The URL without user:password@, and without ?query and #fragment unless keepQuery. */
export function crumbUrl (raw: string, keepQuery: boolean): string {
  try {
    const u = new URL(raw)
    u.username = ''
    u.password = ''
    if (!keepQuery) { u.search = ''; u.hash = '' }
    return u.href
  } catch {
    // Not absolute (a relative path): nothing to parse credentials from.
    if (keepQuery) return raw
    const cut = raw.search(/[?#]/)
    return cut < 0 ? raw : raw.slice(0, cut)
  }
}

/** The origin of an absolute URL (scheme://host[:port], default port dropped), or null. */
export function originOf (raw: string): string | null {
  try { return new URL(raw).origin } catch { return null }
}
