// The collector's groups: events of one project and fingerprint are one issue, counted,
// newest activity first, filtered and paged; beyond keep the oldest events leave their
// groups (and a group with none left leaves the list).
import t from 'tap'
import { createEventStore } from '../../dist/collector/event-store.js'
import { errorEvent, frame, wireEvent } from './events.mjs'

const at = (s) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString()

t.test('one group per project and fingerprint, with its count, title, culprit and newest fields', async (t) => {
  const s = createEventStore(100)
  s.add('1', errorEvent({ type: 'TypeError', value: 'first', timestamp: at(1), contexts: { release: 'r1', environment: 'staging' } }), 100)
  s.add('1', errorEvent({ type: 'RangeError', value: 'other', frames: [frame('parse', 'src/csv.js', 3)], timestamp: at(2) }), 100)
  s.add('2', errorEvent({ type: 'TypeError', value: 'first', timestamp: at(3) }), 100)
  s.add('1', errorEvent({ type: 'TypeError', value: 'second', level: 'fatal', timestamp: at(4), contexts: { release: 'r2', environment: 'production' } }), 100)
  const page = s.page({}, 0, 50)
  t.equal(page.total, 3, 'the same fingerprint in another project is another group')
  t.equal(page.groupCount, 3)
  t.equal(page.kept, 4)
  t.same(page.groups.map((g) => [g.project, g.title, g.count]), [
    ['1', 'TypeError: second', 2],
    ['2', 'TypeError: first', 1],
    ['1', 'RangeError: other', 1]
  ], 'newest activity first; a repeated error once with its count; the title is the newest event\'s')
  const [top] = page.groups
  t.match(top, { level: 'fatal', firstSeen: at(1), lastSeen: at(4), environment: 'production', release: 'r2', culprit: 'handler (src/app.js:10)', latestSeq: 4 })
  t.same(page.projects, [{ id: '1', events: 3 }, { id: '2', events: 1 }])
})

t.test('titles: the caught exception (the last value), else the message; no fingerprint groups by title', async (t) => {
  const s = createEventStore(100)
  const chained = errorEvent({ type: 'DatabaseError', value: 'query failed' })
  chained.exception.values.unshift({ type: 'Error', value: 'read ECONNRESET', module: null, stacktrace: null })
  s.add('1', chained, 1)
  s.add('1', wireEvent({ message: 'disk almost full\nsecond line', fingerprint: [], level: 'warning' }), 1)
  s.add('1', wireEvent({ message: 'disk almost full\nother detail', fingerprint: [], level: 'warning' }), 1)
  s.add('1', errorEvent({ type: 'Empty', value: '' }), 1)
  const titles = s.page({}, 0, 50).groups.map((g) => [g.title, g.count, g.culprit])
  t.same(titles, [
    ['Empty', 1, 'handler (src/app.js:10)'],
    ['disk almost full', 2, null],
    ['DatabaseError: query failed', 1, 'handler (src/app.js:10)']
  ])
})

t.test('filters by project, level and text; pages', async (t) => {
  const s = createEventStore(1000)
  for (let i = 0; i < 30; i++) s.add(i % 2 === 0 ? 'a' : 'b', errorEvent({ type: `E${i}`, value: i % 3 === 0 ? 'Needle here' : 'hay', level: i % 5 === 0 ? 'warning' : 'error' }), 1)
  t.equal(s.page({ project: 'a' }, 0, 50).total, 15)
  t.equal(s.page({ level: 'warning' }, 0, 50).total, 6)
  t.same(s.page({ q: 'needle' }, 0, 50).groups.map((g) => g.title), ['E27: Needle here', 'E24: Needle here', 'E21: Needle here', 'E18: Needle here', 'E15: Needle here', 'E12: Needle here', 'E9: Needle here', 'E6: Needle here', 'E3: Needle here', 'E0: Needle here'], 'case-insensitive')
  t.same(s.page({ project: 'a', level: 'warning', q: 'NEEDLE' }, 0, 50).groups.map((g) => g.title), ['E0: Needle here'], 'the only group of project a, warning and the text')
  t.equal(s.page({ q: 'nothing like it' }, 0, 50).total, 0)
  const p1 = s.page({}, 0, 10)
  const p3 = s.page({}, 20, 10)
  t.same(p1.groups.map((g) => g.title.split(':')[0]), ['E29', 'E28', 'E27', 'E26', 'E25', 'E24', 'E23', 'E22', 'E21', 'E20'])
  t.same(p3.groups.map((g) => g.title.split(':')[0]), ['E9', 'E8', 'E7', 'E6', 'E5', 'E4', 'E3', 'E2', 'E1', 'E0'])
  t.equal(s.page({}, 30, 10).groups.length, 0, 'past the end: an empty page')
  t.equal(s.page({ project: 'b' }, 10, 10).groups.length, 5, 'filtered pages count matches, not groups')
})

