// The default fingerprint (docs/grouping.md): built in the workers from the in-app frames
// after source mapping and context lines. Express routes written as anonymous arrow
// functions in a compiled TypeScript file with a source map, served in child processes
// with and without --enable-source-maps; the rest through the real pipeline in-process.
import t from 'tap'
import { mkdirSync, readFile, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { createRequire } from 'node:module'
import { connect } from 'node:net'
import { build } from 'esbuild'
import { startCollector, withScope } from 'xrayradar'
import { TOKEN, fixture, setup } from '../helpers.mjs'
import { runChild, userCommand } from '../utils/child.mjs'
import { closedPort } from '../utils/servers.mjs'
import { framePart, stackParts, defaultFingerprint } from '../../dist/worker/grouping.js'

const require = createRequire(import.meta.url)
const FLAG = '--enable-source-maps'
const ROUTES_TS = readFileSync(fixture('grouping/routes.ts'), 'utf8')
const ROUTES = ['/orders', '/users', '/items', '/carts']
const frames = (event) => event.exception.values[0].stacktrace.frames
const squash = (line) => line.replace(/\s+/g, ' ').trim()

/** Writes the sources ({ name: text }) into dir/src and compiles each into dir/out with a .map file next to it; resolves with the paths of routes.ts and routes.js. */
async function compile (t, dir, sources) {
  mkdirSync(join(dir, 'src'), { recursive: true })
  for (const [name, text] of Object.entries(sources)) writeFileSync(join(dir, 'src', name), text)
  await build({ entryPoints: Object.keys(sources).map((n) => join(dir, 'src', n)), outdir: join(dir, 'out'), outbase: join(dir, 'src'), bundle: false, platform: 'node', format: 'cjs', target: 'node20', sourcemap: 'linked', logLevel: 'error' })
  const out = join(dir, 'out', 'routes.js')
  t.match(readFileSync(out, 'utf8'), /\/\/# sourceMappingURL=routes\.js\.map/, 'the compiled file names its map')
  return { ts: join(dir, 'src', 'routes.ts'), out }
}

/**
 * Serves the compiled app in a child process (flags before the script) run from the
 * app's directory, as a service runs from its root, and requests routes; resolves
 * with the events by route.
 */
async function serve (t, out, routes, flags = []) {
  const collector = await startCollector({ token: TOKEN })
  t.teardown(() => collector.close())
  // tap adds --enable-source-maps to NODE_OPTIONS of its children: removed, so the flag is only where asked.
  const { code, stdout, stderr } = await runChild(...userCommand([...flags, fixture('grouping/serve.mjs'), out]), {
    env: { XRAYRADAR_DSN: collector.dsn('9'), XRAYRADAR_AUTH_TOKEN: TOKEN, ROUTES: routes.join(',') },
    cwd: dirname(dirname(out)),
    timeoutMs: 60000
  })
  t.equal(code, 0, `child exited cleanly: ${stderr}`)
  t.match(stdout, `node-maps=${flags.includes(FLAG)}\nfailed=${routes.length}\nflushed=true\n`, `every route failed, all delivered; Node maps only with ${FLAG}`)
  t.equal(collector.events.length, routes.length, 'one event per failed request')
  const byRoute = new Map()
  for (const e of collector.events) {
    const list = byRoute.get(e.contexts.tags.route) ?? []
    list.push(e)
    byRoute.set(e.contexts.tags.route, list)
  }
  return byRoute
}

/** The line of source that throws in a route, and the fingerprint part naming it (src/routes.ts: relative to the app root). */
function throwPart (source, route) {
  const lines = source.split('\n')
  const start = lines.findIndex((l) => l.includes(`app.get('${route}'`))
  const i = lines.findIndex((l, k) => k >= start && l.includes('throw new Error'))
  return { part: `src/routes.ts | ${squash(lines[i])}`, lineno: i + 1 }
}

t.test('four anonymous arrow routes in compiled TypeScript: four fingerprints, the same with and without --enable-source-maps', async (t) => {
  const { ts, out } = await compile(t, t.testdir(), { 'routes.ts': ROUTES_TS })
  const asked = [...ROUTES, '/orders'] // the same route twice: the same line throws twice
  const plain = await serve(t, out, asked)
  const flagged = await serve(t, out, asked, [FLAG])
  for (const [label, byRoute] of [['workers map', plain], ['Node maps', flagged]]) {
    const fps = ROUTES.map((r) => byRoute.get(r)[0].fingerprint)
    t.equal(new Set(fps.map((f) => JSON.stringify(f))).size, 4, `${label}: four routes, four fingerprints: ${JSON.stringify(fps)}`)
    for (const route of ROUTES) {
      const e = byRoute.get(route)[0]
      const { part, lineno } = throwPart(ROUTES_TS, route)
      t.equal(frames(e).at(-1).abs_path, ts, `${label} ${route}: the frame names the .ts file`)
      t.equal(frames(e).at(-1).lineno, lineno, `${label} ${route}: at the throwing line`)
      t.same(e.fingerprint, ['Error', part], `${label} ${route}: the type, then the handler's file and the text of its line (the route's only in-app frame)`)
    }
    t.same(byRoute.get('/orders')[1].fingerprint, byRoute.get('/orders')[0].fingerprint, `${label}: the same line failing twice, one fingerprint`)
  }
  for (const route of ROUTES) {
    t.same(flagged.get(route)[0].fingerprint, plain.get(route)[0].fingerprint, `${route}: the same fingerprint in both modes`)
    t.same(frames(flagged.get(route)[0]), frames(plain.get(route)[0]), `${route}: the same frames in both modes`)
  }
})

t.test('a line added above the routes (a redeploy): every route keeps its fingerprint', async (t) => {
  const dir = t.testdir()
  const v1 = await compile(t, dir, { 'routes.ts': ROUTES_TS })
  const before = await serve(t, v1.out, ROUTES)
  // The same files, rewritten: one unrelated line more above every route.
  const edited = ROUTES_TS.replace('export function makeApp', 'export const API_VERSION = 2\n\nexport function makeApp')
  const v2 = await compile(t, dir, { 'routes.ts': edited })
  t.equal(v2.ts, v1.ts, 'the same file')
  for (const flags of [[], [FLAG]]) {
    const after = await serve(t, v2.out, ROUTES, flags)
    for (const route of ROUTES) {
      const [was, is] = [before.get(route)[0], after.get(route)[0]]
      t.equal(frames(is).at(-1).lineno, frames(was).at(-1).lineno + 2, `${flags.join(' ') || 'workers map'} ${route}: the line numbers moved`)
      t.same(is.fingerprint, was.fingerprint, `${flags.join(' ') || 'workers map'} ${route}: the fingerprint did not`)
    }
  }
})

t.test("docs/grouping.md's example gives the fingerprints its table shows, in both modes", async (t) => {
  const doc = readFileSync(new URL('../../docs/grouping.md', import.meta.url), 'utf8')
  const source = readFileSync(fixture('grouping/example/routes.ts'), 'utf8')
  // The doc's code is the fixture's: every line of it but the abridged import.
  const code = doc.match(/```ts\n([\s\S]*?)```/)[1].split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.includes('//'))
  t.ok(code.length >= 8)
  for (const line of code) t.ok(source.split('\n').some((l) => l.trim() === line), `the fixture has the doc's line: ${line}`)
  // Table rows: | `/route`, `/route` | `["fingerprint", …]` … |
  const rows = [...doc.matchAll(/^\| (`\/[^|]*?) \| `(\[.*?\])`/gm)].map(([, routes, fp]) => [[...routes.matchAll(/`([^`]+)`/g)].map((m) => m[1]), JSON.parse(fp.replaceAll('\\|', '|'))])
  t.equal(rows.length, 4, 'four rows')
  const routes = rows.flatMap(([r]) => r)
  const { out } = await compile(t, t.testdir(), { 'routes.ts': source, 'orders.ts': readFileSync(fixture('grouping/example/orders.ts'), 'utf8') })
  for (const flags of [[], [FLAG]]) {
    const byRoute = await serve(t, out, routes, flags)
    for (const [asked, fp] of rows) {
      for (const route of asked) t.same(byRoute.get(route)[0].fingerprint, fp, `${flags.join(' ') || 'workers map'} ${route}: as the doc shows`)
    }
  }
  t.equal(new Set(rows.map(([, fp]) => JSON.stringify(fp))).size, 4, 'four issues')
})

// --- in-process, through the real pipeline ---

const callers = require(fixture('grouping/callers.js'))
const CALLERS = 'test/fixtures/grouping/callers.js'
const HERE = 'test/worker/grouping.test.mjs'

/** Calls fn(arg) and captures what it throws; returns the event id. Named, and every case goes through one line of it, so this file's frames are the same for all. */
function captureFrom (client, fn, arg) {
  try { fn(arg) } catch (err) { return client.captureException(err) }
  throw new Error('the fixture did not throw')
}

/** The events of these ids, in that order (several workers deliver: arrival order is not capture order). */
function inOrder (collector, ids) {
  return ids.map((id) => collector.events.find((e) => e.event_id === id))
}

/** Captures each [fn, arg] from one call line; resolves with the fingerprints, in order. */
async function fingerprints (t, cases, options = {}) {
  const { collector, client } = await setup(t, options)
  const ids = []
  for (const [fn, arg] of cases) ids.push(captureFrom(client, fn, arg))
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, cases.length)
  return inOrder(collector, ids).map((e) => e.fingerprint)
}

t.test('a named function: its file and name, then its callers; a line number takes no part', async (t) => {
  const [orders, users, first, second] = await fingerprints(t, [
    [callers.fromOrders], [callers.fromUsers], [callers.twice, false], [callers.twice, true]
  ])
  t.same(orders.slice(0, 3), ['Error', `${CALLERS} failHere`, `${CALLERS} fromOrders`], 'the type, the function that threw, its caller')
  t.same(orders.slice(3, 4), [`${HERE} captureFrom`], 'then the callers in this file, nearest first')
  t.notOk(orders.some((p) => /node_modules|node:/.test(p)), 'no frame of a dependency or of Node takes part')
  t.notSame(users, orders, 'the same helper reached from another function: another fingerprint')
  t.same(users.slice(0, 3), ['Error', `${CALLERS} failHere`, `${CALLERS} fromUsers`])
  t.same(second, first, 'one caller calling from two lines: one fingerprint')
  t.same(first.slice(0, 3), ['Error', `${CALLERS} failHere`, `${CALLERS} twice`])
})

t.test('a function of one name in two files: two fingerprints', async (t) => {
  const orders = require(fixture('grouping/orders.js'))
  const users = require(fixture('grouping/users.js'))
  const [a, b] = await fingerprints(t, [[orders.validate, {}], [users.validate, {}]])
  t.notSame(a, b, 'validate() of orders.js and of users.js are two issues')
  t.same(a.slice(0, 2), ['TypeError', 'test/fixtures/grouping/orders.js validate'])
  t.same(b.slice(0, 2), ['TypeError', 'test/fixtures/grouping/users.js validate'])
  t.same(a.slice(2), b.slice(2), 'and nothing else differs')
})

t.test('frames outside the app and the depth of a recursion take no part', async (t) => {
  // Depths whose frames all fit in V8's 10-frame stack (docs/grouping.md: a deeper one hides callers).
  const [viaLib, viaArray, shallow, deep] = await fingerprints(t, [
    [callers.through, true], [callers.through, false], [callers.descend, 1], [callers.descend, 3]
  ])
  t.same(viaArray, viaLib, 'through a dependency or through Array.prototype.forEach: one fingerprint')
  t.same(viaLib.slice(0, 3), ['Error', `${CALLERS} failHere`, `${CALLERS} through`])
  t.same(deep, shallow, 'thrown 2 or 4 calls deep: one fingerprint')
  t.same(shallow.slice(0, 4), ['Error', `${CALLERS} failHere`, `${CALLERS} descend`, `${HERE} captureFrom`], 'a recursion counts once')
})

t.test('an anonymous function: its file and the text of its line; without the text, its file alone', async (t) => {
  const [anon] = await fingerprints(t, [[callers.makeAnonymous()]])
  t.same(anon.slice(0, 3), ['Error', `${CALLERS} | return () => { throw new Error('anonymous failed') }`, `${HERE} captureFrom`], 'whitespace collapsed, trimmed')

  // The file is gone by the time the worker reads it: no context line.
  const dir = t.testdir({ 'gone.js': "'use strict'\nexports.make = function make () {\n  return () => { throw new Error('gone') }\n}\nexports.named = function named () { throw new Error('gone') }\n" })
  const gone = require(join(dir, 'gone.js'))
  const anonymous = gone.make()
  rmSync(join(dir, 'gone.js'))
  const { collector, client } = await setup(t)
  const ids = []
  for (const fn of [anonymous, gone.named]) ids.push(captureFrom(client, fn))
  t.equal(await client.flush(5000), true)
  const events = inOrder(collector, ids)
  const file = relative(process.cwd(), join(dir, 'gone.js'))
  const top = events.map((e) => e.exception.values[0].stacktrace.frames.at(-1))
  t.same(top.map((f) => [f.filename, f.function, f.context_line]), [[file, null, undefined], [file, 'named', undefined]], 'no context line, one frame without a name')
  t.same(events[0].fingerprint.slice(0, 3), ['Error', file, `${HERE} captureFrom`], 'anonymous and no line: the file alone')
  t.same(events[1].fingerprint.slice(0, 3), ['Error', `${file} named`, `${HERE} captureFrom`], 'a named function needs no line')
})

t.test('no frame in the app: every frame takes part; no frame at all: the message', async (t) => {
  const { collector, client } = await setup(t)
  // A refused connection to loopback: an error raised in Node's own code.
  const port = await closedPort()
  const refused = await new Promise((resolve) => connect(port, '127.0.0.1').on('error', resolve))
  const ids = [client.captureException(refused)]
  // An fs error given to a callback carries no frames.
  const missing = await new Promise((resolve) => readFile(join(t.testdir(), 'missing.txt'), resolve))
  t.notMatch(missing.stack, /\n\s+at /, 'the fs error has no frames')
  ids.push(client.captureException(missing))
  t.equal(await client.flush(5000), true)
  const [net, fs] = inOrder(collector, ids)
  const netFrames = net.exception.values[0].stacktrace.frames
  t.ok(netFrames.length > 0 && netFrames.every((f) => !f.in_app), 'the refused connection has frames, none in the app')
  t.same(net.fingerprint, ['Error', ...netFrames.toReversed().map((f) => f.function === null ? f.filename : `${f.filename} ${f.function}`)], 'its frames, nearest first, by file and function')
  t.ok(net.fingerprint.length > 1, 'more than the type')
  t.same(fs.fingerprint, ['Error', missing.message], 'no frames: the type and the message')
})

t.test('a fingerprint set by the user wins', async (t) => {
  const { collector, client } = await setup(t)
  const ids = [client.captureException(new Error('x'), { fingerprint: ['checkout', 'declined'] })]
  withScope((scope) => {
    scope.setFingerprint(['from', 'scope'])
    ids.push(captureFrom(client, callers.fromOrders))
  })
  ids.push(captureFrom(client, callers.fromOrders))
  t.equal(await client.flush(5000), true)
  const [option, scoped, plain] = inOrder(collector, ids).map((e) => e.fingerprint)
  t.same(option, ['checkout', 'declined'], 'given at capture: as given')
  t.same(scoped, ['from', 'scope'], 'set on the scope: as set')
  t.same(plain.slice(0, 2), ['Error', `${CALLERS} failHere`], 'outside that scope, nothing given: the default')
})

t.test('beforeSend sees no default fingerprint; the workers make it after, the same as without beforeSend', async (t) => {
  const seen = []
  const got = []
  for (const options of [{}, { beforeSend (event) { seen.push([...event.fingerprint]); return event } }]) got.push((await fingerprints(t, [[callers.fromOrders]], options))[0])
  t.same(seen, [[]], 'beforeSend saw an empty fingerprint')
  t.same(got[1], got[0], 'the same fingerprint with and without it')
  t.same(got[0].slice(0, 3), ['Error', `${CALLERS} failHere`, `${CALLERS} fromOrders`])
})

// --- the function itself, on frames no stack would give ---

t.test('parts: anonymous names, normalised lines, dependencies, bounds', async (t) => {
  const f = (o) => ({ filename: 'src/a.ts', function: null, lineno: 1, colno: 1, abs_path: '/srv/src/a.ts', in_app: true, ...o })
  t.equal(framePart(f({ function: 'Cart.total' })), 'src/a.ts Cart.total')
  t.equal(framePart(f({ function: 'Cart.total', context_line: 'x()' })), 'src/a.ts Cart.total', 'a named function: its line takes no part')
  t.equal(framePart(f({ context_line: '\t  return  a\t+ b  ' })), 'src/a.ts | return a + b', 'whitespace collapsed, trimmed')
  t.equal(framePart(f({ function: 'Object.<anonymous>', context_line: 'boot()' })), 'src/a.ts | boot()', "a module's top-level code is anonymous")
  t.equal(framePart(f({ function: 'Object.<anonymous>' })), 'src/a.ts Object.<anonymous>', 'no line: the name it has')
  t.equal(framePart(f({ context_line: '   ' })), 'src/a.ts', 'a blank line: the file alone')
  t.equal(framePart(f({ filename: 'src\\win\\a.ts', function: 'f' })), 'src/win/a.ts f', '/ separators')
  t.equal(framePart(f({ filename: '/x/node_modules/.pnpm/express@5.1.0/node_modules/express/lib/app.js', function: 'handle', in_app: false })), 'express/lib/app.js handle', 'a dependency from its package on')
  const long = (end) => f({ context_line: `call(${'x'.repeat(300)}${end})` })
  const [p1, p2] = [framePart(long('1')), framePart(long('2'))]
  t.equal(p1.length, 200, 'a long part is cut to 200 characters')
  t.not(p1, p2, 'two long lines differing past the cut still differ')
  t.equal(framePart(long('1')), p1, 'and the cut is stable')
  t.equal(p1.slice(0, 50), `src/a.ts | call(${'x'.repeat(34)}`)

  const frames = [f({ function: 'main' }), 7, null, ...Array.from({ length: 20 }, (_, i) => f({ function: `step${i}` })), f({ function: 'top' }), f({ function: 'top' })]
  const parts = stackParts(frames)
  t.equal(parts.length, 10, 'at most 10 frames take part')
  t.same(parts.slice(0, 3), ['src/a.ts top', 'src/a.ts step19', 'src/a.ts step18'], 'nearest the throw first; a repeated frame once; what is not a frame skipped')
  t.same(stackParts([f({ function: 'dep', in_app: false, filename: 'node:fs' })]), ['node:fs dep'], 'none in the app: every frame')
  t.same(defaultFingerprint({ message: 'Disk full', fingerprint: [] }), ['Disk full'], 'a message: the message')
  t.same(defaultFingerprint({ message: 'm', exception: { values: [{ type: 'E', value: 'v', module: 'mod', stacktrace: { frames: [f({ function: 'g' })] } }] } }), ['E', 'mod', 'src/a.ts g'], "the exception's module after its type")
  t.same(defaultFingerprint({ message: 'm', exception: { values: [{ type: 'E', value: 'v', module: null, stacktrace: null }] } }), ['E', 'v'], 'no stacktrace: the type and the message')
})
