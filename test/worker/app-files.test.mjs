// The files a worker reads for an event (a frame's context lines, a .map file,
// a map's sources) are regular files of the application, read without blocking
// and within bounds. Hostile maps and files are built here, captured in a child
// process by the real workers and delivered to the real collector; every child
// runs under a hard timeout (a worker stuck in a read keeps it alive) and a
// data-size cap (ulimit -d: an unbounded read of /dev/zero fails the child, not
// the machine; undici's WebAssembly reservations rule out ulimit -v).
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs'
import { join, relative } from 'node:path'
import { tmpdir } from 'node:os'
import { startCollector } from 'xrayradar'
import { TOKEN, fixture } from '../helpers.mjs'
import { runChild } from '../utils/child.mjs'
import { linesWith } from '../utils/stderr.mjs'

const CHILD = fixture('app-files/capture.mjs')
const HARD_TIMEOUT_MS = 30000
const SECRET = `s3cr3t-${process.pid}-${Date.now()}`
const PASSWD = readFileSync('/etc/passwd', 'utf8').split('\n').filter((l) => l.length > 8)

/**
 * A compiled-looking module `name`.js whose fail() throws on its line 2, and its
 * map: line 2 maps to line 1 of `source`, with no sourcesContent (so the source
 * is read from disk). mapName: where the comment points instead of name.js.map.
 */
function compiled (dir, name, source, { mapName = `${name}.js.map`, writeMap = true } = {}) {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}.js`)
  writeFileSync(file, `'use strict'\nexports.fail = function fail () { throw new Error('boom') }\n//# sourceMappingURL=${mapName}\n`)
  if (writeMap) writeFileSync(join(dir, mapName), JSON.stringify({ version: 3, file: `${name}.js`, sources: [source], names: [], mappings: ';AAAA' }))
  return file
}

const fifo = (path) => { execFileSync('mkfifo', [path]); return path }

/** Runs the child on args; resolves with what it printed, how it ended, and the events the collector got. */
async function run (t, args, { flags = [], env = {}, cwd = process.cwd() } = {}) {
  const collector = await startCollector({ token: TOKEN })
  t.teardown(() => collector.close())
  // tap's hook adds NODE_OPTIONS (with --enable-source-maps) to every child: removed, so the child runs as a service does.
  // Killed at HARD_TIMEOUT_MS (the test then fails with what it printed): it must end on its own.
  const { code, stdout, stderr } = await runChild('sh', ['-c', 'ulimit -d 3000000 2>/dev/null; exec env -u NODE_OPTIONS "$@"', 'sh', process.execPath, ...flags, CHILD, ...args], {
    cwd,
    // A short environment: /proc/self/environ is one line, and a context line is clipped at 300 characters.
    fullEnv: { PATH: process.env.PATH, SECRET_DB_PASSWORD: SECRET, XRAYRADAR_DSN: collector.dsn('9'), XRAYRADAR_AUTH_TOKEN: TOKEN, ...env },
    timeoutMs: HARD_TIMEOUT_MS
  })
  return { code, stdout, stderr, events: collector.events }
}

/** The child ended on its own (run's deadline), every capture was delivered, flush() said so and close() returned in time. */
function settled (t, r, count) {
  t.equal(r.code, 0, `exit code 0; stderr: ${r.stderr.slice(0, 2000)}`)
  t.match(r.stdout, /^flushed=true$/m, 'flush() returned true')
  const closed = /^closed-ms=(\d+)$/m.exec(r.stdout)
  t.ok(closed !== null && Number(closed[1]) < 5000, `close() returned (${closed?.[1]} ms)`)
  t.equal(r.events.length, count, 'every capture delivered')
  t.match(r.stdout, new RegExp(`"delivered":${count},`), 'stats() counts them delivered')
}

