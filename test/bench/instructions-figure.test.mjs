// Figure 8e: instructions per request under callgrind. Its cells are medians of the rounds'
// differences, its text says how many requests were counted, and a callgrind dump's total is
// read from the line callgrind writes.
import t from 'tap'
import { renderFigure } from '../../bench/lib/figures.mjs'
import { callgrindTotal } from '../../bench/lib/http-instructions.mjs'

const round = (floor, channels, ours) => ({ floor, channels, ours, channelsOverFloor: channels - floor, oursOverFloor: ours - floor, oursOverChannels: ours - channels, oursVsFloor: ours / floor })
const row = (text, app) => text.split('\n').find((l) => l.startsWith(`| Node 26 | ${app}`))

t.test('each column is the median of its per-round differences, with the range', async (t) => {
  const results = {
    'httpir-n26-node': [round(64000, 64500, 65000), round(63000, 64100, 64200), round(65000, 65200, 66600)],
    'httpir-n26-meta': [{ node: 'v26.12.1', count: 4000, rounds: 3 }]
  }
  const [title, text] = renderFigure('httpir', results)
  t.match(title, /^8e\./)
  const cells = row(text, 'node:http').split('|').map((c) => c.trim())
  t.equal(cells[3], '64000 (63000–65000)', 'floor')
  t.equal(cells[4], '500 (200–1100)', "Node's publishes: the median of 500, 1100, 200")
  t.equal(cells[5], '1200 (1000–1600)', 'ours − floor: the median of 1000, 1200, 1600')
  t.equal(cells[6], '500 (100–1400)', 'ours − channels: the median of 500, 100, 1400')
  t.match(text, /v26\.12\.1/)
  t.match(text, /3 × 4,000 requests and dumped after 4,000 more/)
  t.notMatch(text, /NaN|undefined|n\/a/)
})

t.test('no rounds, no figure', async (t) => {
  t.equal(renderFigure('httpir', {}), null)
})

t.test("a callgrind dump's total comes from its summary or totals line", async (t) => {
  t.equal(callgrindTotal('version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 255402117\n\nfl=(1) ???\n'), 255402117)
  t.equal(callgrindTotal('events: Ir\ntotals: 12\n'), 12)
  t.equal(callgrindTotal('events: Ir\nfn=(1) summary: 3\n'), null, 'not a line that merely contains the word')
})
