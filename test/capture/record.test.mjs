// Records reference scope and stack bytes in the shared blob area. With a small
// ring the area's halves change hands hundreds of times; every event must still
// arrive with exactly its own scope, breadcrumbs and frames.
import t from 'tap'
import { setImmediate as tick } from 'node:timers/promises'
import * as xr from 'xrayradar'
import { setup } from '../helpers.mjs'

// Three throw sites, so stacks repeat (and are shared) but differ between sites.
function siteA (i) { return new Error(`event ${i}`) }
function siteB (i) { return new Error(`event ${i}`) }
function siteC (i) { return new Error(`event ${i}`) }
const SITES = [siteA, siteB, siteC]

t.test('3,000 events through a 64 KiB ring keep their own scope, crumbs and frames', async (t) => {
  const N = 3000
  const { collector, client } = await setup(t, { ringSize: 64 * 1024, maxBreadcrumbs: 100 })
  client.setTag('service', 'shop') // the root scope's blob is shared by every event
  client.addBreadcrumb({ message: 'root crumb', data: { pad: 'r'.repeat(200) } })
  const deadline = Date.now() + 60000
  let captured = 0
  for (let i = 0; i < N && Date.now() < deadline; i++) {
    xr.runWithIsolationScope(() => {
      client.setUser({ id: `user-${i}` })
      client.setTag('n', String(i))
      // Per-event crumbs (~450 B of blob): a 16 KiB area holds a few dozen at a time.
      for (let k = 0; k < 3; k++) client.addBreadcrumb({ message: `e${i} step ${k}`, data: { pad: 'x'.repeat(120) } })
      if (client.captureException(SITES[i % 3](i)) !== undefined) captured++
    })
    // Let the worker keep up: this test is about content, not about drops.
    if (i % 20 === 19) {
      await tick() // the pool starts from a setImmediate
      while (client.stats().pending > 20 && Date.now() < deadline) await tick()
    }
  }
  t.equal(captured, N, `no capture was dropped (${JSON.stringify(client.stats().dropped)})`)
  t.equal(await client.flush(30000), true)
  t.equal(collector.events.length, N)
  let wrong = 0
  for (const e of collector.events) {
    const i = Number(e.exception.values[0].value.split(' ')[1])
    const frames = e.exception.values[0].stacktrace.frames
    const ok = e.contexts.user?.id === `user-${i}` &&
      e.contexts.tags.n === String(i) && e.contexts.tags.service === 'shop' &&
      JSON.stringify(e.breadcrumbs.map((b) => b.message)) === JSON.stringify(['root crumb', `e${i} step 0`, `e${i} step 1`, `e${i} step 2`]) &&
      frames[frames.length - 1]?.function?.endsWith(SITES[i % 3].name)
    if (!ok && wrong++ < 3) t.fail(`event ${i} arrived with someone else's data: ${JSON.stringify({ user: e.contexts.user, tags: e.contexts.tags, crumbs: e.breadcrumbs.map((b) => b.message), top: frames[frames.length - 1]?.function })}`)
  }
  t.equal(wrong, 0, 'every event carried its own data')
  t.equal(new Set(collector.events.map((e) => e.event_id)).size, N, 'no duplicates')
})