const top = (event) => event.exception.values[0].stacktrace.frames.at(-1)
const noContext = (t, frame, label) => {
  t.equal(frame.context_line, undefined, `${label}: no context line`)
  t.equal(frame.pre_context, undefined, `${label}: no pre_context`)
  t.equal(frame.post_context, undefined, `${label}: no post_context`)
}
const told = (stderr) => linesWith(stderr, 'not read')

t.test('a map naming /etc/passwd or /proc/self/environ: the frame keeps the mapped file and line, nothing of the file is sent', async (t) => {
  const dir = t.testdir()
  const files = [compiled(dir, 'passwd', '/etc/passwd'), compiled(dir, 'environ', '/proc/self/environ')]
  for (const flags of [[], ['--enable-source-maps']]) {
    const mode = flags.length > 0 ? 'Node maps' : 'workers map'
    const r = await run(t, files, { flags, env: { FIXTURE_DEBUG: '1' } })
    settled(t, r, 2)
    t.match(r.stdout, `node-maps=${flags.length > 0}`)
    const [passwd, environ] = r.events.map(top)
    t.match(passwd, { abs_path: '/etc/passwd', lineno: 1, function: 'fail' }, `${mode}: mapped to the file the map names`)
    t.match(environ, { abs_path: '/proc/self/environ', lineno: 1 }, `${mode}: mapped`)
    noContext(t, passwd, `${mode} /etc/passwd`)
    noContext(t, environ, `${mode} /proc/self/environ`)
    const sent = JSON.stringify(r.events)
    t.notOk(PASSWD.some((l) => sent.includes(l)), `${mode}: no line of /etc/passwd in the events`)
    t.notOk(sent.includes(SECRET), `${mode}: the child's environment is not in the events`)
    t.notOk(r.stderr.includes(SECRET) || PASSWD.some((l) => r.stderr.includes(l)), `${mode}: nor in its output`)
    const lines = told(r.stderr)
    t.equal(lines.length, 1, `${mode}: told once in debug: ${lines.join(' | ')}`)
    t.match(lines[0], /\/etc\/passwd .*not read/, 'the line names the refused file')
  }
})

t.test('FIFOs and devices never block a worker: delivery goes on, flush() is true, close() returns, the process exits', async (t) => {
  const dir = t.testdir({ src: { 'ok.ts': 'export function fail () { throw new Error("ok") }\n' } })
  const plain = compiled(dir, 'plain', 'src/ok.ts') // after each hostile one: the positive case, read and sent
  const cases = {
    'a .map file that is a FIFO': () => compiled(dir, 'fifomap', '', { mapName: 'fifomap.js.map', writeMap: false }),
    'a map source that is a FIFO': () => compiled(dir, 'fifosrc', 'pipe.ts'),
    'a map source /dev/zero': () => compiled(dir, 'zero', '/dev/zero'),
    'a stack naming a FIFO': () => `stack:${join(dir, 'stack.fifo')}`,
    'a stack naming /dev/zero': () => 'stack:/dev/zero'
  }
  fifo(join(dir, 'fifomap.js.map'))
  fifo(join(dir, 'pipe.ts'))
  fifo(join(dir, 'stack.fifo'))
  for (const [label, make] of Object.entries(cases)) {
    const r = await run(t, [make(), plain])
    settled(t, r, 2)
    if (r.events.length !== 2) continue
    t.equal(told(r.stderr).length, 0, `${label}: nothing told without debug`)
    const [hostile, after] = r.events.map(top)
    t.equal(after.abs_path, join(dir, 'src', 'ok.ts'), `${label}: the next event is mapped`)
    t.equal(after.context_line, 'export function fail () { throw new Error("ok") }', `${label}: and its source read`)
    if (label === 'a .map file that is a FIFO') {
      t.equal(hostile.abs_path, join(dir, 'fifomap.js'), `${label}: the frame stays compiled`)
      t.equal(hostile.context_line, "exports.fail = function fail () { throw new Error('boom') }", `${label}: context from the compiled file`)
    } else {
      noContext(t, hostile, label)
    }
  }
  // The working directory's package.json is read for the event's modules: a FIFO there must not block either.
  // (The module lives elsewhere: Node itself reads the package.json of a module it loads.)
  const root = t.testdir({ cwd: {}, mod: { 'package.json': '{}', 'app.js': "exports.fail = () => { throw new Error('x') }\n" } })
  fifo(join(root, 'cwd', 'package.json'))
  const r = await run(t, [join(root, 'mod', 'app.js')], { cwd: join(root, 'cwd') })
  settled(t, r, 1)
})

