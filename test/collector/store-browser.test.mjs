// The store endpoint against a real browser: a page from another local origin posts an event
// the way any site can (fetch no-cors with a text/plain body, sendBeacon, a form), and a page on
// a DNS name that resolves to 127.0.0.1 posts same-origin (DNS rebinding, the name mapped by
// Chromium's resolver rules). Each request reaches the collector, is refused and stores nothing;
// the collector's own origin (its page) may still post.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { listen } from '../utils/servers.mjs'
import { launch, openPage } from './chromium.mjs'
import { wireEvent } from './events.mjs'

/** A test-only name; Chromium resolves it to 127.0.0.1, as an attacker's rebound DNS name would. */
const REBOUND = 'rebound.test'
const browser = await launch(t, { args: [`--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`] })

/** Waits (bounded) until the collector has recorded n store requests: the browser's requests did arrive. */
async function recorded (c, n) {
  for (let i = 0; i < 100 && c.requests.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  return c.requests.length
}

t.test('a page of another local origin posts through fetch no-cors, sendBeacon and a form: refused, nothing stored', async (t) => {
  const c = await startCollector()
  t.teardown(() => c.close())
  const elsewhere = await listen(t, (req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>elsewhere</title><body></body>') })
  const { page } = await openPage(browser, t)
  await page.goto(`${elsewhere.base}/`)
  const store = `${c.url}/api/1/store/`
  const body = JSON.stringify(wireEvent({ message: 'injected by a web page' }))
  await page.evaluate(async ({ store, body }) => {
    await fetch(store, { method: 'POST', mode: 'no-cors', body })
    navigator.sendBeacon(store, body)
    const form = document.createElement('form')
    form.method = 'POST'
    form.action = store
    form.enctype = 'text/plain'
    form.target = 'sink'
    const input = document.createElement('input')
    input.name = body
    form.append(input)
    const sink = document.createElement('iframe')
    sink.name = 'sink'
    document.body.append(sink, form)
    form.submit()
  }, { store, body })
  t.equal(await recorded(c, 3), 3, 'all three requests reached the collector')
  t.same(c.requests.map((r) => r.status), [403, 403, 403], 'each refused')
  t.equal(c.events.length, 0, 'nothing stored')
  t.same(c.counts, {})
})

t.test('a page on a name rebound to 127.0.0.1 posts same-origin: refused, nothing stored; the collector\'s own origin posts', async (t) => {
  const c = await startCollector()
  t.teardown(() => c.close())
  const { page } = await openPage(browser, t)
  // The attacker's page, now served by the collector's port under the rebound name (the collector refuses the page itself: 403).
  const rebound = `http://${REBOUND}:${c.port}`
  await page.goto(`${rebound}/`)
  const body = JSON.stringify(wireEvent({ message: 'injected through a rebound name' }))
  const status = await page.evaluate(async (body) => (await fetch('/api/1/store/', { method: 'POST', body })).status, body)
  t.equal(status, 403, 'same-origin to the browser, refused by Host')
  t.equal(c.events.length, 0, 'nothing stored')
  t.same(c.requests.map((r) => r.status), [403])

  await page.goto(c.pageUrl)
  const own = await page.evaluate(async (body) => (await fetch('/api/1/store/', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status, JSON.stringify(wireEvent({ message: 'from the collector\'s own origin' })))
  t.equal(own, 200, 'the collector\'s own origin on 127.0.0.1 may post')
  t.same(c.events.map((e) => e.message), ['from the collector\'s own origin'])
})
