// The transport's POST through undici's dispatch(): the answer's status and the headers it
// reads, informational answers skipped, an answer that stands once its status came, a handler
// settled once and never left in the set of those under way, and an abort that comes before
// the request reached a socket carried out when it does.
import t from 'tap'
import { createRequire } from 'node:module'
import { PostHandler } from '../../dist/worker/post-handler.js'
import { listen } from '../utils/servers.mjs'
import { httpTransport } from '../utils/transport.mjs'
import { waitFor } from '../utils/time.mjs'

const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool')

/** A handler whose outcome is recorded: { answers, errors, live, handler }. */
function recorded () {
  const seen = { answers: [], errors: [], live: new Set() }
  seen.handler = new PostHandler((a) => seen.answers.push(a), (e) => seen.errors.push(e), seen.live)
  return seen
}
/** Settles with the answer or the error, whichever comes. */
function posted (live) {
  let handler
  const result = new Promise((resolve) => { handler = new PostHandler((answer) => resolve({ answer }), (error) => resolve({ error }), live) })
  return { handler, result }
}
const controller = () => ({ aborted: [], abort (reason) { this.aborted.push(reason) } })
const post = (path) => ({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') })

t.test('an abort before the request reached a socket is carried out when it does; a handler settles once', async (t) => {
  const s = recorded()
  t.equal(s.live.size, 1, 'under way from the start')
  const reason = new Error('cut')
  s.handler.abort(reason)
  const c = controller()
  s.handler.onRequestStart(c)
  t.same(c.aborted, [reason], 'aborted at the start, with the cut\'s reason')
  s.handler.onResponseError(c, reason)
  t.same(s.errors, [reason])
  t.equal(s.live.size, 0, 'no longer under way')
  s.handler.onResponseError(c, new Error('late'))
  s.handler.onResponseEnd(c, {})
  t.equal(s.errors.length + s.answers.length, 1, 'one outcome')
})

t.test('the final answer, not an informational one; a status that came stands when the body then breaks', async (t) => {
  const s = recorded()
  const c = controller()
  s.handler.onRequestStart(c)
  s.handler.onResponseStart(c, 103, { link: '</x>' })
  s.handler.onResponseStart(c, 429, { 'retry-after': '7', location: undefined })
  s.handler.onResponseData(c, Buffer.from('{}'))
  s.handler.onResponseEnd(c, {})
  t.same(s.answers, [{ statusCode: 429, retryAfter: '7', location: undefined }], 'one answer, the 429\'s')
  t.same(c.aborted, [], 'nothing aborted')
  const onlyInfo = recorded()
  onlyInfo.handler.onRequestStart(controller())
  onlyInfo.handler.onResponseStart(null, 103, {})
  onlyInfo.handler.onResponseEnd(null, {})
  t.equal(onlyInfo.answers.length, 0, 'a 103 alone is no answer')
  t.match(onlyInfo.errors[0]?.message, /without a status/)
  const broken = recorded()
  broken.handler.onRequestStart(controller())
  broken.handler.onResponseStart(null, 200, {})
  broken.handler.onResponseError(null, new Error('socket closed mid-body'))
  t.same(broken.answers.map((a) => a.statusCode), [200], 'the 200 stands')
  t.same(broken.errors, [])
  t.equal(broken.live.size, 0)
})

t.test('with undici\'s Pool: answered, queued then aborted, and a closed pool; none left under way', async (t) => {
  const held = []
  const urls = []
  const { base } = await listen(t, (req, res) => {
    urls.push(req.url)
    req.resume()
    req.on('end', () => { if (req.url === '/hold') held.push(res); else res.writeHead(200).end('{}') })
  })
  const live = new Set()
  const pool = new Pool(base, { connections: 1, pipelining: 1 })
  t.teardown(() => pool.destroy())
  const ok = posted(live)
  pool.dispatch(post('/ok'), ok.handler)
  t.match(await ok.result, { answer: { statusCode: 200 } })
  t.equal(live.size, 0, 'an answered request leaves the set')
  // One connection: the first request holds it, the second waits in the Pool, not yet on a socket.
  const first = posted(live)
  pool.dispatch(post('/hold'), first.handler)
  t.ok(await waitFor(() => held.length === 1, 5000), 'the first is at the ingest')
  const queued = posted(live)
  pool.dispatch(post('/never'), queued.handler)
  // undici starts a queued request (onRequestStart) only when a connection takes it, as it did
  // for request()'s abort listener: the abort is carried out then, before anything is written.
  queued.handler.abort(new Error('cut while queued'))
  held[0].writeHead(200).end('{}')
  t.match(await first.result, { answer: { statusCode: 200 } })
  t.match(await queued.result, { error: { message: 'cut while queued' } })
  t.same(urls, ['/ok', '/hold'], 'the aborted one never reached the ingest')
  t.equal(live.size, 0)
  await pool.close()
  const late = posted(live)
  pool.dispatch(post('/ok'), late.handler)
  t.match(await late.result, { error: { name: /Client(Closed|Destroyed)Error/ } }, 'a closed pool: an error, not a hang')
  t.equal(live.size, 0)
})

t.test('through the transport: a 103 then 200 is delivered, a 302 names where it points, a body cut after its status is not retried', async (t) => {
  const requests = { n: 0 }
  const { base } = await listen(t, (req, res) => {
    requests.n++
    req.resume()
    req.on('end', () => {
      if (req.url.startsWith('/api/1/')) {
        res.writeEarlyHints({ link: '</style.css>; rel=preload' })
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x"}')
      } else if (req.url.startsWith('/api/2/')) {
        res.writeHead(302, { location: 'http://elsewhere.example:8080/api/2/store/?secret=1' }).end()
      } else {
        // The status and 2 of the 10 bytes promised, then the connection goes.
        res.writeHead(req.url.startsWith('/api/3/') ? 200 : 429, { 'content-length': '10', 'retry-after': '30' })
        res.write('{}')
        setTimeout(() => res.socket.destroy(), 20)
      }
    })
  })
  for (const [project, want] of [['1', 'delivered'], ['2', 'rejected'], ['3', 'delivered'], ['4', 'rate_limited']]) {
    const tr = httpTransport(base, project, { maxAttempts: 3 })
    t.teardown(() => tr.close())
    const before = requests.n
    const results = []
    await tr.sendBatch(['{}'], (i, outcome, why) => results.push({ outcome, why }))
    t.equal(results.length, 1, `${project}: one result`)
    t.equal(results[0].outcome, want, `${project}: ${want}`)
    t.equal(requests.n - before, 1, `${project}: one request, no retry`)
    t.equal(tr.posts.size, 0, `${project}: nothing left under way`)
    if (project === '2') {
      t.match(results[0].why.text, /answered 302 \(a redirect to http:\/\/elsewhere\.example:8080\)/, 'the target\'s origin')
      t.notMatch(results[0].why.text, /secret/, 'not its path or query')
    }
    if (project === '4') t.equal(Math.round(tr.rateLimitedFor() / 1000), 30, 'the broken 429\'s Retry-After is honoured')
  }
})
