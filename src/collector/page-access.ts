import { createHash, timingSafeEqual } from 'node:crypto'
import { isIPv4 } from 'node:net'

// Who may read what the collector holds (its page, the page's JSON, the /__xrayradar/
// control endpoints). Events carry request headers, users and messages, so:
// - without a token, only this machine: the client's address must be loopback, and the
//   Host header a loopback name or the address the collector listens on, so that a web
//   page elsewhere cannot reach it through a DNS name that points at 127.0.0.1;
// - with a token (the same one the store endpoint demands), anyone who sends it in
//   X-Xrayradar-Token; the page's files themselves hold no data and are served so that
//   the page can ask for it.
// A request that carries an Origin other than the collector's own is refused either way:
// no other site's script may post faults or read events through a user's browser.

export interface AccessRequest {
  remoteAddress: string | undefined
  host: string | undefined
  origin: string | undefined
  token: string | undefined
}

export type Access = { ok: true } | { ok: false, status: 401 | 403, error: string }

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6. */
export function isLoopbackAddress (address: string | undefined): boolean {
  if (address === undefined) return false
  const a = address.toLowerCase()
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a
  return isIPv4(v4) && v4.startsWith('127.')
}

/** The host name of a Host header ("[::1]:9000" -> "::1", "localhost:9000" -> "localhost"). */
function hostName (host: string): string {
  const h = host.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'))
  const colon = h.lastIndexOf(':')
  return colon === -1 ? h : h.slice(0, colon)
}

/** A Host header that names this machine's loopback (or the address the collector was told to listen on). */
export function isLoopbackHost (host: string | undefined, listenHost: string): boolean {
  if (host === undefined || host === '') return true // no browser sends a request without one
  const name = hostName(host)
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name) || name === listenHost.toLowerCase()
}

function sameToken (given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  // Digests have one length, so the comparison's time says nothing about the token's.
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

export interface AccessPolicy {
  token: string | null
  listenHost: string
}

/**
 * Whether a request may be answered. `data` is false for the page's own files (HTML,
 * script, style), which hold no event data.
 */
export function checkAccess (req: AccessRequest, policy: AccessPolicy, data: boolean): Access {
  // "null" (a sandboxed frame, a file) is another origin too.
  if (req.origin !== undefined && (req.host === undefined || req.origin.toLowerCase() !== `http://${req.host.toLowerCase()}`)) {
    return { ok: false, status: 403, error: 'cross-origin requests are refused: open the collector\'s page from the collector itself' }
  }
  if (policy.token !== null) {
    if (!data || sameToken(req.token, policy.token)) return { ok: true }
    return { ok: false, status: 401, error: 'send the collector\'s token in X-Xrayradar-Token (the page asks for it)' }
  }
  if (!isLoopbackAddress(req.remoteAddress)) {
    return { ok: false, status: 403, error: 'without a token the collector answers this only on loopback: start it with --token (token option) to open it from another machine' }
  }
  if (!isLoopbackHost(req.host, policy.listenHost)) {
    return { ok: false, status: 403, error: 'the Host header is not a loopback name: open the page as http://127.0.0.1:<port>/ or http://localhost:<port>/' }
  }
  return { ok: true }
}
