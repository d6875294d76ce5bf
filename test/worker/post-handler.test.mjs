// The transport's POST through undici's dispatch(): the answer's status and the headers it
// reads, informational answers skipped, a handler settled once, and an abort that comes
// before the request reached a socket carried out when it does.
import t from 'tap'
import { PostHandler } from '../../dist/worker/post-handler.js'
import { HttpTransport } from '../../dist/worker/http-transport.js'
import { listen } from '../utils/servers.mjs'

/** A handler whose outcome is recorded: { answers, errors, live }. */
function recorded () {
  const seen = { answers: [], errors: [], live: new Set() }
  seen.handler = new PostHandler((a) => seen.answers.push(a), (e) => seen.errors.push(e), seen.live)
  return seen
}
const controller = () => ({ aborted: [], abort (reason) { this.aborted.push(reason) } })

t.test('an abort before the request reached a socket is carried out when it does, once', async (t) => {
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
  s.handler.abort(new Error('again'))
  s.handler.onResponseError(c, new Error('late'))
  t.equal(c.aborted.length, 1, 'a settled handler aborts nothing')
  t.equal(s.errors.length, 1, 'and settles once')
})

t.test('the final answer, not an informational one; a response with no status is an error', async (t) => {
  const s = recorded()
  const c = controller()
  s.handler.onRequestStart(c)
  s.handler.onResponseStart(c, 103, { link: '</x>' })
  s.handler.onResponseStart(c, 429, { 'retry-after': '7', location: undefined })
  s.handler.onResponseData(c, Buffer.from('{}'))
  s.handler.onResponseEnd(c, {})
  s.handler.onResponseEnd(c, {})
  t.same(s.answers, [{ statusCode: 429, retryAfter: '7', location: undefined }], 'one answer, the 429\'s')
  t.same(c.aborted, [], 'nothing aborted')
  const empty = recorded()
  empty.handler.onRequestStart(controller())
  empty.handler.onResponseEnd(null, {})
  t.equal(empty.answers.length, 0)
  t.match(empty.errors[0]?.message, /without a status/)
})

t.test('through a real ingest: a 103 then 200 is delivered, a 302 names where it points', async (t) => {
  const { base } = await listen(t, (req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.url.includes('/api/1/')) {
        res.writeEarlyHints({ link: '</style.css>; rel=preload' })
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x"}')
      } else {
        res.writeHead(302, { location: 'http://elsewhere.example:8080/api/2/store/?secret=1' }).end()
      }
    })
  })
  const transport = (project) => new HttpTransport({
    sink: 'http', storeUrl: `${base}/api/${project}/store/`, origin: base, authToken: null, userAgent: 'test', timeoutMs: 5000, verifySsl: true,
    maxInFlight: 2, maxEventsPerSecond: 0, maxAttempts: 1, debug: false
  })
  for (const [project, want] of [['1', 'delivered'], ['2', 'rejected']]) {
    const tr = transport(project)
    t.teardown(() => tr.close())
    const results = []
    await tr.sendBatch(['{}'], (i, outcome, why) => results.push({ outcome, why }))
    t.equal(results.length, 1, `${project}: one result`)
    t.equal(results[0].outcome, want)
    if (want === 'rejected') {
      t.match(results[0].why.text, /answered 302 \(a redirect to http:\/\/elsewhere\.example:8080\)/, 'the target\'s origin')
      t.notMatch(results[0].why.text, /secret/, 'not its path or query')
    }
  }
})
