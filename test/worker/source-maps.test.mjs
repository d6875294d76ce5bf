// Source maps resolved in the delivery workers: TypeScript compiled by
// tsc (separate .map files) and bundled by esbuild (inline map), each run in a
// child process with and without --enable-source-maps, events captured by the
// real collector. Unit checks of the bounds run the worker module in-process.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { cpSync, readFileSync, writeFileSync, rmSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs'
import { join, relative } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { build } from 'esbuild'
import { startCollector, loadConfig, ErrorTracker } from 'xrayradar'
import { TOKEN, fixture } from '../helpers.mjs'
import { runChild, startChild, userCommand } from '../utils/child.mjs'
import { linesWith } from '../utils/stderr.mjs'
import { SourceMaps, MAX_MAP_BYTES } from '../../dist/worker/source-maps.js'
import { ContextLines } from '../../dist/worker/context-lines.js'
import { nodeMapsStacks } from '../../dist/pool/node-source-maps.js'
import { AppFiles } from '../../dist/worker/app-files.js'
import { RECHECK_MS } from '../../dist/worker/file-stamp.js'

const require = createRequire(import.meta.url)
const TSC = require.resolve('typescript/bin/tsc')
const SRC = fixture('sourcemaps/src')
const CHILD = fixture('sourcemaps/capture.mjs')
const FLAG = ['--enable-source-maps']
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Copies the TypeScript sources into dir/src and compiles them with tsc into dir/out (a .js.map next to each file). */
async function tsc (dir, extra = []) {
  mkdirSync(join(dir, 'src'), { recursive: true })
  cpSync(SRC, join(dir, 'src'), { recursive: true })
  await compile(dir, extra)
  return join(dir, 'out', 'fail.js')
}

async function compile (dir, extra = []) {
  await promisify(execFile)('env', ['-u', 'NODE_OPTIONS', process.execPath, TSC, '--outDir', join(dir, 'out'), '--rootDir', join(dir, 'src'), '--sourceMap', '--target', 'ES2022',
    '--module', 'commonjs', '--strict', ...extra, join(dir, 'src', 'fail.ts'), join(dir, 'src', 'checkout.ts')])
}

// tsc is slow to start (seconds on a busy machine): tests that only read its output share one compile.
let shared = null
const sharedTsc = () => (shared ??= (async () => { const dir = t.testdir(); return { dir, out: await tsc(dir) } })())

