// The collector's page in a real Chromium: the issues list and its counts, an event with
// its frames, source lines and breadcrumbs, live updates, the keyboard, filters and pages,
// a 1 MiB event, the CSP as the browser enforces it, the token form, and no request to
// any origin but the collector's.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { launch, openPage } from './chromium.mjs'
import { errorEvent, frame, post, wireEvent } from './events.mjs'

const browser = await launch(t)

async function collector (t, options = {}) {
  const c = await startCollector(options)
  t.teardown(() => c.close())
  return c
}

/** Every request the page made went to the collector that served it. */
function onlyCollector (t, requests, c) {
  const origin = new URL(c.url).origin
  const elsewhere = requests.map((r) => r.url()).filter((u) => new URL(u).origin !== origin)
  t.ok(requests.length > 0, `${requests.length} requests seen`)
  t.same(elsewhere, [], 'no request to another origin')
}

const groupRequests = (requests) => requests.filter((r) => new URL(r.url()).pathname === '/ui/api/groups').length

function checkoutEvent (when) {
  const t0 = Date.parse(when)
  return errorEvent({
    type: 'TypeError',
    value: "Cannot read properties of undefined (reading 'id')",
    timestamp: when,
    frames: [
      frame('processTicksAndRejections', 'node:internal/process/task_queues', 95, { inApp: false, context: false }),
      frame('Layer.handle', 'node_modules/express/lib/router/layer.js', 95, { inApp: false }),
      frame('next', 'node_modules/express/lib/router/route.js', 149, { inApp: false }),
      frame('handleRequest', 'src/server.js', 17),
      { ...frame('processPayment', 'src/checkout.js', 42), pre_context: ['export function processPayment (order) {', '  const total = order.total'], context_line: '  const id = order.customer.id', post_context: ['  return charge(id, total)'] }
    ],
    breadcrumbs: [
      { timestamp: new Date(t0 - 1250).toISOString(), type: 'http', category: 'http', level: 'info', message: 'POST /checkout', data: { method: 'POST', url: '/checkout' } },
      { timestamp: new Date(t0 - 400).toISOString(), type: 'query', category: 'db', level: 'warning', message: 'SELECT * FROM carts WHERE id = $1', data: { rows: 0, duration_ms: 12.5 } },
      { timestamp: new Date(t0 - 5).toISOString(), type: 'default', category: 'console', level: 'error', message: 'payment failed', data: null }
    ],
    contexts: {
      user: { id: '123', username: 'johndoe', email: 'user@example.com', ip_address: null, data: {} },
      request: { url: 'https://shop.example.com/checkout', method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5' }, query_string: null, data: null, env: { SERVER_PORT: '443' } },
      tags: { feature: 'checkout', region: 'eu-west-1' },
      extra: { cart_value: 99.99 },
      mechanism: { type: 'express', handled: false },
      trace: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' },
      release: 'shop@1.4.2',
      environment: 'production'
    }
  })
}

function databaseEvent () {
  const e = errorEvent({ type: 'DatabaseError', value: 'SELECT failed', frames: [frame('loadOrder', 'src/orders.js', 8)] })
  e.exception.values.unshift({ type: 'Error', value: 'read ECONNRESET', module: null, stacktrace: { frames: [frame('onRead', 'node:net', 700, { inApp: false, context: false })] } })
  return e
}

const messageEvent = () => wireEvent({ message: 'health check took longer than 500 ms', level: 'warning', fingerprint: ['health check took longer than 500 ms'] })

t.test('the list: one row per issue with its count, newest first; opening an event shows frames, source lines and breadcrumbs', async (t) => {
  const c = await collector(t)
  const when = new Date(Date.now() - 60_000).toISOString()
  for (const e of [checkoutEvent(when), checkoutEvent(when), databaseEvent(), messageEvent(), checkoutEvent(when)]) t.equal(await post(c, '42', e), 200)
  const { page, requests, errors } = await openPage(browser, t)
  await page.goto(c.pageUrl)
  await page.locator('a.row').nth(2).waitFor()
  const rows = await page.locator('a.row').evaluateAll((links) => links.map((a) => [a.querySelector('.title').textContent, a.querySelector('.count').textContent, a.querySelector('.badge').textContent]))
  t.same(rows, [
    ["TypeError: Cannot read properties of undefined (reading 'id')", '3', 'error'],
    ['health check took longer than 500 ms', '1', 'warning'],
    ['DatabaseError: SELECT failed', '1', 'error']
  ], 'the repeated error once, with its count')
  t.equal(await page.locator('.summary').textContent(), '3 issues · 5 events')
  t.equal(await page.locator('a.row').first().locator('.culprit').textContent(), 'processPayment (src/checkout.js:42)')
  t.match(await page.locator('a.row').first().locator('.meta').textContent(), /project 42 · production · release shop@1\.4\.2/)
  t.equal(await page.locator('#counts').textContent(), '5 events')

  await page.locator('a.row').first().click()
  await page.locator('.event-view').waitFor()
  t.equal(await page.locator('.event-head h1').textContent(), "TypeError: Cannot read properties of undefined (reading 'id')")
  t.equal(await page.locator('.event-nav .position').textContent(), 'event 3 of 3 in this issue')
  t.match(page.url(), /#\/event\/5$/)
  // Frames newest first: the two in-app ones open, then the three others folded into one closed line.
  const top = page.locator('.exception.caught > .frames > li')
  t.equal(await top.count(), 3)
  t.same(await top.locator(':scope > details.frame .fn').allTextContents(), ['processPayment', 'handleRequest'])
  t.same(await page.locator('.exception.caught > .frames > li > details.frame').evaluateAll((ds) => ds.map((d) => [d.classList.contains('in-app'), d.open])), [[true, true], [true, true]], 'in-app frames open')
  const run = page.locator('.exception.caught details.frames-run')
  t.equal(await run.locator(':scope > summary').textContent(), '3 other frames from express, node')
  t.equal(await run.evaluate((d) => d.open), false, 'the others collapsed')
  t.equal(await run.locator('.fn').first().isVisible(), false)
  await run.locator(':scope > summary').click()
  t.same(await run.locator('.fn').allTextContents(), ['next', 'Layer.handle', 'processTicksAndRejections'], 'newest first inside the fold too')
  t.equal(await run.locator('.fn').first().isVisible(), true)
  t.equal(await run.locator('.source').first().isVisible(), false, 'a library frame\'s own source stays closed')
  // Source lines around the line, numbered, the line itself marked.
  const source = page.locator('.exception.caught details.frame').first().locator('.line')
  t.same(await source.evaluateAll((ls) => ls.map((l) => [l.querySelector('.ln').textContent, l.querySelector('.src').textContent, l.classList.contains('current')])), [
    ['40', 'export function processPayment (order) {', false],
    ['41', '  const total = order.total', false],
    ['42', '  const id = order.customer.id', true],
    ['43', '  return charge(id, total)', false]
  ])
  t.equal(await page.locator('.exception.caught details.frame').first().locator('.loc').textContent(), 'src/checkout.js:42:5')
  // Breadcrumbs: a timeline ending with the event.
  const crumbs = await page.locator('table.crumbs tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    offset: tr.querySelector('.offset').textContent,
    type: tr.querySelector('.type').textContent,
    category: tr.querySelector('.category').textContent,
    level: tr.querySelector('.level').textContent,
    message: tr.querySelector('.message .text').textContent,
    data: [...tr.querySelectorAll('.crumb-data dt')].map((dt) => `${dt.textContent}=${dt.nextElementSibling.textContent}`)
  })))
  t.same(crumbs, [
    { offset: '−1.250 s', type: 'http', category: 'http', level: 'info', message: 'POST /checkout', data: ['method=POST', 'url=/checkout'] },
    { offset: '−0.400 s', type: 'query', category: 'db', level: 'warning', message: 'SELECT * FROM carts WHERE id = $1', data: ['rows=0', 'duration_ms=12.5'] },
    { offset: '−0.005 s', type: 'default', category: 'console', level: 'error', message: 'payment failed', data: [] },
    { offset: '0 s', type: 'event', category: '', level: 'error', message: "TypeError: Cannot read properties of undefined (reading 'id')", data: [] }
  ])
  t.equal(await page.locator('#breadcrumbs h2').textContent(), 'Breadcrumbs (3)')
  // Tags, user, request (headers as received), contexts, the event's fields.
  t.same(await page.locator('#tags .tag').allTextContents(), ['featurecheckout', 'regioneu-west-1'])
  const text = await page.locator('.event-view').innerText()
  for (const s of ['johndoe', 'user@example.com', 'https://shop.example.com/checkout', 'content-type', 'application/json', 'curl/8.5',
    'mechanism', 'express', 'trace_id', '4bf92f3577b34da6a3ce929d0e0e4736', 'cart_value', '99.99', 'shop@1.4.2', 'production', 'web-1', 'xrayradar-node 0.1.0']) {
    t.ok(text.includes(s), `shows ${s}`)
  }
  // Older event of the same issue, then the raw JSON.
  await page.locator('.event-nav a[rel=prev]').click()
  await page.waitForURL(/#\/event\/2$/)
  await page.locator('.event-nav .position', { hasText: 'event 2 of 3' }).waitFor()
  await page.locator('button.raw-toggle').click()
  await page.locator('pre.raw', { hasText: '"event_id"' }).waitFor()
  t.same(JSON.parse(await page.locator('pre.raw').textContent()), c.events[1], 'the raw JSON is the stored event')
  // The other issue: a cause chain, the caught error first.
  await page.goto(`${c.pageUrl}#/event/3`)
  await page.locator('.exception.linked').waitFor()
  t.same(await page.locator('.exception h3').allTextContents(), ['DatabaseError: SELECT failed', 'Error: read ECONNRESET'])
  t.equal(await page.locator('#exception h2').textContent(), 'Exception and 1 linked')
  onlyCollector(t, requests, c)
  t.same(errors, [], 'no script error')
  t.same(await page.evaluate(() => window.__violations), [], 'the page itself breaks none of its CSP')
})

