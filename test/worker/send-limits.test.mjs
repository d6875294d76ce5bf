// The worker's send caps (bottleneck) against a real loopback ingest: maxInFlight
// bounds the requests awaiting an answer at once, maxEventsPerSecond the events sent
// per second, a 5xx is retried with back-off and then delivered, and close() drops a
// batch still waiting in the limiter without sending it while the running ones finish.
// The limiter as configured starts a job with room without a timer (plain bottleneck sets four),
// still drops a job stopped before its start, and still tells its listeners.
import t from 'tap'
import { createHook } from 'node:async_hooks'
import { createRequire } from 'node:module'
import { HttpTransport } from '../../dist/worker/http-transport.js'
import { openLimiter } from '../../dist/worker/bottleneck-limiter.js'
import { listen } from '../utils/servers.mjs'

/** An ingest that answers after `delayMs`, recording concurrency and arrival times. */
async function ingest (t, { delayMs = 0, failFirst = 0 } = {}) {
  const seen = { open: 0, maxOpen: 0, arrivals: [], fails: 0 }
  const { base: origin } = await listen(t, (req, res) => {
    seen.open++
    seen.maxOpen = Math.max(seen.maxOpen, seen.open)
    seen.arrivals.push(Date.now())
    req.resume()
    req.on('end', () => setTimeout(() => {
      seen.open--
      if (seen.fails < failFirst) { seen.fails++; res.writeHead(503).end('{}'); return }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    }, delayMs))
  })
  return { seen, origin }
}

const transport = (origin, over) => new HttpTransport({
  sink: 'http', storeUrl: `${origin}/api/1/store/`, origin, authToken: null, userAgent: 'test', timeoutMs: 30000, verifySsl: true,
  maxInFlight: 4, maxEventsPerSecond: 0, maxAttempts: 3, debug: false, ...over
})

const bodies = (n) => Array.from({ length: n }, (_, i) => JSON.stringify({ i }))

t.test('maxInFlight: never more requests awaiting an answer than the cap, and every event delivered', async (t) => {
  const i = await ingest(t, { delayMs: 30 })
  const tr = transport(i.origin, { maxInFlight: 4 })
  t.teardown(() => tr.close())
  const out = []
  // Several batches at once, as the drain loop submits them.
  await Promise.all([0, 1, 2, 3].map(() => tr.sendBatch(bodies(tr.batchLimit), (k, outcome) => out.push(outcome))))
  t.equal(out.length, 4 * tr.batchLimit, 'one result per body')
  t.ok(out.every((o) => o === 'delivered'), 'all delivered')
  t.ok(i.seen.maxOpen <= 4, `at most 4 at once (saw ${i.seen.maxOpen})`)
  t.ok(i.seen.maxOpen >= 2, `but in parallel, not one by one (saw ${i.seen.maxOpen})`)
})

t.test('maxEventsPerSecond: the events of one second are capped, the rest wait for the next', async (t) => {
  const i = await ingest(t)
  const tr = transport(i.origin, { maxInFlight: 8, maxEventsPerSecond: 6 })
  t.teardown(() => tr.close())
  const out = []
  const t0 = Date.now()
  const n = tr.batchLimit
  t.equal(n, 4, 'a batch weighs at most maxInFlight / 2 and at most the per-second cap')
  await Promise.all([0, 1, 2].map(() => tr.sendBatch(bodies(n), (k, outcome) => out.push(outcome))))
  t.equal(out.filter((o) => o === 'delivered').length, 12, 'all 12 delivered in the end')
  const firstSecond = i.seen.arrivals.filter((at) => at - t0 < 900).length
  t.ok(firstSecond <= 6, `at most 6 sent in the first second (saw ${firstSecond})`)
  t.ok(firstSecond >= 4, `the first batch went at once (saw ${firstSecond})`)
  t.ok(Date.now() - t0 >= 1000, 'the last batch waited for the next second')
})

t.test('a 503 is retried with back-off, then delivered: one result per body', async (t) => {
  const i = await ingest(t, { failFirst: 2 })
  const tr = transport(i.origin, { maxAttempts: 4 })
  t.teardown(() => tr.close())
  const out = []
  await tr.sendBatch(bodies(2), (k, outcome) => out.push([k, outcome]))
  t.same(out.map((o) => o[1]), ['delivered', 'delivered'], 'both delivered after the failures')
  t.equal(i.seen.fails, 2, 'two answers were 503s')
  t.equal(i.seen.arrivals.length, 4, 'two first attempts and two retries, nothing more')
})

