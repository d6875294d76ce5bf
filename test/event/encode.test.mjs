// The fast paths give exactly what the plain ones would.
import t from 'tap'
import { isoTime } from '../../dist/event/assemble.js'
import { encodeEvent } from '../../dist/worker/encode.js'

t.test('isoTime equals toISOString', async (t) => {
  const samples = [0, 1, 59999, 60000, 999, Date.UTC(2026, 10, 24, 23, 59, 59, 999), Date.now(), Date.now() + 61000, 1e12 + 7, 946684800000]
  for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 4e12))
  let bad = 0
  for (const ms of samples) if (isoTime(ms) !== new Date(ms).toISOString()) bad++
  t.equal(bad, 0, `${samples.length} timestamps`)
  t.match(isoTime(NaN), /^\d{4}-\d\d-\d\dT/, 'a bad timestamp becomes now')
})

t.test('encodeEvent equals JSON.stringify, shared parts cached', async (t) => {
  const frames = [{ filename: 'a.js', function: 'f', lineno: 1, colno: 2, abs_path: '/a.js', in_app: true, context_line: 'x', pre_context: ['"quoted"'], post_context: [] }]
  const crumb = { timestamp: '2026-01-01T00:00:00.000Z', message: 'c \u0001 "q"', category: null, level: 'info', data: { k: [1, 2] }, type: 'default' }
  const event = (msg) => ({
    event_id: 'id', timestamp: 't', level: 'error', message: msg, platform: 'javascript', sdk: { name: 'n', version: 'v' },
    contexts: { user: null, request: null, tags: {}, extra: { e: 1 }, server_name: null, release: null, environment: 'e' },
    breadcrumbs: [crumb, crumb],
    fingerprint: ['x'],
    modules: {},
    exception: { values: [{ type: 'E', value: 'v', module: null, stacktrace: { frames } }, { type: 'F', value: 'w', module: null, stacktrace: null }] }
  })
  for (const msg of ['plain', '\u0001-breadcrumbs\u0001', '"\u0001x-frames-0\u0001"']) {
    const e = event(msg)
    t.equal(encodeEvent(e), JSON.stringify(e), JSON.stringify(msg))
  }
  const noException = event('m')
  delete noException.exception
  t.equal(encodeEvent(noException), JSON.stringify(noException))
})