t.test('live: a new event appears without a reload, pushed (no polling)', async (t) => {
  const c = await collector(t)
  await post(c, '1', messageEvent())
  const { page, requests } = await openPage(browser, t)
  await page.goto(c.pageUrl)
  await page.locator('a.row').first().waitFor()
  await page.locator('#live[data-state=live]').waitFor()
  await page.evaluate(() => { window.__sameDocument = true })
  const before = groupRequests(requests)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(groupRequests(requests), before, 'nothing fetched while nothing arrived')
  const started = Date.now()
  await post(c, '1', errorEvent({ type: 'LiveError', value: 'arrived while the page was open' }))
  await page.locator('a.row', { hasText: 'LiveError: arrived while the page was open' }).waitFor({ timeout: 5000 })
  t.comment(`the new row showed ${Date.now() - started} ms after the store request was sent`)
  t.equal(await page.evaluate(() => window.__sameDocument), true, 'the same document: no reload')
  t.equal(groupRequests(requests), before + 1, 'one fetch of the list, after the push')
  t.equal(await page.locator('a.row').count(), 2)
  await post(c, '1', messageEvent())
  await page.locator('a.row').first().locator('.count', { hasText: '2' }).waitFor({ timeout: 5000 })
  t.equal(await page.locator('a.row .title').first().textContent(), 'health check took longer than 500 ms', 'the issue with new activity moves to the top')
  t.equal(await page.locator('#counts').textContent(), '3 events')
  onlyCollector(t, requests, c)
})

