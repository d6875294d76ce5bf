// Events are written by whoever can reach the store endpoint, and their fields hold what
// the application saw: a message, a tag value, a function name, a header can be markup.
// On the collector's page every field is text: a script or handler in any of them never
// runs, loads nothing, and shows as the literal characters.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { launch, openPage } from './chromium.mjs'
import { post, wireEvent } from './events.mjs'

const browser = await launch(t)

/** Markup that would run (or fetch from another origin) if this field were ever parsed as HTML. */
const P = (where) => `<img src=x onerror="window.__pwned='${where}'"><script>window.__pwned='${where}'</script><img src="http://evil.example/${where}.png">`

function hostileFrame (where, inApp) {
  return {
    filename: `src/${P(`${where}-filename`)}.js`,
    function: P(`${where}-function`),
    lineno: 3,
    colno: 1,
    abs_path: `/srv/${P(`${where}-abs_path`)}`,
    pre_context: [P(`${where}-pre_context`)],
    context_line: P(`${where}-context_line`),
    post_context: [P(`${where}-post_context`)],
    in_app: inApp
  }
}

function hostileEvent () {
  return wireEvent({
    event_id: P('event_id'),
    message: P('message'),
    sdk: { name: P('sdk.name'), version: P('sdk.version') },
    exception: {
      values: [
        { type: P('cause.type'), value: P('cause.value'), module: P('cause.module'), stacktrace: { frames: [hostileFrame('cause', true)] } },
        { type: P('type'), value: P('value'), module: null, stacktrace: { frames: [hostileFrame('library', false), hostileFrame('app', true)] } }
      ]
    },
    breadcrumbs: [{
      timestamp: new Date().toISOString(),
      type: P('crumb.type'),
      category: P('crumb.category'),
      level: P('crumb.level'),
      message: P('crumb.message'),
      data: { [P('crumb.data.key')]: P('crumb.data.value'), nested: { deep: P('crumb.data.nested') } }
    }],
    fingerprint: [P('fingerprint')],
    modules: { [P('modules.key')]: P('modules.value') },
    contexts: {
      user: { id: P('user.id'), username: P('user.username'), email: P('user.email'), ip_address: null, data: { [P('user.data.key')]: P('user.data.value') } },
      request: { url: `javascript:window.__pwned='request.url'//${P('request.url')}`, method: P('request.method'), headers: { [P('header.key')]: P('header.value'), 'user-agent': P('header.user-agent') }, query_string: P('request.query_string'), data: { body: P('request.data') }, env: {} },
      tags: { [P('tag.key')]: P('tag.value') },
      extra: { [P('extra.key')]: P('extra.value'), list: [P('extra.list')] },
      server_name: P('server_name'),
      release: P('release'),
      environment: P('environment'),
      mechanism: { type: P('mechanism.type'), handled: false },
      [P('contexts.key')]: { value: P('contexts.value') }
    }
  })
}

const messageOnly = () => wireEvent({ message: P('message-event'), fingerprint: [P('message-fingerprint')], level: 'info' })

/** Every P(...) string in an event, to find each on the page. */
function payloads (value, out = new Set()) {
  if (typeof value === 'string') { for (const m of value.matchAll(/<img src=x onerror="window\.__pwned='([^']+)'">/g)) out.add(P(m[1])) } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { payloads(k, out); payloads(v, out) }
  }
  return out
}

const noMarkup = (page) => page.evaluate(() => document.querySelectorAll('#app img, #app script, #app iframe, #app svg, #app object, #app embed').length)

t.test('a script or handler in any field never runs, loads nothing, and reads as text', async (t) => {
  const c = await startCollector()
  t.teardown(() => c.close())
  const e = hostileEvent()
  t.equal(await post(c, '1', e), 200)
  t.equal(await post(c, P('project'), messageOnly()), 200)
  const { page, requests, errors } = await openPage(browser, t)
  await page.goto(c.pageUrl)
  await page.locator('a.row').nth(1).waitFor()
  t.same(await page.locator('a.row .title').allTextContents(), [P('message-event'), `${P('type')}: ${P('value')}`], 'titles are the literal text')
  t.match(await page.locator('a.row').first().locator('.meta').textContent(), P('project'), 'the project too')
  t.equal(await noMarkup(page), 0, 'the list holds no element made from a field')

  await page.locator('a.row').nth(1).click()
  await page.locator('.event-view').waitFor()
  // Open everything that starts closed: the folded frame, the modules.
  while (await page.locator('details:not([open])').count() > 0) await page.locator('details:not([open]) > summary').first().click()
  await page.locator('button.raw-toggle').click()
  await page.locator('pre.raw', { hasText: 'event_id' }).waitFor()
  const shown = await page.locator('#app').innerText()
  const expected = payloads(e)
  t.ok(expected.size >= 40, `${expected.size} fields carry markup`)
  const missing = [...expected].filter((p) => !shown.includes(p))
  t.same(missing, [], 'each field is on the page as its literal text')
  const visible = [...shown.matchAll(/window\.__pwned='([^']+)'/g)].map((m) => m[1])
  t.ok(new Set(visible).size >= expected.size, 'every one of them visible')
  t.equal(await noMarkup(page), 0, 'the event view holds no element made from a field')
  t.equal(await page.locator('#app a[href^="javascript:"]').count(), 0, 'the request URL is text, not a link')
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(await page.evaluate(() => window.__pwned ?? null), null, 'nothing ran')
  t.same(requests.map((r) => r.url()).filter((u) => !u.startsWith(c.url + '/')), [], 'nothing was fetched from elsewhere')
  t.same(requests.map((r) => new URL(r.url()).pathname).filter((p) => !p.startsWith('/ui/') && p !== '/'), [], 'nor from the collector (no src=x)')
  t.same(errors, [])
  t.same(await page.evaluate(() => window.__violations), [], 'and no violation: nothing even tried')
})
