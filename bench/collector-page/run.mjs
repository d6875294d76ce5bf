// The collector's page at the collector's default keep (100,000 events), in Chromium:
//   1. the store's cost per event, empty and full (beyond keep every event also drops one),
//      alone and through HTTP;
//   2. GET /ui/api/groups with 100,000 events kept, unfiltered and filtered by text;
//   3. the list opening in the browser (navigation to the first rows shown);
//   4. a new event shown by an open page (store request sent to its row on screen);
//   5. a 1 MiB event opened (navigation to its last breadcrumb shown).
//   node bench/collector-page/run.mjs [--events 100000] [--groups 5000] [--reps 5]
// Needs `npm run build` and Debian's chromium on PATH (as the tests do). Prints medians.
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Agent } from 'undici'
import { startCollector } from 'xrayradar'
import { createEventStore } from '../../dist/collector/event-store.js'
import { chromium } from 'playwright-core'
import { chromiumPath, MISSING } from '../../test/collector/chromium.mjs'
import { errorEvent, frame } from '../../test/collector/events.mjs'

const { values: o } = parseArgs({ options: { events: { type: 'string', default: '100000' }, groups: { type: 'string', default: '5000' }, reps: { type: 'string', default: '5' } } })
const EVENTS = Number(o.events)
const GROUPS = Number(o.groups)
const REPS = Number(o.reps)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const log = (s) => process.stdout.write(s + '\n')
const rows = []
const row = (what, value) => { rows.push([what, value]); log(`  ${what}: ${value}`) }

const sample = (i) => errorEvent({
  type: `Bench${i % GROUPS}Error`,
  value: `something failed for order ${i}`,
  frames: [frame('next', 'node_modules/express/lib/router/route.js', 149, { inApp: false }), frame('handler', 'src/app.js', 10 + (i % 50))],
  breadcrumbs: [{ timestamp: new Date().toISOString(), type: 'http', category: 'http', level: 'info', message: `GET /orders/${i}`, data: { method: 'GET' } }],
  contexts: { tags: { route: '/orders/:id' }, request: { url: `https://shop.example.com/orders/${i}`, method: 'GET', headers: { 'user-agent': 'bench' }, query_string: null, data: null, env: {} } }
})

// 1. The store alone: µs per add while it fills, and once full (each add also drops the oldest).
{
  log(`1. store: µs per event (${EVENTS} kept, ${GROUPS} groups)`)
  const events = Array.from({ length: 1000 }, (_, i) => sample(i))
  const s = createEventStore(EVENTS)
  const t0 = performance.now()
  for (let i = 0; i < EVENTS; i++) s.add(String(i % 3), events[i % 1000], 1000)
  const filling = (performance.now() - t0) * 1000 / EVENTS
  const t1 = performance.now()
  for (let i = 0; i < EVENTS; i++) s.add(String(i % 3), events[i % 1000], 1000)
  const full = (performance.now() - t1) * 1000 / EVENTS
  row('store, filling to keep (µs/event)', filling.toFixed(2))
  row('store, full: add + drop oldest (µs/event)', full.toFixed(2))
}

const executablePath = chromiumPath()
if (executablePath === null) { process.stderr.write(MISSING + '\n'); process.exit(1) }
const collector = await startCollector({ maxBodyBytes: 1024 * 1024 })
const dispatcher = new Agent({ connections: 16, pipelining: 1 })
async function post (event) {
  const res = await fetch(`${collector.url}/api/1/store/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event), dispatcher })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`store answered ${res.status}`)
}

// 1b. Store requests over HTTP: the first events, and as many again once the collector
// is full (each then also drops its oldest event and its oldest request record).
async function postMany (from, count) {
  const t0 = performance.now()
  let next = from
  await Promise.all(Array.from({ length: 16 }, async () => { while (next < from + count) await post(sample(next++)) }))
  return count / ((performance.now() - t0) / 1000)
}
{
  const SLICE = Math.min(10_000, EVENTS)
  log(`\n1b. store requests per second over HTTP (16 connections), filling to ${EVENTS} …`)
  const first = await postMany(0, SLICE)
  await postMany(SLICE, EVENTS - SLICE)
  const beyond = await postMany(EVENTS, SLICE)
  row(`HTTP store, first ${SLICE} events (req/s)`, first.toFixed(0))
  row(`HTTP store, ${SLICE} events beyond keep (req/s)`, beyond.toFixed(0))
}

// 2. The list's JSON.
{
  log(`\n2. GET /ui/api/groups, ${EVENTS} events kept (ms)`)
  for (const [label, query] of [['first page, unfiltered', ''], ['first page, text filter', '&q=bench42'], ['last page, unfiltered', `&offset=${GROUPS - 50}`]]) {
    const ms = []
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now()
      const r = await fetch(`${collector.url}/ui/api/groups?limit=50${query}`)
      await r.json()
      ms.push(performance.now() - t0)
    }
    row(`groups API, ${label} (ms)`, median(ms).toFixed(1))
  }
}

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
try {
  // 3. The list in the browser.
  log(`\n3. the list opening in Chromium, ${EVENTS} events kept (ms, navigation to 50 rows shown)`)
  {
    const ms = []
    for (let i = 0; i < REPS; i++) {
      const page = await browser.newPage()
      const t0 = performance.now()
      await page.goto(collector.pageUrl)
      await page.locator('a.row').nth(49).waitFor()
      ms.push(performance.now() - t0)
      await page.close()
    }
    row('list opens (ms)', median(ms).toFixed(0))
  }

  // 4. Live.
  log('\n4. a new event on an open page (ms, store request sent to its row shown)')
  {
    const page = await browser.newPage()
    await page.goto(collector.pageUrl)
    await page.locator('#live[data-state=live]').waitFor()
    const ms = []
    for (let i = 0; i < REPS * 2; i++) {
      const t0 = performance.now()
      await post(errorEvent({ type: `Live${i}Error` }))
      await page.locator('a.row .title', { hasText: `Live${i}Error` }).waitFor()
      ms.push(performance.now() - t0)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    row('live update (ms, median)', median(ms).toFixed(0))
    row('live update (ms, slowest)', Math.max(...ms).toFixed(0))
    await page.close()
  }

  // 5. A 1 MiB event.
  log('\n5. a 1 MiB event opened (ms, navigation to its last breadcrumb shown)')
  {
    const e = sample(1)
    e.breadcrumbs = Array.from({ length: 400 }, (_, i) => ({ timestamp: new Date().toISOString(), type: 'default', category: 'load', level: 'info', message: `crumb ${i}`, data: { payload: String(i % 10).repeat(2400) } }))
    e.breadcrumbs.at(-1).message = 'the last breadcrumb'
    e.contexts.extra = { blob: 'y'.repeat(1024 * 1024 - JSON.stringify(e).length - 2000) }
    await post(e)
    const seq = (await (await fetch(`${collector.url}/ui/api/groups?limit=1`)).json()).lastSeq
    const ms = []
    for (let i = 0; i < REPS; i++) {
      const page = await browser.newPage()
      const t0 = performance.now()
      await page.goto(`${collector.pageUrl}#/event/${seq}`)
      await page.locator('table.crumbs .text', { hasText: 'the last breadcrumb' }).waitFor()
      ms.push(performance.now() - t0)
      await page.close()
    }
    row(`1 MiB event opens (ms, ${Buffer.byteLength(JSON.stringify(e))} bytes)`, median(ms).toFixed(0))
  }
} finally {
  await browser.close()
  await collector.close()
  await dispatcher.close()
}

log('\n| figure | median |\n|---|---|')
for (const [what, value] of rows) log(`| ${what} | ${value} |`)