t.test('the keyboard: move through the list, open, go back to the same row, search', async (t) => {
  const c = await collector(t)
  for (const type of ['FirstError', 'SecondError', 'ThirdError']) await post(c, '1', errorEvent({ type }))
  const { page } = await openPage(browser, t)
  await page.goto(c.pageUrl)
  await page.locator('a.row').nth(2).waitFor()
  const focused = () => page.evaluate(() => document.activeElement?.querySelector?.('.title')?.textContent ?? document.activeElement?.id ?? null)
  await page.keyboard.press('ArrowDown')
  t.equal(await focused(), 'ThirdError: boom', 'ArrowDown from the page: the first row')
  await page.keyboard.press('ArrowDown')
  t.equal(await focused(), 'SecondError: boom')
  await page.keyboard.press('j')
  t.equal(await focused(), 'FirstError: boom')
  await page.keyboard.press('ArrowDown')
  t.equal(await focused(), 'FirstError: boom', 'stays on the last row')
  await page.keyboard.press('k')
  t.equal(await focused(), 'SecondError: boom')
  await page.keyboard.press('Home')
  t.equal(await focused(), 'ThirdError: boom')
  await page.keyboard.press('End')
  t.equal(await focused(), 'FirstError: boom')
  t.same(await page.locator('a.row').evaluateAll((ls) => ls.map((a) => a.tabIndex)), [-1, -1, 0], 'Tab comes back to the row last focused')
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('Enter')
  await page.locator('.event-head h1', { hasText: 'SecondError: boom' }).waitFor()
  t.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'focus on the event\'s heading')
  await page.keyboard.press('Escape')
  await page.locator('a.row').nth(2).waitFor()
  await page.waitForFunction(() => document.activeElement?.classList.contains('row'))
  t.equal(await focused(), 'SecondError: boom', 'back on the row of the event just seen')
  await page.keyboard.press('k')
  await page.keyboard.press('k')
  t.equal(await focused(), 'f-q', 'up from the first row: the search box')
  await page.keyboard.press('Escape')
  await page.locator('body').click({ position: { x: 5, y: 300 } })
  await page.keyboard.press('/')
  t.equal(await focused(), 'f-q', '/ goes to the search box')
  await page.keyboard.type('second')
  await page.waitForFunction(() => document.querySelectorAll('a.row').length === 1)
  t.equal(await page.locator('a.row .title').textContent(), 'SecondError: boom')
  t.match(page.url(), /#\/\?q=second$/, 'the filter is in the address')
  await page.keyboard.press('ArrowDown')
  t.equal(await focused(), 'SecondError: boom', 'down from the search box: the first row')
})

