// Figure 8d's split of a CPU profile: every sample counted once, for the part its function is in.
import t from 'tap'
import { splitProfile, PARTS } from '../../bench/lib/profile-split.mjs'

const SDK = 'file:///app/node_modules/xrayradar/dist/'
const frame = (id, functionName, url) => ({ id, callFrame: { functionName, url, scriptId: String(id), lineNumber: 0, columnNumber: 0 } })
// One profile: root, idle, GC, an SDK function, Node's publish, AsyncLocalStorage's run, a
// framework function, a socket's native write under Node's stream code, and a native function
// called from elsewhere (a RegExp: the rest).
const profile = (samples, timeDeltas) => ({
  nodes: [
    frame(1, '(root)', ''),
    frame(2, '(idle)', ''),
    frame(3, '(garbage collector)', ''),
    frame(4, 'finishRecord', `${SDK}integrations/http/incoming.js`),
    frame(5, 'publish', 'node:diagnostics_channel'),
    frame(6, 'run', 'node:internal/async_local_storage/async_context_frame'),
    frame(7, 'handle', 'file:///app/node_modules/express/lib/router/layer.js'),
    frame(8, 'startRequest', `${SDK}integrations/http/incoming.js`),
    { ...frame(9, 'writevGeneric', 'node:internal/stream_base_commons'), children: [10, 13] },
    frame(10, 'writev', ''),
    frame(13, 'WriteWrap', ''),
    { ...frame(11, 'checkInvalidHeaderChar', 'node:_http_common'), children: [12] },
    frame(12, 'RegExp: [^\\t]', '')
  ],
  samples,
  timeDeltas
})

t.test('each sample counts for its part, for the time until the next sample; idle is left out', async (t) => {
  // Deltas: the time before each sample; a sample stands for the delta after it.
  const p = profile([4, 4, 8, 5, 6, 3, 7, 10, 12, 9, 13, 2], [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110])
  const s = splitProfile(p, SDK)
  t.same({ sdk: s.sdk, channel: s.channel, als: s.als, gc: s.gc, write: s.write, other: s.other }, { sdk: 10 + 20 + 30, channel: 40, als: 50, gc: 60, write: 80, other: 70 + 90 + 100 + 110 },
    "the native write under Node's stream code is the socket writes; another native there (new WriteWrap), another native function and the write's JS caller are the rest")
  t.equal(s.total, 660, 'the total is the parts, without the idle sample')
  t.same(s.top, [{ name: 'finishRecord (integrations/http/incoming.js)', us: 30 }, { name: 'startRequest (integrations/http/incoming.js)', us: 30 }], 'the SDK functions by self time')
})

t.test('without the SDK (the floor), its files count as nothing of its own', async (t) => {
  const s = splitProfile(profile([4, 7], [0, 5, 5]), null)
  t.equal(s.sdk, 0)
  t.equal(s.other, 10, 'with no SDK directory given, every file is the rest')
  t.same(s.top, [])
  t.same(PARTS, ['sdk', 'channel', 'als', 'gc', 'write', 'other'])
})

t.test('a real profile of this process: the parts add up and the SDK part is found by its URL', async (t) => {
  const { Session } = await import('node:inspector/promises')
  const { pathToFileURL } = await import('node:url')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  await session.post('Profiler.start')
  // Busy for ~50 ms in a function of this file, so samples land in it.
  const until = Date.now() + 50
  let n = 0
  while (Date.now() < until) n += Math.sqrt(n + 1)
  // Then writes to a loopback socket, corked in pairs as an HTTP response is (headers and body:
  // one writev), for ~100 ms, so samples land in Node's native write.
  const net = await import('node:net')
  const server = net.createServer((s) => s.resume())
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const socket = net.connect(server.address().port, '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  const chunk = Buffer.alloc(256, 1)
  const writeUntil = Date.now() + 100
  let writes = 0
  while (Date.now() < writeUntil && writes < 1e6) {
    socket.cork(); socket.write(chunk); socket.write(chunk); socket.uncork()
    writes++
    if (writes % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
  }
  const { profile: real } = await session.post('Profiler.stop')
  socket.destroy()
  server.close()
  session.disconnect()
  const here = pathToFileURL(import.meta.dirname ?? new URL('.', import.meta.url).pathname).href + '/'
  const s = splitProfile(real, here)
  t.ok(s.sdk > 10000, `the busy loop's samples are under the given URL (${s.sdk} µs)`)
  t.ok(s.write > 0, `the socket's native writes are found in a real profile (${s.write} µs over ${writes} writes)`)
  t.equal(Math.round(s.total), Math.round(PARTS.reduce((a, p) => a + s[p], 0)))
  t.ok(n > 0)
})

t.test('figure 8d is rendered from the rounds, beside figure 8 of the same Node version', async (t) => {
  const { renderFigure } = await import('../../bench/lib/figures.mjs')
  t.equal(renderFigure('httpprof', {}), null, 'not run: no section')
  const round = (sdkUs, over) => ({ sdkUs, channelUs: 0.01, floorAlsUs: 0.2, oursAlsUs: 0.3, floorGcUs: 1, oursGcUs: 1.1, floorWriteUs: 5, oursWriteUs: 5 + over / 2, floorOtherUs: 10, oursOtherUs: 10 + over, floorTotalUs: 11.2, oursTotalUs: 11.4 + over, sampledOverFloorUs: 0.2 + over, sdkTop: [{ name: 'finishRecord (integrations/http/incoming.js)', us: sdkUs / 2 }, { name: 'startRequest (integrations/http/incoming.js)', us: sdkUs / 4 }] })
  const [title, text] = renderFigure('httpprof', {
    'httpprof-n24-express4': [round(0.3, 1), round(0.4, 2), round(0.5, 3)],
    'http-n24-express4-ratio': [{ oursOverFloorUs: 1.6 }]
  })
  t.match(title, /^8d\./)
  const row = text.split('\n').find((l) => l.startsWith('| Node 24 | Express 4'))
  t.match(row, /\| 0\.40 \(0\.30–0\.50\)\s*\|/, "the SDK's functions: median (min–max) of the rounds")
  t.match(row, /\| 1\.6\s*\|/, "figure 8's ours over floor for the same cell")
  t.match(row, /finishRecord 0\.20, startRequest 0\.10/, 'the largest functions, mean of rounds, without their file')
  t.match(row, /\| 5\.00 → 6\.00 \(5\.50–6\.50\)\s*\|/, 'the socket writes: floor → ours, each a median (min–max) of the rounds')
  const old = renderFigure('httpprof', { 'httpprof-n22-koa': [{ ...round(0.3, 1), floorWriteUs: undefined, oursWriteUs: undefined }] })[1]
  t.match(old.split('\n').find((l) => l.startsWith('| Node 22 | Koa')), /\| not split\s*\|/, 'rounds from before the split say so instead of a number')
  t.notOk(text.split('\n').some((l) => l.startsWith('| Node 26')), 'no row for a version not run')
})
