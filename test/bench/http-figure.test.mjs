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

t.test('heap allocated per request: a table of per-round differences where the rounds counted it, none where they did not', async (t) => {
  const alloc = (bytes) => bytes.map((b, i) => ({ cpuUsPerRequest: 20 + i, rps: 30000, allocatedBytesPerRequest: b }))
  const counted = {
    ...cell([base, base, base]),
    'http-n26-express-none': alloc([12000, 12100, 12200]),
    'http-n26-express-floor': alloc([12100, 12150, 12400]),
    'http-n26-express-floor2': alloc([12150, 12100, 12400]),
    'http-n26-express-ours': alloc([12500, 12450, 12900]),
    'http-n26-express-sentry': alloc([20000, 20300, 20200])
  }
  const [, text] = renderFigure('http', counted)
  t.match(text, /Heap allocated per request \(bytes;/)
  const allocRow = row(text)
  // floor − none 100/50/200 → 100; floor again − floor 50/−50/0 → 0; ours − floor 400/300/500 → 400; sentry − none 8000/8200/8000 → 8000
  t.match(allocRow, /^\| Express 5 \| 12100 \(12000–12200\)\s*\| 100 \(50–200\)\s*\| 0 \(-50–50\)\s*\| 400 \(300–500\)\s*\| 8000 \(8000–8200\)\s*\|$/, 'each column the median (min–max) of its per-round differences')
  t.ok(text.indexOf('Heap allocated') < text.indexOf('no SDK: CPU µs/request'), 'before the CPU table')
  const none = { ...cell([base]), 'http-n26-express-none': alloc([null]), 'http-n26-express-ours': alloc([null]) }
  t.notMatch(renderFigure('http', none)[1], /Heap allocated/, 'rounds that counted nothing (Node before 26) get no table')
})