t.test('map sources outside the application are not read, not even next to the compiled file; inside it they are', async (t) => {
  const dir = t.testdir({ 'inside.ts': 'const where = "INSIDE-THE-APP"\n' })
  const out = realpathSync(mkdtempSync(join(tmpdir(), 'xr-outside-')))
  t.teardown(() => rmSync(out, { recursive: true, force: true }))
  writeFileSync(join(out, 'outside.ts'), 'const where = "OUTSIDE-THE-APP"\n')
  // A module outside the working directory and the entry script's package: neither its map nor its sources are read.
  for (const sub of ['src', 'dist']) mkdirSync(join(out, 'svc', sub), { recursive: true })
  writeFileSync(join(out, 'svc', 'dist', 'next.ts'), 'const where = "NEXT-TO-THE-LOADED-FILE"\n')
  writeFileSync(join(out, 'svc', 'src', 'above.ts'), 'const where = "ABOVE-THE-LOADED-FILE"\n')
  const files = [
    compiled(dir, 'outside', join(out, 'outside.ts')),
    compiled(dir, 'inside', 'inside.ts'),
    compiled(join(out, 'svc', 'dist'), 'next', 'next.ts'),
    compiled(join(out, 'svc', 'dist'), 'above', '../src/above.ts')
  ]
  const r = await run(t, files, { env: { FIXTURE_DEBUG: '1' } })
  settled(t, r, 4)
  const [outside, inside, next, above] = r.events.map(top)
  t.match(outside, { abs_path: join(out, 'outside.ts'), lineno: 1 }, 'outside: mapped')
  noContext(t, outside, 'a source in a tmp directory outside the app')
  t.match(inside, { abs_path: join(dir, 'inside.ts'), filename: relative(process.cwd(), join(dir, 'inside.ts')), lineno: 1, context_line: 'const where = "INSIDE-THE-APP"' }, 'a source under the working directory is read')
  t.match(next, { abs_path: join(out, 'svc', 'dist', 'next.js') }, 'a compiled file outside the app: its map is not read, the frame stays compiled')
  noContext(t, next, 'nor its own lines')
  t.match(above, { abs_path: join(out, 'svc', 'dist', 'above.js') }, 'the same for the other one')
  noContext(t, above, 'a source above the compiled file, outside the app')
  const sent = JSON.stringify(r.events)
  t.notMatch(sent, /OUTSIDE-THE-APP|ABOVE-THE-LOADED-FILE|NEXT-TO-THE-LOADED-FILE/, 'nothing of the outside files sent')
  const lines = told(r.stderr)
  t.equal(lines.length, 1, `told once in debug: ${lines.join(' | ')}`)
  t.match(lines[0], 'outside.ts', 'naming the first refused file')
  t.notMatch(r.stderr, /OUTSIDE-THE-APP/, 'not quoting it')
})

t.test('a stack naming a readable file outside the app (an error-like object, a rewritten stack): none of it is sent', async (t) => {
  const out = realpathSync(mkdtempSync(join(tmpdir(), 'xr-secret-')))
  t.teardown(() => rmSync(out, { recursive: true, force: true }))
  writeFileSync(join(out, 'token'), 'SERVICE-ACCOUNT-SECRET\n')
  const dir = t.testdir({ src: { 'ok.ts': 'export function fail () { throw new Error("ok") }\n' } })
  const r = await run(t, [`stack:${join(out, 'token')}`, compiled(dir, 'plain', 'src/ok.ts')])
  settled(t, r, 2)
  const [hostile, after] = r.events.map(top)
  t.equal(hostile?.abs_path, join(out, 'token'), 'the frame keeps its file and line')
  noContext(t, hostile, 'but not its content')
  t.notMatch(JSON.stringify(r.events), /SERVICE-ACCOUNT-SECRET/, 'the file is not sent')
  t.equal(after?.context_line, 'export function fail () { throw new Error("ok") }', 'an app file is still read')
})