/** One CommonJS bundle with an inline map (sourcesContent included, esbuild's default). */
async function esbuild (dir, opts = {}) {
  mkdirSync(join(dir, 'src'), { recursive: true })
  cpSync(SRC, join(dir, 'src'), { recursive: true })
  const outfile = join(dir, 'dist', 'out.js')
  await build({ entryPoints: [join(dir, 'src', 'fail.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', sourcemap: 'inline', logLevel: 'error', ...opts })
  return outfile
}

/**
 * Runs the child on the compiled files; resolves with the events the collector got and
 * the child's output. between(i) runs after the i-th capture was delivered (a redeploy).
 */
async function run (t, files, { flags = [], env = {}, between = null } = {}) {
  const collector = await startCollector({ token: TOKEN })
  t.teardown(() => collector.close())
  // tap's hook adds a loader to NODE_OPTIONS of every child, and with it --enable-source-maps: removed, so
  // the child runs as a user's service does.
  const app = startChild(...userCommand([...flags, CHILD, ...files]), {
    env: { XRAYRADAR_DSN: collector.dsn('7'), XRAYRADAR_AUTH_TOKEN: TOKEN, FIXTURE_WAIT: between === null ? '0' : '1', ...env },
    stdin: 'pipe',
    timeoutMs: 60000
  })
  app.child.stdout.on('data', async () => {
    const m = /loaded (\d+)\n$/.exec(app.stdout())
    if (m === null || between === null) return
    try { await between(Number(m[1])) } catch (err) { t.error(err, 'the redeploy step') }
    app.child.stdin.write('go\n')
  })
  const { code, stdout, stderr } = await app.exited
  t.equal(code, 0, `child exited cleanly; stderr: ${stderr}`)
  t.match(stdout, `node-maps=${flags.includes(FLAG[0])}\n`, `Node maps stacks in the child only with ${FLAG[0]}`)
  t.equal(collector.events.length, files.length, 'one event per capture')
  return { events: collector.events, stderr }
}

const frames = (event) => event.exception.values[0].stacktrace.frames
/** What a worker may read, with dir as its working directory and the stacks unmapped by Node. */
const app = (dir) => new AppFiles({ cwd: dir, entryScript: null })
/** A worker's source maps over the app in dir, as a worker makes them at start-up. */
const maps = (dir, enabled = true) => { const files = app(dir); return new SourceMaps({ enabled, debug: false, cwd: dir }, files, new ContextLines(files, null)) }
const tsLines = (name) => readFileSync(join(SRC, name), 'utf8').split('\n')
/** 1-based line and column of `needle` in a fixture source (where V8 and Node point). */
function at (name, needle) {
  const lines = tsLines(name)
  const i = lines.findIndex((l) => l.includes(needle))
  return { lineno: i + 1, colno: lines[i].indexOf(needle) + 1, context_line: lines[i], pre_context: lines.slice(Math.max(0, i - 5), i), post_context: lines.slice(i + 1, i + 3) }
}

/** The three frames of the TypeScript code, newest first, as they must arrive. */
function checkTs (t, event, dir, label, entryAt) {
  const f = frames(event)
  const [top, handler, entry] = [f.at(-1), f.at(-2), f.at(-3)]
  const want = [
    [top, 'checkout.ts', at('checkout.ts', 'new Error(`cannot charge')],
    [handler, 'checkout.ts', at('checkout.ts', 'charge(order)')],
    // Where the entry frame points depends on the compiler (tsc calls (0, checkout_1.handle)(…)).
    [entry, 'fail.ts', at('fail.ts', entryAt)]
  ]
  for (const [frame, file, pos] of want) {
    t.equal(frame.abs_path, join(dir, 'src', file), `${label}: ${file} named, not the compiled .js`)
    t.equal(frame.filename, relative(process.cwd(), join(dir, 'src', file)))
    t.same([frame.lineno, frame.colno], [pos.lineno, pos.colno], `${label}: original line and column in ${file}`)
    t.equal(frame.context_line, pos.context_line, `${label}: context line from the TypeScript source`)
    t.same(frame.pre_context, pos.pre_context)
    t.same(frame.post_context, pos.post_context)
    t.equal(frame.in_app, true)
  }
  t.equal(top.function, 'Checkout.charge')
  // The default fingerprint (docs/grouping.md) names the original files and functions: the in-app frames, nearest first.
  const ts = (file) => relative(process.cwd(), join(dir, 'src', file))
  t.same(event.fingerprint, ['Error', `${ts('checkout.ts')} Checkout.charge`, `${ts('checkout.ts')} handle`, `${ts('fail.ts')} ${entry.function}`,
    'test/fixtures/sourcemaps/capture.mjs | try { mod.fail() } catch (err) { client.captureException(err) }'], `${label}: the default fingerprint follows the original frames`)
  t.match(entry.function, /^(Object\.)?fail$/, `${label}: the entry's name as V8 gives it`)
  t.notOk(f.some((x) => /\.js$/.test(x.abs_path ?? '') && x.abs_path.startsWith(dir)), `${label}: no frame left in the compiled output`)
}

t.test('tsc output with .map files: .ts frames, identical with and without --enable-source-maps', async (t) => {
  const { dir, out } = await sharedTsc()
  const plain = await run(t, [out])
  const flagged = await run(t, [out], { flags: FLAG })
  checkTs(t, plain.events[0], dir, 'workers map', "({ id: 'o-17'")
  checkTs(t, flagged.events[0], dir, 'Node maps', "({ id: 'o-17'")
  t.same(frames(plain.events[0]), frames(flagged.events[0]), 'both modes give the same frames')
  t.notMatch(plain.stderr + flagged.stderr, /source map/, 'no map problem told')
})

t.test('esbuild bundle with an inline map: .ts frames, identical in both modes; context from sourcesContent', async (t) => {
  const dir = t.testdir()
  const out = await esbuild(dir)
  t.match(readFileSync(out, 'utf8'), /\/\/# sourceMappingURL=data:application\/json;base64,/, 'the bundle carries its map inline')
  const plain = await run(t, [out])
  const flagged = await run(t, [out], { flags: FLAG })
  checkTs(t, plain.events[0], dir, 'workers map', "handle({ id: 'o-17'")
  checkTs(t, flagged.events[0], dir, 'Node maps', "handle({ id: 'o-17'")
  t.same(frames(plain.events[0]), frames(flagged.events[0]), 'both modes give the same frames')

  // Minified: function names come from the map's names, as Node takes them (the caller's call site).
  const min = await esbuild(t.testdir(), { minify: true })
  const [minPlain, minFlagged] = [await run(t, [min]), await run(t, [min], { flags: FLAG })]
  t.equal(frames(minPlain.events[0]).at(-2).function, 'handle', 'the original name, not the minified one')
  t.same(frames(minPlain.events[0]), frames(minFlagged.events[0]), 'minified: both modes give the same frames')

  // The sources are not deployed: the lines still come, from the map's sourcesContent.
  rmSync(join(dir, 'src'), { recursive: true })
  const gone = await run(t, [out])
  t.equal(frames(gone.events[0]).at(-1).context_line, at('checkout.ts', 'new Error(`cannot charge').context_line, 'context line from sourcesContent')
})

t.test('a service bundled with the SDK inside: the embedded workers map the bundle', async (t) => {
  // As test/package/bundle.test.mjs: sources next to a link to this package, the output run
  // from a directory with no node_modules above it.
  const work = mkdtempSync(join(tmpdir(), 'xr-sourcemaps-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  cpSync(SRC, join(work, 'src'), { recursive: true })
  mkdirSync(join(work, 'src', 'node_modules'))
  symlinkSync(fileURLToPath(new URL('../../', import.meta.url)), join(work, 'src', 'node_modules', 'xrayradar'), 'dir')
  const outfile = join(work, 'out', 'service.js')
  await build({ entryPoints: [join(work, 'src', 'service.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', sourcemap: 'inline', logLevel: 'error' })
  rmSync(join(work, 'src'), { recursive: true }) // deployed without its sources: context from sourcesContent
  const got = []
  for (const flags of [[], FLAG]) {
    const collector = await startCollector({ token: TOKEN })
    t.teardown(() => collector.close())
    const { code, stdout, stderr } = await runChild(...userCommand([...flags, outfile]), {
      cwd: join(work, 'out'), env: { XRAYRADAR_DSN: collector.dsn('8'), XRAYRADAR_AUTH_TOKEN: TOKEN }, timeoutMs: 60000
    })
    t.equal(code, 0, stderr)
    t.match(stdout, `node-maps=${flags.length > 0}\nflushed=true`, `delivered; Node maps only with ${FLAG[0]}`)
    const f = frames(collector.events[0])
    const want = at('checkout.ts', 'new Error(`cannot charge')
    t.equal(f.at(-1).abs_path, join(work, 'src', 'checkout.ts'), 'the .ts file, not the bundle')
    t.same([f.at(-1).lineno, f.at(-1).colno], [want.lineno, want.colno])
    t.equal(f.at(-2).abs_path, join(work, 'src', 'checkout.ts'))
    t.equal(f.at(-3).abs_path, join(work, 'src', 'fail.ts'))
    got.push(f)
  }
  t.equal(got[0].at(-1).context_line, at('checkout.ts', 'new Error(`cannot charge').context_line, 'workers: context from the map (the sources are not deployed)')
  t.same(got[0].map((f) => [f.abs_path, f.lineno, f.colno, f.function]), got[1].map((f) => [f.abs_path, f.lineno, f.colno, f.function]), 'the same frames as Node gives')
})

t.test('with --enable-source-maps the workers never map a second time', async (t) => {
  // out.js maps to mid/fail.js (Node maps one level); mid/fail.js has its own map to
  // the .ts. Mapped twice, frames would name the .ts; mapped once they name mid/.
  const { dir: built } = await sharedTsc()
  const dir = t.testdir()
  const mid = join(built, 'out', 'fail.js')
  const compiled = readFileSync(mid, 'utf8')
  // esbuild would follow mid's comment to the .ts: bundle without it, then put it back.
  const bare = join(built, 'bare') // its maps point at ../src, the TypeScript
  cpSync(join(built, 'out'), bare, { recursive: true })
  const outfile = join(dir, 'dist', 'out.js')
  await build({ entryPoints: [join(bare, 'fail.js')], outfile, bundle: true, platform: 'node', format: 'cjs', sourcemap: 'inline', sourcesContent: false, logLevel: 'error',
    plugins: [{ name: 'no-map-comments', setup (b) { b.onLoad({ filter: /\.js$/ }, (a) => ({ contents: readFileSync(a.path, 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, ''), loader: 'js' })) } }] })
  t.match(compiled, /sourceMappingURL=fail\.js\.map/, 'the middle file keeps its own map')
  t.ok(readFileSync(join(bare, 'checkout.js.map')), 'next to it')
  const plain = await run(t, [outfile])
  const flagged = await run(t, [outfile], { flags: FLAG })
  for (const [label, r] of [['workers map', plain], ['Node maps', flagged]]) {
    const top = frames(r.events[0]).at(-1)
    t.equal(top.abs_path, join(bare, 'checkout.js'), `${label}: one level, to the bundled input`)
    t.notMatch(top.abs_path, /\.ts$/, `${label}: not mapped a second time`)
  }
  t.same(frames(plain.events[0]), frames(flagged.events[0]), 'both modes give the same frames')
})

t.test('a missing, malformed or refused map leaves readable frames, told once in debug', async (t) => {
  const dir = t.testdir({ 'bad.js.map': '{"version":3,"mappings": not json', 'passwd.map': 'root:x:0:0' })
  const plain = readFileSync(fixture('sourcemaps/plain.js'), 'utf8')
  // The told line is about the first: a file that is not a map, whose content must not be quoted.
  const cases = ['passwd.map', 'missing.js.map', 'bad.js.map', 'https://maps.example.com/x.js.map', '/etc/passwd']
  const files = cases.map((url, i) => {
    const file = join(dir, `m${i}.js`)
    writeFileSync(file, `${plain}//# sourceMappingURL=${url}\n`)
    return file
  })
  const r = await run(t, files, { env: { FIXTURE_DEBUG: '1' } })
  const lines = plain.split('\n')
  r.events.forEach((event, i) => {
    const top = frames(event).at(-1)
    t.equal(top.abs_path, files[i], `${cases[i]}: the compiled file, as it is`)
    t.same([top.function, top.lineno, top.colno], ['Object.fail', 5, 9], `${cases[i]}: compiled line and column`)
    t.equal(top.context_line, lines[4], `${cases[i]}: context from the compiled file`)
  })
  const told = linesWith(r.stderr, 'source map')
  t.equal(told.length, 1, `one debug line for all the problems: ${told.join(' | ')}`)
  t.match(told[0], /the source map of .*m0\.js is not a valid source map \(not JSON\); its frames are sent as compiled/)
  t.notMatch(r.stderr, /root:x|Error: |internal_error/, 'nothing thrown, nothing of the refused file shown')
})

t.test('sourceMaps: false (XRAYRADAR_SOURCE_MAPS, source_maps) leaves JavaScript frames', async (t) => {
  const { dir, out } = await sharedTsc()
  const r = await run(t, [out], { env: { XRAYRADAR_SOURCE_MAPS: 'false' } })
  const top = frames(r.events[0]).at(-1)
  t.equal(top.abs_path, join(dir, 'out', 'checkout.js'), 'the compiled file')
  t.match(top.context_line, /throw new Error\(`cannot charge/)
  t.notSame(top.lineno, at('checkout.ts', 'new Error(`cannot charge').lineno, 'the compiled line, not the original')

  const conf = join(t.testdir({ 'x.yaml': 'source_maps: false\n' }), 'x.yaml')
  t.equal(loadConfig(conf).sourceMaps, false, 'source_maps in a config file')
  t.equal(new ErrorTracker({ sourceMaps: false }).options.sourceMaps, false)
  t.equal(new ErrorTracker({}).options.sourceMaps, true, 'on by default')
  t.throws(() => new ErrorTracker({ sourceMaps: 'no' }), { name: 'ConfigurationError', message: /sourceMaps must be true or false/ })
})

t.test('a redeployed file and map are read again', async (t) => {
  // --removeComments: the new .ts has three more lines but compiles to the same JS,
  // so the stack text is the same and only the map tells the lines apart.
  const dir = t.testdir()
  const out = await tsc(dir, ['--removeComments'])
  const js = readFileSync(join(dir, 'out', 'checkout.js'), 'utf8')
  const r = await run(t, [out, out], {
    between: async () => {
      // The worker read the files for the first event, before it was delivered: before now.
      const recheckDue = Date.now() + RECHECK_MS + 200
      const ts = join(dir, 'src', 'checkout.ts')
      writeFileSync(ts, '// v2\n// of the service\n// redeployed\n' + readFileSync(ts, 'utf8'))
      await compile(dir, ['--removeComments'])
      t.equal(readFileSync(join(dir, 'out', 'checkout.js'), 'utf8'), js, 'the compiled code is unchanged')
      // Files are re-checked at most once per RECHECK_MS: the compile usually outlasts that already.
      await sleep(recheckDue - Date.now())
    }
  })
  const want = at('checkout.ts', 'new Error(`cannot charge')
  const [before, after] = r.events.map((e) => frames(e).at(-1))
  t.equal(before.lineno, want.lineno, 'first deploy: the line in the first source')
  t.equal(after.lineno, want.lineno + 3, 'after the redeploy: the line in the new source')
  t.equal(after.context_line, want.context_line, 'context from the new source')
  t.same(after.pre_context.slice(-2), want.pre_context.slice(-2))
})

t.test('in-process: bounds and counts of the worker module', async (t) => {
  const dir = t.testdir({
    'huge.js': 'function f () { throw new Error() }\n//# sourceMappingURL=huge.js.map\n',
    'inline.js': 'function f () { throw new Error() }\n//# sourceMappingURL=data:text/html;base64,PGgxPg==\n',
    'nomap.js': 'function f () { throw new Error() }\n'
  })
  writeFileSync(join(dir, 'huge.js.map'), Buffer.alloc(MAX_MAP_BYTES + 1, 32))
  const frame = (file) => ({ filename: file, function: 'f', lineno: 1, colno: 17, abs_path: join(dir, file), in_app: true })
  const m = maps(dir)
  const before = m.counts()
  const fs = ['huge.js', 'inline.js', 'nomap.js'].map(frame)
  m.mapFrames(fs)
  t.same(fs, ['huge.js', 'inline.js', 'nomap.js'].map(frame), 'frames left as they were')
  const after = m.counts()
  t.equal(after.too_large - before.too_large, 1, 'a map over the cap is counted, not read')
  t.equal(after.refused - before.refused, 1, 'a data: URL that is not JSON is refused')
  t.equal(after.mapped, before.mapped, 'nothing mapped')
  m.mapFrames(['huge.js'].map(frame))
  t.equal(m.counts().too_large, after.too_large, 'a file is looked at once, not at every event')

  const node = { filename: 'node:internal/x', function: 'g', lineno: 1, colno: 1, abs_path: 'node:internal/x', in_app: false }
  m.mapFrames([node])
  t.equal(node.filename, 'node:internal/x', "Node's own frames are left")

  const { dir: built, out } = await sharedTsc()
  const off = [{ filename: 'x', function: 'x', lineno: 3, colno: 1, abs_path: out, in_app: true }]
  maps(built, false).mapFrames(off)
  t.equal(off[0].abs_path, out, 'off: not mapped')
  maps(built).mapFrames(off)
  t.match(off[0].abs_path, /fail\.ts$/, 'on: the same frame is mapped')
})

t.test('in-process: a dependency is mapped when its map is at hand, and stays out of the app', async (t) => {
  const dir = t.testdir({ node_modules: { dep: { src: { 'index.ts': "export function boom (): never {\n  const why: string = 'dep failed'\n  throw new Error(why)\n}\n" } } } })
  const pkg = join(dir, 'node_modules', 'dep')
  await build({ entryPoints: [join(pkg, 'src', 'index.ts')], outfile: join(pkg, 'dist', 'index.js'), platform: 'node', format: 'cjs', sourcemap: true, logLevel: 'error' })
  const bare = join(dir, 'node_modules', 'bare.js')
  writeFileSync(bare, "exports.boom = () => { throw new Error('no map') }\n")
  // tap runs this file with --enable-source-maps: off while the stack is made, so it is the compiled one.
  const stackOf = (file) => {
    const was = process.sourceMapsEnabled
    process.setSourceMapsEnabled(false)
    try { require(file).boom() } catch (err) { return err.stack.slice(err.stack.indexOf('\n    at ')) } finally { process.setSourceMapsEnabled(was) }
  }
  const { parseStack } = await import('../../dist/worker/stack.js')
  const compiled = stackOf(join(pkg, 'dist', 'index.js'))
  t.ok(compiled.includes(join(pkg, 'dist', 'index.js')), 'the stack names the compiled file')
  const mappedDep = parseStack(compiled, dir)
  const m = maps(dir)
  m.mapFrames(mappedDep)
  t.match(mappedDep.at(-1), { abs_path: join(pkg, 'src', 'index.ts'), lineno: 3, in_app: false }, "the package's map was at hand: its source, and not in the app")
  const plain = parseStack(stackOf(bare), dir)
  const before = m.counts()
  m.mapFrames(plain)
  t.match(plain.at(-1), { abs_path: bare, lineno: 1, in_app: false }, 'no map: as it was')
  t.same(m.counts(), before, 'a file without a comment is no problem, and nothing was mapped')
})

t.test('the main thread tells the workers when Node already maps', async (t) => {
  const proc = (over) => ({ env: {}, execArgv: [], ...over })
  t.equal(nodeMapsStacks(proc({ sourceMapsEnabled: true })), true)
  t.equal(nodeMapsStacks(proc({ sourceMapsEnabled: false, execArgv: ['--enable-source-maps'] })), false, 'process.sourceMapsEnabled is the answer where Node has it')
  t.equal(nodeMapsStacks(proc({ execArgv: ['--enable-source-maps'] })), true, 'else the flag')
  t.equal(nodeMapsStacks(proc({ env: { NODE_OPTIONS: '--max-old-space-size=100 --enable-source-maps' } })), true, 'in NODE_OPTIONS')
  t.equal(nodeMapsStacks(proc({ execArgv: [] })), false)
  t.equal(nodeMapsStacks(), process.sourceMapsEnabled)
})
