// Figure 8's table: its user and system columns come from the rounds' split differences, and
// rounds from before the split leave them empty rather than showing a number.
import t from 'tap'
import { renderFigure } from '../../bench/lib/figures.mjs'

const subject = (cpu, rps) => [{ cpuUsPerRequest: cpu, rps }]
const cell = (ratio) => ({
  'http-n26-express-none': subject(20, 30000),
  'http-n26-express-floor': subject(20.5, 29800),
  'http-n26-express-floor2': subject(20.6, 29700),
  'http-n26-express-ours': subject(22, 29000),
  'http-n26-express-sentry': subject(40, 20000),
  'http-n26-express-ratio': ratio
})
const base = { floorCpu: 1.02, oursCpu: 1.1, sentryCpu: 2, floor: 0.99, ours: 0.97, sentry: 0.66, floorAddedUs: 0.5, oursAddedUs: 2, oursOverFloorUs: 1.5, oursVsFloor: 0.98, floorAgainOverFloorUs: 0.1, floorAgainVsFloor: 1 }
const row = (text) => text.split('\n').find((l) => l.startsWith('| Express 5'))

t.test('the user and system parts of ours over the floor, and of the floor again: medians of the rounds', async (t) => {
  const rounds = [0.4, 0.6, 0.9].map((user, i) => ({ ...base, oursOverFloorUserUs: user, oursOverFloorSystemUs: [1.2, -0.3, 0.8][i], floorAgainOverFloorUserUs: [0.1, -0.2, 0][i], floorAgainOverFloorSystemUs: [0.5, 0.2, -0.4][i] }))
  const [title, text] = renderFigure('http', cell(rounds))
  t.match(title, /^8\./)
  t.match(text, /ours over floor: user; system \(µs\)/)
  t.match(row(text), /\| 0\.6; 0\.8\s*\| 0\.0; 0\.2\s*\|$/, 'each part is its own median (0.6 of 0.4/0.6/0.9; 0.8 of 1.2/−0.3/0.8), not a split of the total')
  t.match(text, /system CPU \(the kernel's/, 'the text says what the system part is')
})

t.test('rounds measured before the split: the two columns are empty', async (t) => {
  const [, text] = renderFigure('http', cell([base, base, base]))
  t.match(row(text), /\| 1\.000×\s*\|\s*\|\s*\|$/, 'no user or system numbers for rounds that did not record them')
  t.notMatch(row(text), /n\/a|NaN|undefined/)
})