t.test('a 503 to every attempt: maxAttempts attempts, then network_error (not delivered)', async (t) => {
  const i = await ingest(t, { failFirst: 1000 })
  const tr = transport(i.origin, { maxAttempts: 3 })
  t.teardown(() => tr.close())
  const out = []
  await tr.sendBatch(bodies(1), (k, outcome, why) => out.push([outcome, why?.text]))
  t.equal(out.length, 1, 'one result')
  t.equal(out[0][0], 'network_error')
  t.match(out[0][1], /answered 503 to 3 attempt\(s\)/, 'the line counts the attempts')
  t.equal(i.seen.arrivals.length, 3, 'exactly maxAttempts requests')
})

t.test('close(): a batch waiting in the limiter is never sent and counted once; batches running finish delivered', async (t) => {
  const i = await ingest(t, { delayMs: 150 })
  const tr = transport(i.origin, { maxInFlight: 2 })
  t.equal(tr.batchLimit, 1, 'one event per batch at maxInFlight 2')
  const out = []
  const sends = ['a', 'b', 'c'].map((name) => tr.sendBatch(bodies(1), (k, outcome) => out.push([name, outcome])))
  // a and b hold both places; c waits in the limiter.
  for (let k = 0; k < 200 && i.seen.arrivals.length < 2; k++) await new Promise((resolve) => setTimeout(resolve, 5))
  t.equal(i.seen.arrivals.length, 2, 'a and b reached the ingest')
  await tr.close()
  await Promise.all(sends)
  out.sort()
  t.same(out, [['a', 'delivered'], ['b', 'delivered'], ['c', 'network_error']], 'one result each; c not delivered')
  t.equal(i.seen.arrivals.length, 2, 'c was never sent')
})

t.test('bottleneck as configured: no timer per job with room, where plain bottleneck sets four', async (t) => {
  const Bottleneck = createRequire(import.meta.url)('bottleneck')
  const timersPerJob = async (limiter) => {
    const job = () => new Promise((resolve) => setImmediate(resolve))
    for (let i = 0; i < 5; i++) await limiter.schedule({ weight: 2 }, job)
    let timers = 0
    const hook = createHook({ init (id, type) { if (type === 'Timeout') timers++ } }).enable()
    const results = []
    for (let i = 0; i < 20; i++) results.push(await limiter.schedule({ weight: 2 }, () => job().then(() => i)))
    hook.disable()
    await limiter.stop()
    t.same(results, Array.from({ length: 20 }, (_, i) => i), 'every job ran, in order')
    return timers / 20
  }
  const limits = { maxConcurrent: 32, perSecond: 10000 }
  t.equal(await timersPerJob(openLimiter(limits)), 0, 'as configured: started from setImmediate')
  t.equal(await timersPerJob(new Bottleneck({ maxConcurrent: 32, reservoir: 10000, reservoirRefreshAmount: 10000, reservoirRefreshInterval: 1000 })), 4, 'plain: submit, register, start and free each wait for a timer')
})

t.test('bottleneck as configured: a job stopped between its scheduling and its start never runs', async (t) => {
  const limiter = openLimiter({ maxConcurrent: 32, perSecond: 0 })
  let ran = false
  const job = limiter.schedule({ id: 'late', weight: 1 }, async () => { ran = true })
  // bottleneck's steps up to the start are promise turns: the job is RUNNING (scheduled) before the next I/O turn.
  for (let k = 0; k < 100 && limiter.jobStatus('late') !== 'RUNNING'; k++) await Promise.resolve()
  t.equal(limiter.jobStatus('late'), 'RUNNING', 'scheduled, its start not yet run')
  const stopped = limiter.stop({ dropWaitingJobs: true })
  await t.rejects(job, /stopped/, 'the job is dropped')
  await stopped
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setTimeout(resolve, 5))
  t.equal(ran, false, 'its task never ran')
})

t.test('bottleneck as configured: listeners still get the events they asked for', async (t) => {
  const limiter = openLimiter({ maxConcurrent: 32, perSecond: 0 })
  t.teardown(() => limiter.stop())
  const seen = []
  limiter.on('executing', (info) => { seen.push(['executing', info.options.id]) })
  limiter.on('done', (info) => { seen.push(['done', info.options.id]) })
  t.equal(await limiter.schedule({ id: 'a', weight: 1 }, async () => 7), 7)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(seen, [['executing', 'a'], ['done', 'a']], 'executing and done, once each')
  const debug = []
  limiter.on('debug', (message) => { debug.push(message) })
  await limiter.schedule({ id: 'b', weight: 1 }, async () => 8)
  t.ok(debug.some((m) => /\bb\b/.test(m)), `a debug listener hears job b's steps (${debug.length} lines)`)
})
