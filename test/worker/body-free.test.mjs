// HttpTransport.sendBatch says a body's memory is free (onFree) only when nothing can still
// read it: its one attempt was answered 2xx. A body that needed a retry, or was not delivered,
// is never said to be free (a socket may still be writing an earlier attempt of it).
import t from 'tap'
import { HttpTransport } from '../../dist/worker/http-transport.js'
import { listen } from '../utils/servers.mjs'

/** An ingest that answers each body's first request with statusFor(i) (200 when it returns nothing), later ones 200. */
async function ingest (t, statusFor) {
  const seen = new Map() // body index -> statuses answered
  const { base: origin } = await listen(t, (req, res) => {
    let text = ''
    req.on('data', (d) => { text += d })
    req.on('end', () => {
      const { i } = JSON.parse(text)
      const list = seen.get(i) ?? []
      const status = list.length === 0 ? (statusFor(i) ?? 200) : 200
      list.push(status)
      seen.set(i, list)
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
    })
  })
  return { seen, origin }
}

const transport = (origin) => new HttpTransport({
  sink: 'http', storeUrl: `${origin}/api/1/store/`, origin, authToken: null, userAgent: 'test', timeoutMs: 30000, verifySsl: true,
  maxInFlight: 8, maxEventsPerSecond: 0, maxAttempts: 3, debug: false
})

t.test('free: delivered on its only attempt; never after a retry, never when not delivered', async (t) => {
  // 1 and 2 fail once (503, then retried and delivered), 3 is refused (400, final).
  const { seen, origin } = await ingest(t, (i) => i === 1 || i === 2 ? 503 : i === 3 ? 400 : undefined)
  const tr = transport(origin)
  t.teardown(() => tr.close())
  const bodies = [0, 1, 2, 3, 4].map((i) => Buffer.from(JSON.stringify({ i })))
  const outcomes = new Map()
  const freed = []
  const order = []
  await tr.sendBatch(bodies, (i, outcome) => { outcomes.set(i, outcome); order.push(`result ${i}`) }, (i) => { freed.push(i); order.push(`free ${i}`) })
  t.same([...outcomes.entries()].sort(), [[0, 'delivered'], [1, 'delivered'], [2, 'delivered'], [3, 'rejected'], [4, 'delivered']])
  t.same(seen.get(1), [503, 200], 'body 1 was retried')
  t.same(freed.sort(), [0, 4], 'only the bodies delivered by their one attempt are free')
  for (const i of freed) t.ok(order.indexOf(`free ${i}`) < order.indexOf(`result ${i}`), `body ${i} is freed before its result is told`)
})

t.test('without onFree, sendBatch works as before', async (t) => {
  const { origin } = await ingest(t, () => undefined)
  const tr = transport(origin)
  t.teardown(() => tr.close())
  const out = []
  await tr.sendBatch([Buffer.from('{"i":0}')], (i, outcome) => out.push(outcome))
  t.same(out, ['delivered'])
})
