// HttpTransport.cut at a close()/exit deadline, against a real loopback ingest: a soft
// cut stops events in retry back-off (no further attempt) but lets a request awaiting
// its answer finish; a hard cut aborts that request too. Each body gets one result.
import t from 'tap'
import diagnostics from 'node:diagnostics_channel'
import { setImmediate as nextMacrotask } from 'node:timers/promises'
import { listen } from '../utils/servers.mjs'
import { httpTransport } from '../utils/transport.mjs'
import { waitFor } from '../utils/time.mjs'

/** Bodies 'hold' wait until release(); bodies 'fail' get a 500; counts attempts per body. */
async function ingest (t) {
  const seen = { hold: 0, fail: 0 }
  const held = []
  let aborted = 0
  const { base: origin } = await listen(t, (req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      const kind = JSON.parse(body).kind
      seen[kind]++
      if (kind === 'fail') { res.writeHead(500).end('{}'); return }
      res.on('close', () => { if (!res.writableEnded) aborted++ })
      held.push(res)
    })
  })
  return {
    seen,
    held: () => held.length,
    aborted: () => aborted,
    release: () => { for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end('{}') },
    // 8 attempts: the 'fail' body spends seconds in back-off, long after the cut.
    transport: httpTransport(origin, '1', { timeoutMs: 30000, maxInFlight: 4, maxAttempts: 8 })
  }
}

/** Responses the transport has read to their end (undici publishes this on the sending thread). */
function answersRead (t) {
  const seen = { n: 0 }
  const onTrailers = () => { seen.n++ }
  diagnostics.subscribe('undici:request:trailers', onTrailers)
  t.teardown(() => diagnostics.unsubscribe('undici:request:trailers', onTrailers))
  return seen
}

t.test('soft cut: back-off stops at once, a request awaiting its answer is left to finish', async (t) => {
  const i = await ingest(t)
  t.teardown(() => i.transport.close())
  const read = answersRead(t)
  const results = []
  const sent = i.transport.sendBatch([JSON.stringify({ kind: 'hold' }), JSON.stringify({ kind: 'fail' })], (k, outcome) => results.push([k, outcome]))
  // The ingest having answered 500 is not enough: the transport is in back-off only once it
  // has read that answer (the held request has none yet, so the one answer read is the 500's),
  // and what follows the read (the attempt's end, p-retry scheduling its delay) is microtasks.
  t.ok(await waitFor(() => i.held() === 1 && i.seen.fail >= 1 && read.n >= 1, 10000), 'one request held, the other failed once and is in back-off')
  await nextMacrotask()
  t.same(results, [], 'nothing settled before the cut')
  i.transport.cut(false)
  t.same(results, [[1, 'shutdown_timeout']], 'the event in back-off is settled at the cut')
  const failAttempts = i.seen.fail
  i.release()
  await sent
  t.same(results, [[1, 'shutdown_timeout'], [0, 'delivered']], 'the answered request counts as delivered, not spooled')
  t.equal(i.aborted(), 0, 'no request aborted')
  // p-retry's back-off timer (100-200 ms) has fired by now: it must not have tried again.
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(i.seen.fail, failAttempts, 'no attempt after the cut')
})

t.test('hard cut: a request still awaiting its answer is aborted and settled once', async (t) => {
  const i = await ingest(t)
  t.teardown(() => i.transport.close())
  const results = []
  const sent = i.transport.sendBatch([JSON.stringify({ kind: 'hold' })], (k, outcome) => results.push([k, outcome]))
  t.ok(await waitFor(() => i.held() === 1, 10000))
  i.transport.cut(false)
  t.same(results, [], 'a soft cut leaves it')
  i.transport.cut(true)
  await sent
  t.same(results, [[0, 'shutdown_timeout']])
  t.ok(await waitFor(() => i.aborted() === 1, 5000), 'the ingest saw the request go')
  // Sends after a cut run normally.
  const later = []
  const next = i.transport.sendBatch([JSON.stringify({ kind: 'hold' })], (k, outcome) => later.push(outcome))
  t.ok(await waitFor(() => i.held() === 2, 10000))
  i.release()
  await next
  t.same(later, ['delivered'])
})