t.test('in-process: where files may be read from, and how', async (t) => {
  const { AppFiles } = await import('../../dist/worker/app-files.js')
  const dir = realpathSync(t.testdir({
    app: { 'package.json': '{}', 'entry.js': '', 'a.ts': 'line 1\nline 2\n', sub: { 'b.ts': 'b\n' }, node_modules: { dep: { 'i.js': 'dep\n' } } },
    'sibling.ts': 'sibling\n',
    node_modules: { hoisted: { 'h.js': 'hoisted\n' } },
    other: { 'secret.txt': 'secret\n' }
  }))
  const app = join(dir, 'app')
  const files = new AppFiles({ cwd: app, entryScript: join(app, 'entry.js') })
  t.equal(files.refusal(join(app, 'a.ts')), null, 'under the working directory')
  t.equal(files.refusal(join(app, 'sub', 'b.ts')), null, 'below it')
  t.equal(files.refusal(join(app, 'node_modules', 'dep', 'i.js')), null, 'its node_modules')
  t.equal(files.refusal(join(dir, 'node_modules', 'hoisted', 'h.js')), null, "an ancestor's node_modules (Node resolves there)")
  t.equal(files.refusal(join(dir, 'sibling.ts')), 'outside', 'next to the app, not in it')
  t.equal(files.refusal(join(dir, 'other', 'secret.txt')), 'outside', 'next to a compiled file outside the app: no')
  t.equal(files.refusal('/etc/passwd'), 'outside')
  t.equal(files.refusal(join(app, '..', 'sibling.ts')), 'outside', 'a path with .. is resolved first')
  for (const p of ['/proc/self/environ', '/dev/zero', '/sys/kernel/notes']) t.equal(files.refusal(p), 'system', `${p}: never`)
  t.equal(files.refusal(join(app, 'x.ts')), null, "a frame's own file in the app")
  t.equal(files.refusal('/etc/passwd'), 'outside', "a path a stack names is text, not proof that Node loaded it: the app's roots only")
  t.equal(files.refusal('/proc/self/environ'), 'system', 'never under /proc')
  t.equal(new AppFiles({ cwd: '/', entryScript: null }).refusal('/etc/passwd'), 'outside', 'a working directory of / is no root')

  t.same(files.read(join(app, 'a.ts'), 1024), { text: 'line 1\nline 2\n' }, 'read')
  symlinkSync(join(dir, 'other', 'secret.txt'), join(app, 'link.ts'))
  t.same(files.read(join(app, 'link.ts'), 1024), { refused: 'outside' }, 'a link inside the app to a file outside it')
  symlinkSync('/proc/self/environ', join(app, 'env.ts'))
  t.same(files.read(join(app, 'env.ts'), 1024), { refused: 'system' }, 'a link to /proc')
  t.same(files.read(join(app, 'sub'), 1024), { refused: 'not_regular' }, 'a directory')
  t.same(files.read(fifo(join(app, 'p.ts')), 1024), { refused: 'not_regular' }, 'a FIFO, without blocking')
  t.same(files.read(join(app, 'missing.ts'), 1024), { missing: true })
  writeFileSync(join(app, 'big.ts'), Buffer.alloc(64, 97))
  t.same(files.read(join(app, 'big.ts'), 63), { refused: 'too_large' }, 'over the bound given')
  t.same(files.read(join(app, 'big.ts'), 64), { text: 'a'.repeat(64) })
})
