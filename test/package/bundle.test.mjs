// Bundled services (docs/bundling.md): an app bundled with esbuild or webpack, CJS
// and ESM output, run from a directory with no node_modules above it, delivers with
// no configuration. The worker files are written to a private per-user directory,
// reused by the next run, and refused (with a fresh private copy used instead) when
// anything about that directory is not safely ours.
import t from 'tap'
import { appendFileSync, chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, parse } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import webpack from 'webpack'
import { startCollector } from 'xrayradar'
import { setup, fixture } from '../helpers.mjs'
import { runChild, lastJsonLine } from '../utils/child.mjs'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const EVENTS = 3 // what test/fixtures/bundle/app.* capture
const RUN_TIMEOUT_MS = 30000
const UID = process.getuid()

// Sources next to a link to this package (as in a project's node_modules); outputs elsewhere.
const work = mkdtempSync(join(tmpdir(), 'xr-bundle-test-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const src = join(work, 'src')
mkdirSync(join(src, 'node_modules'), { recursive: true })
symlinkSync(repo, join(src, 'node_modules', 'xrayradar'), 'dir')
for (const f of ['app.cjs', 'app.mjs']) cpSync(fixture(`bundle/${f}`), join(src, f))

const outDir = (name) => { const d = join(work, 'out', name); mkdirSync(d, { recursive: true }); return d }

async function esbuildApp (name, format) {
  const dir = outDir(name)
  const outfile = join(dir, format === 'esm' ? 'app.mjs' : 'app.cjs')
  await build({ entryPoints: [join(src, format === 'esm' ? 'app.mjs' : 'app.cjs')], bundle: true, platform: 'node', format, outfile, logLevel: 'error' })
  return outfile
}

function webpackApp (name, format) {
  const esm = format === 'esm'
  const dir = outDir(name)
  const filename = esm ? 'app.mjs' : 'app.cjs'
  return new Promise((resolve, reject) => {
    webpack({
      mode: 'production',
      target: 'node20.19',
      context: src,
      entry: esm ? './app.mjs' : './app.cjs',
      output: { path: dir, filename, module: esm, chunkFormat: esm ? 'module' : 'commonjs' },
      experiments: { outputModule: esm },
      optimization: { minimize: false },
      performance: { hints: false },
      infrastructureLogging: { level: 'error' }
    }, (err, stats) => {
      if (err) return reject(err)
      if (stats.hasErrors()) return reject(new Error(stats.toString('errors-only')))
      resolve(join(dir, filename))
    })
  })
}

/** Runs a bundle in a child process from its own directory, with TMPDIR as the only place to write. */
async function run (file, { dsn, tmp, debug = false }) {
  const r = await runChild(process.execPath, [file], {
    cwd: dirname(file),
    env: { XRAYRADAR_DSN: dsn, TMPDIR: tmp, NODE_PATH: '', XR_DEBUG: debug ? '1' : '' },
    timeoutMs: RUN_TIMEOUT_MS
  })
  return { ...r, result: lastJsonLine(r.stdout) }
}

const collector = await startCollector()
t.teardown(() => collector.close())
let project = 100
const freshTmp = () => mkdtempSync(join(work, 'tmp-'))
const workerBase = (tmp) => join(tmp, `xrayradar-${UID}`)
const workerDirs = (tmp) => existsSync(workerBase(tmp)) ? readdirSync(workerBase(tmp)).filter((n) => n.startsWith('workers-')) : []
const fallbackDirs = (tmp) => readdirSync(tmp).filter((n) => n.startsWith('xrayradar-workers-'))

/** The run exited cleanly and every event was delivered: stats() exact, the collector agrees. */
function assertDelivered (t, r, projectId) {
  t.equal(r.code, 0, `exit code 0 (stderr: ${r.stderr.trim()})`)
  t.ok(r.result, 'the app printed its stats')
  if (!r.result) return
  const { ok, stats } = r.result
  t.equal(ok, true, 'flush() settled everything')
  t.equal(stats.captured, EVENTS)
  t.equal(stats.delivered, EVENTS, 'every event delivered')
  t.equal(stats.pending, 0, 'nothing left pending')
  t.equal(stats.spooled, 0)
  t.same(Object.entries(stats.dropped).filter(([, n]) => n !== 0), [], 'nothing dropped')
  t.equal(collector.counts[projectId], EVENTS, 'the collector stored exactly those events')
}

t.test('the output directories have no node_modules above them', async (t) => {
  for (let d = join(work, 'out'); ; d = dirname(d)) {
    t.notOk(existsSync(join(d, 'node_modules')), `${d} has no node_modules`)
    if (d === parse(d).root) break
  }
})

const bundlers = [
  ['esbuild', 'cjs', esbuildApp],
  ['esbuild', 'esm', esbuildApp],
  ['webpack', 'cjs', webpackApp],
  ['webpack', 'esm', webpackApp]
]
for (const [bundler, format, make] of bundlers) {
  t.test(`${bundler} ${format} bundle delivers with no configuration`, async (t) => {
    const file = await make(`${bundler}-${format}`, format)
    t.same(readdirSync(dirname(file)), [parse(file).base], 'the bundler emitted one file: no worker file was copied')
    const tmp = freshTmp()
    const id = String(project++)
    const r = await run(file, { dsn: collector.dsn(id), tmp })
    assertDelivered(t, r, id)
    t.equal(workerDirs(tmp).length, 1, 'the workers started from the written files')
    t.same(fallbackDirs(tmp), [], 'no temporary copy was needed (or left)')
  })
}

t.test('the next run reuses the written files (CJS then ESM)', async (t) => {
  const cjs = await esbuildApp('reuse-cjs', 'cjs')
  const esm = await esbuildApp('reuse-esm', 'esm')
  const tmp = freshTmp()
  const first = String(project++)
  assertDelivered(t, await run(cjs, { dsn: collector.dsn(first), tmp }), first)
  const [name] = workerDirs(tmp)
  const dir = join(workerBase(tmp), name)
  t.equal(statSync(workerBase(tmp)).mode & 0o777, 0o700, 'the per-user directory is owner-only')
  t.equal(statSync(dir).mode & 0o777, 0o700)
  const files = readdirSync(dir).sort()
  t.same(files, ['piscina.js', 'worker.js', 'xrayradar-worker.js'], 'three files, no temporary file left')
  const before = files.map((f) => statSync(join(dir, f)))
  for (const st of before) t.equal(st.mode & 0o777, 0o600, 'owner-only file')

  const second = String(project++)
  const r = await run(esm, { dsn: collector.dsn(second), tmp, debug: true })
  assertDelivered(t, r, second)
  t.notMatch(r.stderr, /refused|could not write/, 'nothing refused')
  t.same(workerDirs(tmp), [name], 'the same directory')
  const after = files.map((f) => statSync(join(dir, f)))
  for (let i = 0; i < files.length; i++) {
    t.equal(after[i].ino, before[i].ino, `${files[i]} was not rewritten (same inode)`)
    t.equal(after[i].mtimeMs, before[i].mtimeMs)
  }
  t.same(fallbackDirs(tmp), [])
})

/** Code that, if a worker ever loaded it, leaves a mark. */
const payload = (mark) => `\n;require('node:fs').writeFileSync(${JSON.stringify(mark)}, 'loaded');\n`

const tampers = [
  ['a modified file', /refused .*xrayradar-worker\.js was modified/, (dir, mark) => {
    appendFileSync(join(dir, 'xrayradar-worker.js'), payload(mark))
  }],
  ['a symlinked file', /refused .*piscina\.js is a symbolic link/, (dir, mark) => {
    const evil = join(dirname(dir), '..', 'evil-piscina.js')
    cpSync(join(dir, 'piscina.js'), evil)
    appendFileSync(evil, payload(mark))
    rmSync(join(dir, 'piscina.js'))
    symlinkSync(evil, join(dir, 'piscina.js'))
  }],
  ['a symlinked directory', /refused .*workers-[0-9a-f]+ is a symbolic link/, (dir, mark) => {
    const evil = join(dirname(dir), '..', 'evil-dir')
    renameSync(dir, evil)
    appendFileSync(join(evil, 'xrayradar-worker.js'), payload(mark))
    symlinkSync(evil, dir, 'dir')
  }],
  ['a directory others can write', /refused .*xrayradar-\d+ is writable by group or others \(mode 777\)/, (dir, mark) => {
    chmodSync(dirname(dir), 0o777)
    appendFileSync(join(dir, 'xrayradar-worker.js'), payload(mark))
  }],
  ['a file others can write', /refused .*worker\.js is writable by group or others \(mode 666\)/, (dir, mark) => {
    chmodSync(join(dir, 'worker.js'), 0o666)
    appendFileSync(join(dir, 'worker.js'), payload(mark))
  }]
]
if (UID === 0) {
  tampers.push(['a directory another user owns', /refused .*xrayradar-0 is owned by uid 4242, not 0/, (dir, mark) => {
    chownSync(dirname(dir), 4242, 4242)
    appendFileSync(join(dir, 'xrayradar-worker.js'), payload(mark))
  }])
}

t.test('a tampered worker directory is refused: said once, a private copy delivers', async (t) => {
  const file = await esbuildApp('tamper', 'cjs')
  for (const [what, message, tamper] of tampers) {
    t.test(what, async (t) => {
      const tmp = freshTmp()
      const first = String(project++)
      assertDelivered(t, await run(file, { dsn: collector.dsn(first), tmp }), first)
      const dir = join(workerBase(tmp), workerDirs(tmp)[0])
      const mark = join(tmp, 'payload-ran')
      tamper(dir, mark)

      const id = String(project++)
      const r = await run(file, { dsn: collector.dsn(id), tmp, debug: true })
      assertDelivered(t, r, id)
      t.match(r.stderr, message, 'the refusal is diagnosed')
      t.match(r.stderr, /the delivery workers start from .*xrayradar-workers-\w+ for this process instead/)
      t.equal(r.stderr.match(/\[xrayradar\] refused /g)?.length, 1, 'said once')
      t.notOk(existsSync(mark), 'nothing from the tampered directory ran')
      t.same(fallbackDirs(tmp), [], 'the private copy is removed at exit')
    })
  }
})

t.test('the installed package never loads the embedded worker copy', async (t) => {
  const { collector: c, client } = await setup(t)
  client.captureMessage('installed')
  t.equal(await client.flush(10000), true)
  t.equal(c.events.length, 1, 'delivered by the installed worker files')
  const require = createRequire(import.meta.url)
  const loaded = Object.keys(require.cache)
  t.ok(loaded.some((k) => k.endsWith(join('dist', 'pool', 'worker-entry.js'))), 'the entry chooser ran')
  t.notOk(loaded.some((k) => /embedded-worker\.js$|materialise\.js$/.test(k)), 'neither the embedded files nor their writer were loaded')
  t.ok(lstatSync(join(repo, 'dist', 'pool', 'embedded-worker.js')).size > 0, 'the embedded copy exists in the build')
})
