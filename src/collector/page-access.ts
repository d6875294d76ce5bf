import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIPv4 } from 'node:net'
import { TOKEN_HEADER } from './page-api'

// Who may reach what the collector holds, from where. Events carry request headers, users and
// messages, and what the store endpoint accepts is what the page shows, so:
// - the page's data (its JSON, the /__xrayradar/ control endpoints): without a token, only
//   this machine: the client's address must be loopback, and the Host header a loopback name
//   or the address the collector listens on, so that a web page elsewhere cannot reach it
//   through a DNS name that points at 127.0.0.1 (DNS rebinding); with a token (the same one
//   the store endpoint demands), anyone who sends it in X-Xrayradar-Token, and still only on a
//   loopback Host when the collector listens on loopback (a page that rebinds a name to it is
//   refused even if it learnt the token). The page's own files hold no data and are served so
//   that the page can ask for it.
// - the store endpoint: SDKs (no Origin, no Sec-Fetch-Site: Node's clients send neither) from
//   wherever the collector listens, as before; a request a browser made only when it comes from
//   the collector's own origin under the same Host rule, so a page the user visits can neither
//   post events cross-origin ("simple" text/plain requests need no preflight) nor through a
//   rebound name.
// A request that carries an Origin other than the collector's own is refused everywhere, and one
// whose Sec-Fetch-Site says another site made it is refused for data and the store.

export interface AccessRequest {
  remoteAddress: string | undefined
  host: string | undefined
  origin: string | undefined
  /** Sec-Fetch-Site: browsers send it (to loopback and https URLs); SDKs never do. */
  fetchSite: string | undefined
  token: string | undefined
}

function header (req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** What the access rules read of a request. */
export function accessRequest (req: IncomingMessage): AccessRequest {
  return {
    remoteAddress: req.socket.remoteAddress,
    host: header(req, 'host'),
    origin: header(req, 'origin'),
    fetchSite: header(req, 'sec-fetch-site'),
    token: header(req, TOKEN_HEADER)
  }
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

/** Constant-time token check, for the page and the store endpoint alike. */
export function sameToken (given: string | undefined, expected: string): boolean {
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

/** Listening only on this machine's loopback (127.0.0.0/8, ::1, localhost), not on every interface or a LAN address. */
function listensOnLoopback (listenHost: string): boolean {
  const name = listenHost.toLowerCase()
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name)
}

/**
 * The Host rule against DNS rebinding: a loopback name or the listen address, unless the
 * collector has a token and listens beyond loopback (--host 0.0.0.0), where the names it is
 * reached by are the network's and the token is what guards it.
 */
function hostAllowed (host: string | undefined, policy: AccessPolicy): boolean {
  if (policy.token !== null && !listensOnLoopback(policy.listenHost)) return true
  return isLoopbackHost(host, policy.listenHost)
}

/** An Origin that is not the collector's own, as the browser reached it. "null" (a sandboxed frame, a file) is another origin too. */
function crossOrigin (req: AccessRequest): boolean {
  return req.origin !== undefined && (req.host === undefined || req.origin.toLowerCase() !== `http://${req.host.toLowerCase()}`)
}

const CROSS_ORIGIN: Access = { ok: false, status: 403, error: 'cross-origin requests are refused: open the collector\'s page from the collector itself' }
const OTHER_SITE: Access = { ok: false, status: 403, error: 'requests another site made (Sec-Fetch-Site) are refused: open the collector\'s page from the collector itself' }
const NOT_LOOPBACK_HOST: Access = { ok: false, status: 403, error: 'the Host header is not a loopback name: open the page as http://127.0.0.1:<port>/ or http://localhost:<port>/' }

/**
 * Whether a request may be answered. `data` is false for the page's own files (HTML,
 * script, style), which hold no event data.
 */
export function checkAccess (req: AccessRequest, policy: AccessPolicy, data: boolean): Access {
  if (crossOrigin(req)) return CROSS_ORIGIN
  // A typed address or a bookmark is "none"; a link from another site may open the page itself.
  if (data && req.fetchSite !== undefined && req.fetchSite !== 'same-origin' && req.fetchSite !== 'none') return OTHER_SITE
  if (policy.token === null && !isLoopbackAddress(req.remoteAddress)) {
    return { ok: false, status: 403, error: 'without a token the collector answers this only on loopback: start it with --token (token option) to open it from another machine' }
  }
  if (!hostAllowed(req.host, policy)) return NOT_LOOPBACK_HOST
  if (policy.token === null || !data || sameToken(req.token, policy.token)) return { ok: true }
  return { ok: false, status: 401, error: 'send the collector\'s token in X-Xrayradar-Token (the page asks for it)' }
}

/**
 * Whether a store (or envelope) request may go on to the store contract's own checks (the
 * token's among them). A request with neither Origin nor Sec-Fetch-Site is not a browser's
 * (every browser sends Origin on a POST) and passes: SDKs on other machines reach a collector
 * listening on 0.0.0.0 by whatever name they dial. A browser's must come from the collector's
 * own origin, same-origin by Sec-Fetch-Site, on a Host the page's rule allows.
 */
export function checkStoreAccess (req: AccessRequest, policy: AccessPolicy): Access {
  if (req.origin === undefined && req.fetchSite === undefined) return { ok: true }
  if (crossOrigin(req)) return { ok: false, status: 403, error: 'cross-origin requests are refused: the store endpoint takes events from SDKs, not from web pages' }
  if (req.fetchSite !== undefined && req.fetchSite !== 'same-origin') return { ok: false, status: 403, error: 'requests another site made (Sec-Fetch-Site) are refused: the store endpoint takes events from SDKs, not from web pages' }
  if (!hostAllowed(req.host, policy)) return { ok: false, status: 403, error: 'a browser\'s request on a Host that is not a loopback name is refused: send events from an SDK, or to http://127.0.0.1:<port>/' }
  return { ok: true }
}
