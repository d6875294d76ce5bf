// Two concurrent async flows never see each other's user, tags, extra or breadcrumbs.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import * as xr from 'xrayradar'
import { setup } from '../helpers.mjs'

t.test('concurrent requests in isolation scopes', async (t) => {
  const { collector, client } = await setup(t)
  client.setTag('service', 'shop') // root scope: inherited by every request
  const flow = (n) => xr.runWithIsolationScope(async () => {
    client.setUser({ id: `user-${n}` })
    client.setTag('request', String(n))
    client.setExtra('n', n)
    for (let i = 0; i < 3; i++) {
      client.addBreadcrumb({ message: `r${n} step ${i}` })
      await sleep(Math.random() * 5)
    }
    client.captureException(new Error(`request ${n}`))
  })
  await Promise.all(Array.from({ length: 20 }, (_, n) => flow(n)))
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 20)
  for (const e of collector.events) {
    const n = Number(e.exception.values[0].value.split(' ')[1])
    t.equal(e.contexts.user.id, `user-${n}`)
    t.same(e.contexts.tags, { service: 'shop', request: String(n) })
    t.same(e.contexts.extra, { n })
    t.same(e.breadcrumbs.map((b) => b.message), [0, 1, 2].map((i) => `r${n} step ${i}`))
  }
  // Nothing leaked back into the root scope.
  t.same(xr.getIsolationScope().tags, { service: 'shop' })
  t.equal(xr.getIsolationScope().user, null)
})

t.test('withScope changes stay inside the callback', async (t) => {
  const { collector, client } = await setup(t)
  client.setTag('outer', 'yes')
  xr.withScope((scope) => {
    scope.setTag('inner', 'yes')
    scope.setFingerprint(['grouped'])
    scope.setLevel('warning')
    client.captureMessage('inside')
  })
  client.captureMessage('outside')
  await client.flush(5000)
  const [inside, outside] = collector.events
  t.same(inside.contexts.tags, { outer: 'yes', inner: 'yes' })
  t.same(inside.fingerprint, ['grouped'])
  t.equal(inside.level, 'warning', 'no level given at capture: the scope level applies')
  t.same(outside.contexts.tags, { outer: 'yes' })
  t.same(outside.fingerprint, ['outside'])
})

t.test('the global scope applies everywhere, isolation wins on conflicts', async (t) => {
  const { collector, client } = await setup(t)
  xr.getGlobalScope().setTag('region', 'eu').setTag('who', 'global')
  xr.getGlobalScope().addBreadcrumb({ timestamp: 1, message: 'global crumb' }, 10)
  await xr.runWithIsolationScope(async () => {
    client.setTag('who', 'request')
    client.addBreadcrumb({ message: 'request crumb' })
    client.captureMessage('m')
  })
  await client.flush(5000)
  const e = collector.events[0]
  t.same(e.contexts.tags, { region: 'eu', who: 'request' })
  t.same(e.breadcrumbs.map((b) => b.message), ['global crumb', 'request crumb'], 'merged by time')
})

t.test('maxBreadcrumbs keeps the newest', async (t) => {
  const { collector, client } = await setup(t, { maxBreadcrumbs: 3 })
  for (let i = 0; i < 10; i++) client.addBreadcrumb({ message: `c${i}` })
  client.captureMessage('m')
  client.clearBreadcrumbs()
  client.captureMessage('after clear')
  await client.flush(5000)
  t.same(collector.events[0].breadcrumbs.map((b) => b.message), ['c7', 'c8', 'c9'])
  t.same(collector.events[1].breadcrumbs, [])
})
