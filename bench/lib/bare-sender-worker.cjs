// The bare sender's thread: undici's Pool POSTing one prebuilt event body, and nothing
// else (no limiter, no retries, no bookkeeping). What one event per request costs the
// wire contract itself; the bench holds our workers against it. It takes undici's cheapest
// path: the body as bytes made once, each POST through the Pool's dispatch() with a handler
// that counts the status and drops the answer's body (request() would add a response stream
// and a promise per request; our workers send the same way, src/worker/post-handler.ts).
//   fast:    `n` requests, 16 in flight, as fast as the ingest answers (figure 2a); with
//            perSecond, at most that many start per second, the budget refilled whole
//            every second from the start (as the SDK's bottleneck reservoir is).
//   paced:   every tickMs, the requests due at `rate` per second, `n` in all (figure 2a).
//   counted: every tickMs, as many requests as the main thread asked for since the last
//            tick (figure 2's bare-sender subject: counts[ASKED] is bumped per capture,
//            counts[ANSWERED] is what the ingest answered).
const { parentPort, workerData } = require('node:worker_threads')
const { performance } = require('node:perf_hooks')
const { Pool } = require(workerData.undiciPath)
const { ASKED, ANSWERED } = require('./bare-sender-slots.cjs')

const CONNECTIONS = 8
const IN_FLIGHT = 16

const pool = new Pool(workerData.origin, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 30000 })
const headers = { 'content-type': 'application/json', 'user-agent': 'bare-sender' }
const body = Buffer.from(workerData.body, 'utf8')
const request = { path: workerData.path, method: 'POST', headers, body }
const counts = workerData.counts === undefined ? null : new Int32Array(workerData.counts)
let started = 0
let ok = 0
let failed = 0

function answered () {
  if (counts !== null) {
    Atomics.store(counts, ANSWERED, ok + failed)
    Atomics.notify(counts, ANSWERED)
  } else if (ok + failed === workerData.n) {
    parentPort.postMessage({ ok, failed })
  } else if (workerData.mode === 'fast') {
    one()
  }
}

// The per-second budget (fast mode with perSecond): sends past it wait for the refill.
const capped = workerData.mode === 'fast' && workerData.perSecond > 0
let budget = capped ? workerData.perSecond : Infinity
let waiting = 0

/** One request's answer: its status counted once, when the answer has been read or failed. */
class Answer {
  constructor () { this.status = 0; this.done = false }
  onRequestStart () {}
  onResponseStart (_controller, status) { if (status >= 200) this.status = status }
  onResponseData () {}
  onResponseEnd () { this.settle(this.status >= 200 && this.status < 300) }
  onResponseError () { this.settle(this.status >= 200 && this.status < 300) }
  settle (good) {
    if (this.done) return
    this.done = true
    if (good) ok++
    else failed++
    answered()
  }
}

function one () {
  if (counts === null && started >= workerData.n) return
  if (budget === 0) { waiting++; return }
  budget--
  started++
  pool.dispatch(request, new Answer())
}

function paced () {
  const t0 = performance.now()
  const tick = setInterval(() => {
    const due = Math.min(workerData.n, Math.floor(workerData.rate * (performance.now() - t0) / 1000))
    while (started < due) one()
    if (started >= workerData.n) clearInterval(tick)
  }, workerData.tickMs)
}

function counted () {
  setInterval(() => {
    const asked = Atomics.load(counts, ASKED)
    while (started < asked) one()
  }, workerData.tickMs)
}

// counted starts at once (the captures ask); fast and paced start at the caller's go, so
// the caller's CPU reading begins with the sends.
if (workerData.mode === 'counted') {
  counted()
} else {
  parentPort.once('message', () => {
    if (workerData.mode === 'paced') return paced()
    if (capped) {
      const refill = setInterval(() => {
        budget = workerData.perSecond
        const resume = waiting
        waiting = 0
        for (let i = 0; i < resume; i++) one()
        if (started >= workerData.n) clearInterval(refill)
      }, 1000)
    }
    for (let i = 0; i < IN_FLIGHT; i++) one()
  })
}
