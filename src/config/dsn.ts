import { InvalidDsnError } from '../errors'

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

/** Removes user info (key and password) from anything that looks like a URL. */
export function redactDsn (value: string): string {
  return String(value).replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1[redacted]@')
}

export function parseDsn (dsn: unknown): ParsedDsn {
  if (typeof dsn !== 'string' || dsn.trim() === '') {
    throw new InvalidDsnError(`dsn must be a non-empty string. ${EXPECTED}`)
  }
  const shown = redactDsn(dsn.trim())
  let url: URL
  try {
    url = new URL(dsn.trim())
  } catch {
    throw new InvalidDsnError(`Invalid DSN "${shown}": it is not a URL. ${EXPECTED}`)
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
