import * as http from 'node:http'
import * as https from 'node:https'

// Sending without undici. undici parses HTTP/1 with llhttp compiled to WebAssembly,
// and a host run with --jitless has no WebAssembly, in its worker threads too
// (a V8 flag is per process): every request would fail. Node's own http module
// parses natively, so it takes over there, with the same keep-alive, concurrency,
// timeout and TLS settings. It offers the one call HttpTransport makes.

export interface NodeHttpPoolOptions {
  connections: number
  /** ms an idle connection is kept open. */
  keepAliveTimeout: number
  /** Headers, body and connect timeout alike, ms. */
  timeoutMs: number
  rejectUnauthorized: boolean
}

export interface PostResponse {
  statusCode: number
  headers: http.IncomingHttpHeaders
  body: { dump: () => Promise<void> }
}

/** Whether undici can send in this thread. */
export function undiciUsable (): boolean { return (globalThis as { WebAssembly?: unknown }).WebAssembly !== undefined }

export class NodeHttpPool {
  private readonly origin: URL
  private readonly agent: http.Agent
  private readonly timeoutMs: number

  constructor (origin: string, opts: NodeHttpPoolOptions) {
    this.origin = new URL(origin)
    this.timeoutMs = opts.timeoutMs
    // timeout: how long a free (idle) socket is kept; a request sets its own while it runs.
    const agentOptions = { keepAlive: true, timeout: opts.keepAliveTimeout, maxSockets: opts.connections, rejectUnauthorized: opts.rejectUnauthorized }
    this.agent = this.origin.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions)
  }

  request (opts: { path: string, method: string, headers: Record<string, string>, body: string | Uint8Array, signal?: AbortSignal }): Promise<PostResponse> {
    const send = this.origin.protocol === 'https:' ? https.request : http.request
    return new Promise((resolve, reject) => {
      const req = send({
        protocol: this.origin.protocol,
        hostname: this.origin.hostname,
        port: this.origin.port,
        path: opts.path,
        method: opts.method,
        headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
        agent: this.agent,
        timeout: this.timeoutMs,
        // Aborted at a shutdown deadline (HttpTransport.cut), as undici's request is.
        signal: opts.signal
      }, (res) => {
        const ended = new Promise<void>((resolve) => { res.on('end', resolve); res.on('error', () => resolve()); res.on('close', () => resolve()) })
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: { dump: async () => { res.resume(); await ended } } })
      })
      // No byte for timeoutMs (connect, headers or body): the attempt fails and is retried like a network error.
      req.on('timeout', () => req.destroy(new Error(`no response within ${this.timeoutMs} ms`)))
      req.on('error', reject)
      req.end(opts.body)
    })
  }

  async close (): Promise<void> {
    this.agent.destroy()
  }
}