t.test('beyond keep the oldest events leave their groups, and empty groups leave the list', async (t) => {
  const s = createEventStore(3)
  s.add('1', errorEvent({ type: 'A', timestamp: at(1) }), 1)
  s.add('1', errorEvent({ type: 'B', timestamp: at(2) }), 1)
  s.add('1', errorEvent({ type: 'A', timestamp: at(3) }), 1)
  t.same(s.page({}, 0, 10).groups.map((g) => [g.title, g.count, g.firstSeen]), [['A: boom', 2, at(1)], ['B: boom', 1, at(2)]])
  s.add('2', errorEvent({ type: 'C', timestamp: at(4) }), 1) // drops event 1 (A)
  t.same(s.page({}, 0, 10).groups.map((g) => [g.title, g.count, g.firstSeen]), [['C: boom', 1, at(4)], ['A: boom', 1, at(3)], ['B: boom', 1, at(2)]], 'A\'s first seen moved to its oldest kept event')
  s.add('2', errorEvent({ type: 'C', timestamp: at(5) }), 1) // drops event 2 (B): B has none left
  const page = s.page({}, 0, 10)
  t.same(page.groups.map((g) => g.title), ['C: boom', 'A: boom'])
  t.equal(page.groupCount, 2)
  t.same(page.projects, [{ id: '1', events: 1 }, { id: '2', events: 2 }])
  t.match(page, { kept: 3, received: 5, keep: 3, lastSeq: 5 })
  t.equal(s.get(1), undefined, 'a dropped event is gone')
  t.equal(s.get(2), undefined)
  t.equal(s.get(3).event.exception.values[0].type, 'A')
  t.equal(s.get(6), undefined, 'no event past the newest')
  t.equal(s.get(1.5), undefined)
  t.equal(s.page({ q: 'b: boom' }, 0, 10).total, 0, 'the dropped group is not found by the filter either')
})

t.test('an event knows its place in its group: position, older and newer', async (t) => {
  const s = createEventStore(100)
  s.add('1', errorEvent({ type: 'A' }), 10)
  s.add('1', errorEvent({ type: 'B' }), 20)
  s.add('1', errorEvent({ type: 'A' }), 30)
  s.add('1', errorEvent({ type: 'A' }), 40)
  t.match(s.eventPayload(3), { seq: 3, project: '1', bytes: 30, group: { title: 'A: boom', count: 3, position: 2, olderSeq: 1, newerSeq: 4 } })
  t.match(s.eventPayload(1).group, { position: 1, olderSeq: null, newerSeq: 3 })
  t.match(s.eventPayload(4).group, { position: 3, olderSeq: 3, newerSeq: null })
  t.match(s.eventPayload(2).group, { count: 1, position: 1, olderSeq: null, newerSeq: null })
  t.equal(s.eventPayload(5), undefined)
  t.ok(!Number.isNaN(Date.parse(s.eventPayload(1).receivedAt)))
})

t.test('the default keep: 100,000 events in 5,000 groups, through several rounds of dropping', async (t) => {
  const keep = 100_000
  const s = createEventStore(keep)
  const base = errorEvent()
  for (let i = 0; i < keep + 25_000; i++) {
    // Shared parts, a fingerprint of its own: what matters here is the bookkeeping, not the bytes.
    const g = i % 5000
    s.add(String(g % 3), { ...base, fingerprint: [`g${g}`] }, 1)
  }
  const page = s.page({}, 0, 50)
  t.match(page, { kept: keep, received: keep + 25_000, groupCount: 5000, total: 5000 })
  t.equal(page.groups.length, 50)
  t.equal(page.groups.reduce((n, g) => n + g.count, 0), 50 * 20, 'each group holds 20 of the kept events')
  t.equal(page.projects.reduce((n, p) => n + p.events, 0), keep)
  t.equal(s.get(25_000), undefined)
  t.equal(s.get(25_001).seq, 25_001)
  t.equal(s.page({ project: '1' }, 0, 50).total, 1667, 'the groups of project 1 (g1, g4, … g4999)')
})

t.test('events: the kept events oldest first, one array brought up to date at each read, across drops', async (t) => {
  const keep = 20
  const s = createEventStore(keep)
  const view = s.events
  t.same(view, [], 'empty before the first event')
  const added = []
  const wrong = []
  let reads = 0
  // Reads after gaps of 1 to 9 events (the first drops come between two of them) and, every so
  // often, after more than keep (the whole view is dropped between two reads); 3,000 events
  // pass the list's compaction several times.
  for (let gap = 1; added.length < 3000; gap = gap === 9 ? 3 * keep : gap === 3 * keep ? 1 : gap + 1) {
    for (let i = 0; i < gap; i++) {
      const e = wireEvent({ message: `n${added.length}` })
      added.push(e)
      s.add('1', e, 1)
    }
    const read = s.events
    reads++
    const want = added.slice(-keep)
    if (read !== view || read.length !== want.length || want.some((e, i) => read[i] !== e)) wrong.push(added.length)
  }
  t.ok(reads > 100, `${reads} reads`)
  t.same(wrong, [], 'at every read: the same array, holding exactly the newest keep events, oldest first')
  t.equal(s.events, view, 'a read without new events changes nothing')
  t.equal(view.length, keep)
  t.equal(view[0], s.get(s.received - keep + 1).event, 'the oldest kept event is the store\'s oldest record')
  t.equal(view.at(-1), s.get(s.received).event)
})
