import { InvalidDsnError } from '../shared/errors'

export interface ParsedDsn {
  scheme: 'http' | 'https'
  host: string // hostname[:port], no user info
  projectId: string
  /** POST target for one event. */
  storeUrl: string
  /** origin, e.g. http://127.0.0.1:9000, for the connection pool */
  origin: string
  /** DSN with any user info removed: safe for logs and errors. */
  redacted: string
}

const EXPECTED = 'Expected the form https://xrayradar.com/your_project_id (copy it from your project settings).'

/**
 * Removes user info (key and password) from anything that looks like a URL.
 * Everything up to the LAST "@" of the URL goes: a password may hold "/" or "@"
 * unencoded, and over-redacting an error message costs less than a leaked secret.
 */
export function redactDsn (value: string): string {
  return String(value).replace(/([a-z][a-z0-9+.-]*:\/\/)\S*@/gi, '$1[redacted]@')
}

export function parseDsn (dsn: unknown): ParsedDsn {
  if (typeof dsn !== 'string' || dsn.trim() === '') {
    throw new InvalidDsnError(`dsn must be a non-empty string. ${EXPECTED}`)
  }
  // Whitespace around it is a pasted line end; inside it, a copy gone wrong (or an unencoded
  // space in a password, which URL parsing would silently encode). Not quoted: redaction stops
  // at whitespace, so the part after a space in a password would be printed.
  if (/\s/.test(dsn.trim())) {
    throw new InvalidDsnError(`Invalid DSN: it contains whitespace (a space, tab or line break; the value is not shown, it may hold a password). Copy the DSN again from your project settings; a space that belongs in it must be percent-encoded as %20. ${EXPECTED}`)
  }
  const shown = redactDsn(dsn.trim())
  let url: URL
  try {
    url = new URL(dsn.trim())
  } catch {
    throw new InvalidDsnError(`Invalid DSN "${shown}": it is not a URL. ${EXPECTED}`)
  }
  // "https://key:pa/ss@host/1" parses as host "key", port "pa"… with the rest of the
  // password in the path: refuse it rather than send to, and print, the wrong host.
  if (`${url.pathname}${url.search}${url.hash}`.includes('@')) {
    throw new InvalidDsnError(`Invalid DSN "${shown}": it has "@" after the host. A password containing "/" or "@" must be percent-encoded (%2F, %40). ${EXPECTED}`)
  }
  const scheme = url.protocol.slice(0, -1)
  if (scheme !== 'http' && scheme !== 'https') {
    throw new InvalidDsnError(`Invalid DSN "${shown}": scheme must be http or https. ${EXPECTED}`)
  }
  if (url.hostname === '') {
    throw new InvalidDsnError(`Invalid DSN "${shown}": it has no host. ${EXPECTED}`)
  }
  const segments = url.pathname.split('/').filter(Boolean)
  const projectId = segments[segments.length - 1]
  if (projectId === undefined) {
    throw new InvalidDsnError(`Invalid DSN "${shown}": it has no project id. ${EXPECTED}`)
  }
  const origin = `${scheme}://${url.host}`
  return {
    scheme,
    host: url.host,
    projectId: decodeURIComponent(projectId),
    storeUrl: `${origin}/api/${projectId}/store/`,
    origin,
    redacted: `${origin}/${projectId}`
  }
}
