import type { Dispatcher } from 'undici'
import type { IncomingHttpHeaders } from 'node:http'

// One POST through undici's dispatch(), its answer read as a PostAnswer and its body dropped.
//
// Why not undici's request(): for every answer it makes an AsyncResource, a Readable stream
// for the body (which the transport then had to dump, with a promise of its own) and an abort
// listener on the signal: garbage per event for an answer whose body nobody reads, and the
// worker's young-generation GC was its largest stage after the sockets
// (docs/benchmarks-notes.md). Here one small handler per request (which undici wraps in its own
// adapter and controller, as it does any handler) takes the status and the two headers the
// transport reads; a hard cut aborts it through abort() (the transport keeps the handlers under
// way), not through a listener per request.
//
// An answer counts once its status has arrived, as with request(), whose body stream the
// transport dumped and whose dump() ended on an error too: a body that breaks after the status
// (a proxy closing early, a body timeout) does not turn a 2xx the ingest gave into a retry that
// would store the event twice, nor a 429 or a 401 into one.

/** What an attempt needs of an answer: the status and the two headers the transport reads. */
export interface PostAnswer {
  statusCode: number
  /** Only read on a 429. */
  retryAfter: string | string[] | undefined
  /** Only read on a 3xx. */
  location: string | string[] | undefined
}

/** undici's dispatch handler for one POST: settles resolve/reject once, and leaves `live` then. */
export class PostHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null
  /** Set by abort() before the request reached a socket: it is aborted as soon as it does. */
  private reason: Error | null = null
  private answer: PostAnswer | null = null
  private settled = false

  constructor (
    private readonly resolve: (answer: PostAnswer) => void,
    private readonly reject: (err: Error) => void,
    private readonly live: Set<PostHandler>
  ) {
    live.add(this)
  }

  /** Stops the request wherever it is (queued in the pool, writing, awaiting its answer). */
  abort (reason: Error): void {
    if (this.controller !== null) this.controller.abort(reason)
    else this.reason ??= reason
  }

  onRequestStart (controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.reason !== null) controller.abort(this.reason)
  }

  onResponseStart (_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx: informational, the final answer follows.
    if (statusCode < 200) return
    this.answer = { statusCode, retryAfter: headers['retry-after'], location: headers.location }
  }

  /** The body is read off the socket and dropped: the ingest's answer body says nothing the status does not. */
  onResponseData (): void {}

  onResponseEnd (): void {
    const answer = this.answer
    if (answer === null) this.fail(new Error('the ingest closed the response without a status'))
    else if (this.settle()) this.resolve(answer)
  }

  onResponseError (_controller: Dispatcher.DispatchController | null, err: Error): void {
    // The status had arrived: the answer stands (see the top of this file).
    if (this.answer !== null) this.onResponseEnd()
    else this.fail(err)
  }

  private fail (err: Error): void {
    if (this.settle()) this.reject(err)
  }

  /** True the first time only: a handler settles once. */
  private settle (): boolean {
    if (this.settled) return false
    this.settled = true
    this.live.delete(this)
    this.controller = null
    return true
  }
}
