// The collector's events and request records keep the newest `keep`, oldest first, in one
// array that readers can hold on to.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { BoundedList } from '../../dist/collector/bounded-list.js'
import { errorEvent, post } from './events.mjs'

t.test('the newest max items, oldest first, across many compactions; one array throughout', async (t) => {
  const l = new BoundedList(1000)
  const arr = l.items
  const wrongDrop = []
  for (let i = 0; i < 10_500; i++) {
    if (l.push(i) !== (i < 1000 ? undefined : i - 1000)) wrongDrop.push(i)
    if (i % 997 === 0) {
      const items = l.items
      t.equal(items, arr, `same array after ${i + 1} pushes`)
      t.equal(items.length, Math.min(i + 1, 1000))
      t.equal(items[0], Math.max(0, i - 999))
      t.equal(items.at(-1), i)
    }
  }
  t.same(wrongDrop, [], 'each push returned what it dropped (nothing until full)')
  t.equal(l.length, 1000)
  t.same(l.items, Array.from({ length: 1000 }, (_, i) => 9500 + i))
  t.equal(l.items.includes(undefined), false, 'no spent slot left in what is read')
  l.push(10_500) // one spent slot at the front, not compacted yet
  t.same([l.at(0), l.at(999), l.at(1000), l.at(-1), l.at(0.5)], [9501, 10_500, undefined, undefined, undefined], 'at(i) counts from the oldest kept')
})

t.test('collector.events and collector.requests are bounded by keep, oldest first', async (t) => {
  const c = await startCollector({ keep: 3 })
  t.teardown(() => c.close())
  const events = c.events
  for (let i = 0; i < 5; i++) t.equal(await post(c, '1', errorEvent({ value: `n${i}` })), 200)
  t.equal(c.events, events, 'the same array as before')
  t.same(c.events.map((e) => e.exception.values[0].value), ['n2', 'n3', 'n4'])
  t.equal(c.requests.length, 3)
  const overHttp = await (await fetch(`${c.url}/__xrayradar/events`)).json()
  t.same(overHttp.map((e) => e.exception.values[0].value), ['n2', 'n3', 'n4'])
  t.equal(await c.waitForEvents(3, 10), true)
})
