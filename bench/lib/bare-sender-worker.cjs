// The bare sender's thread: undici's Pool POSTing one prebuilt event body, and nothing
// else (no limiter, no retries, no bookkeeping). What one event per request costs the
// wire contract itself; the bench holds our workers against it.
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

const CONNECTIONS = 8
const IN_FLIGHT = 16
const ASKED = 0
const ANSWERED = 1

const pool = new Pool(workerData.origin, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 30000 })
const headers = { 'content-type': 'application/json', 'user-agent': 'bare-sender' }
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

function one () {
  if (counts === null && started >= workerData.n) return
  if (budget === 0) { waiting++; return }
  budget--
  started++
  pool.request({ path: workerData.path, method: 'POST', headers, body: workerData.body })
    .then((r) => { if (r.statusCode >= 200 && r.statusCode < 300) ok++; else failed++; return r.body.dump() })
    .catch(() => { failed++ })
    .finally(answered)
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