t.test('filters by project and level, pages of 50', async (t) => {
  const c = await collector(t)
  for (let i = 0; i < 120; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => post(c, '3', errorEvent({ type: `Bulk${i + j}Error`, level: (i + j) % 4 === 0 ? 'warning' : 'error' }))))
  await post(c, '4', messageEvent())
  const { page, requests } = await openPage(browser, t)
  await page.goto(c.pageUrl)
  await page.locator('a.row').nth(49).waitFor()
  t.equal(await page.locator('a.row').count(), 50)
  t.equal(await page.locator('.pager .position').textContent(), '1–50 of 121')
  t.equal(await page.locator('.pager button.newer').isDisabled(), true)
  await page.locator('.pager button.older').click()
  await page.locator('.pager .position', { hasText: '51–100 of 121' }).waitFor()
  t.match(page.url(), /#\/\?page=2$/)
  await page.locator('a.row').first().focus()
  await page.keyboard.press('PageDown')
  await page.locator('.pager .position', { hasText: '101–121 of 121' }).waitFor()
  t.equal(await page.locator('a.row').count(), 21)
  t.equal(await page.locator('.pager button.older').isDisabled(), true)
  await page.selectOption('#f-project', '4')
  await page.locator('.pager .position', { hasText: '1–1 of 1' }).waitFor({ state: 'attached' })
  await page.waitForFunction(() => document.querySelectorAll('a.row').length === 1)
  t.equal(await page.locator('a.row .title').textContent(), 'health check took longer than 500 ms')
  t.same(await page.locator('#f-project option').allTextContents(), ['All projects', 'project 3 (120)', 'project 4 (1)'])
  await page.selectOption('#f-project', '3')
  await page.selectOption('#f-level', 'warning')
  await page.waitForFunction(() => document.querySelector('.summary')?.textContent.startsWith('30 of 121'))
  t.equal(await page.locator('a.row .badge', { hasText: 'error' }).count(), 0)
  t.match(page.url(), /#\/\?project=3&level=warning$/)
  await page.reload()
  await page.waitForFunction(() => document.querySelector('.summary')?.textContent.startsWith('30 of 121'))
  t.equal(await page.locator('#f-level').inputValue(), 'warning', 'the filters survive a reload')
  onlyCollector(t, requests, c)
})

t.test('a 1 MiB event renders, all of it', async (t) => {
  const c = await collector(t)
  const e = checkoutEvent(new Date().toISOString())
  const t0 = Date.now()
  e.breadcrumbs = Array.from({ length: 400 }, (_, i) => ({ timestamp: new Date(t0 - 400 + i).toISOString(), type: 'default', category: 'load', level: 'info', message: `crumb ${i}`, data: { payload: String(i % 10).repeat(2400) } }))
  e.breadcrumbs.at(-1).message = 'the last breadcrumb of a 1 MiB event'
  e.contexts.extra = { blob: 'y'.repeat(1024 * 1024 - JSON.stringify(e).length - 2000) }
  const size = Buffer.byteLength(JSON.stringify(e))
  t.ok(size > 1024 * 1024 - 4096 && size <= 1024 * 1024, `${size} bytes`)
  t.equal(await post(c, '1', e), 200)
  const { page, errors } = await openPage(browser, t)
  await page.goto(`${c.pageUrl}#/event/1`)
  await page.locator('.event-view').waitFor()
  t.equal(await page.locator('table.crumbs tbody tr').count(), 401)
  const last = page.locator('table.crumbs .text', { hasText: 'the last breadcrumb of a 1 MiB event' })
  await last.scrollIntoViewIfNeeded()
  t.equal(await last.isVisible(), true)
  t.equal((await page.locator('#extra .value').textContent()).length, e.contexts.extra.blob.length, 'the long value whole')
  t.match(await page.locator('#event-fields').innerText(), `size\t${(size / 1024).toFixed(1)} KiB`)
  await page.locator('button.raw-toggle').click()
  await page.locator('pre.raw', { hasText: 'the last breadcrumb of a 1 MiB event' }).waitFor()
  t.same(errors, [])
})

t.test('the CSP as the browser applies it: no inline script runs, no string becomes HTML', async (t) => {
  const c = await collector(t)
  await post(c, '1', messageEvent())
  const { page } = await openPage(browser, t)
  const res = await page.goto(c.pageUrl)
  t.equal(res.headers()['content-security-policy'], "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'")
  await page.locator('a.row').first().waitFor()
  t.same(await page.evaluate(() => window.__violations), [], 'the page needs nothing its CSP forbids')
  const html = await page.evaluate(() => { try { document.body.insertAdjacentHTML('beforeend', '<b id="injected">x</b>'); return 'assigned' } catch (e) { return e.name } })
  t.equal(html, 'TypeError', 'assigning a string as HTML throws (Trusted Types)')
  t.equal(await page.locator('#injected').count(), 0)
  // Markup a hostile field would need, if any string ever reached the DOM as code: refused or inert.
  const attempts = await page.evaluate(async () => {
    const tries = {
      'an inline script': () => { const s = document.createElement('script'); s.textContent = 'window.__ran = "inline"'; document.body.append(s) },
      'a script from elsewhere': () => { const s = document.createElement('script'); s.src = 'data:text/javascript,window.__ran="data"'; document.body.append(s) },
      'a handler attribute': () => { const i = document.createElement('img'); i.setAttribute('onerror', 'window.__ran = "handler"'); i.src = 'ui/none.png'; document.body.append(i) },
      'a javascript: link': () => { const a = document.createElement('a'); a.href = 'javascript:window.__ran="link"'; document.body.append(a); a.click() }
    }
    const out = {}
    for (const [name, f] of Object.entries(tries)) { try { f(); out[name] = 'allowed' } catch (e) { out[name] = e.name } }
    await new Promise((resolve) => setTimeout(resolve, 300))
    return { out, ran: window.__ran ?? null }
  })
  t.equal(attempts.ran, null, `nothing ran (${JSON.stringify(attempts.out)})`)
  t.ok((await page.evaluate(() => window.__violations)).length >= Object.keys(attempts.out).length, 'the browser reported each violation')
})

t.test('with a token: the page asks for it, sends it as a header, never in a URL', async (t) => {
  const c = await collector(t, { token: 'tok-123' })
  await post(c, '1', messageEvent(), { 'x-xrayradar-token': 'tok-123' })
  const { page, requests } = await openPage(browser, t)
  await page.goto(c.pageUrl)
  await page.locator('form.token-form').waitFor()
  t.equal(await page.locator('a.row').count(), 0, 'no data before the token')
  t.equal(await page.locator('#live').getAttribute('data-state'), 'refused')
  await page.fill('#token', 'wrong')
  await page.keyboard.press('Enter')
  await page.locator('form.token-form .error', { hasText: 'refused that token' }).waitFor()
  await page.fill('#token', 'tok-123')
  await page.keyboard.press('Enter')
  await page.locator('a.row').first().waitFor()
  await page.locator('#live[data-state=live]').waitFor()
  const api = requests.filter((r) => new URL(r.url()).pathname.startsWith('/ui/api/'))
  const withToken = api.filter((r) => r.headers()['x-xrayradar-token'] === 'tok-123')
  t.ok(withToken.length >= 2, 'the list and the stream sent it')
  t.same(requests.filter((r) => r.url().includes('tok-123')), [], 'in no URL')
  // A link with the token in its fragment (what the demo prints): the fragment never reaches the server.
  const second = await openPage(browser, t)
  await second.page.goto(`${c.pageUrl}#token=tok-123`)
  await second.page.locator('a.row').first().waitFor()
  t.equal(new URL(second.page.url()).hash, '#/', 'the token left the address bar')
  t.same(second.requests.filter((r) => r.url().includes('tok-123')), [])
  onlyCollector(t, requests, c)
})

t.test('live: a page outlives its collector, and shows the next collector on the same port', async (t) => {
  const first = await startCollector()
  await post(first, '1', errorEvent({ type: 'BeforeRestartError' }))
  await post(first, '1', errorEvent({ type: 'AlsoBeforeRestartError' }))
  const { page } = await openPage(browser, t)
  await page.goto(first.pageUrl)
  await page.locator('a.row').nth(1).waitFor()
  await page.locator('#live[data-state=live]').waitFor()
  await first.close()
  await page.locator('#live[data-state=reconnecting]').waitFor()
  const second = await collector(t, { port: first.port })
  await page.locator('#live[data-state=live]').waitFor({ timeout: 10_000 })
  // The new collector numbers its events from 1 again: the page must not take them for old news.
  await post(second, '1', errorEvent({ type: 'AfterRestartError' }))
  await page.locator('a.row .title', { hasText: 'AfterRestartError' }).waitFor({ timeout: 5000 })
  t.same(await page.locator('a.row .title').allTextContents(), ['AfterRestartError: boom'], 'the new collector\'s issues only')
  await post(second, '1', errorEvent({ type: 'SecondAfterRestartError' }))
  await page.locator('a.row .title', { hasText: 'SecondAfterRestartError' }).waitFor({ timeout: 5000 })
  t.equal(await page.locator('a.row').count(), 2)
})
