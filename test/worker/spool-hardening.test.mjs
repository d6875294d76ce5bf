// The spool against what it can meet on disk: junk and oversized files, a directory
// it cannot write, and a directory, file or link another user could have planted.
// Real workers, real files, permissions and owners (run as root, the tests chown to uid 65534 and run
// the SDK as uid 65534 for a second user; those parts skip, saying so, where that
// is not permitted), real HTTP to the local collector, child processes for stderr.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCollector } from 'xrayradar'
import { resolveOptions } from '../../dist/config/options.js'
import { ensureSafeDir } from '../../dist/worker/safe-dir.js'
import { fixture, runFixture, spoolFile } from '../helpers.mjs'
import { runChild, startChild, lastJsonLine } from '../utils/child.mjs'
import { deadDsn } from '../utils/collector.mjs'
import { linesWith } from '../utils/stderr.mjs'

const OTHER_UID = 65534 // nobody: a second owner, which root can hand files to
const uid = process.getuid()
const stamp = (agoMs) => String(Date.now() - agoMs).padStart(15, '0')
const wireEvent = (message) => JSON.stringify({ event_id: message, timestamp: new Date().toISOString(), level: 'error', message, platform: 'javascript', sdk: { name: 'x', version: '1' }, contexts: { user: null, request: null, tags: {}, extra: {}, server_name: null, release: null, environment: 'e' }, breadcrumbs: [], fingerprint: [], modules: {} })
const run = async (env, timeoutMs = 60000) => {
  const r = await runFixture('spool-hardening.mjs', { env, timeoutMs })
  return { ...r, out: lastJsonLine(r.stdout) }
}
const spoolLines = (stderr) => linesWith(stderr, 'spool directory')
const canChown = (path) => { try { chownSync(path, OTHER_UID, OTHER_UID); return true } catch { return false } }
const mode = (path) => lstatSync(path).mode & 0o7777
/** Writes a [name, text] spool file (see spoolFile) into dir. */
const put = (dir, [name, text], opts) => writeFileSync(join(dir, name), text, opts)

/** Runs the fixture as another user (uid 65534). Null when this process may not switch uid. */
async function runAs (env, uid = OTHER_UID) {
  let child
  try {
    child = startChild(process.execPath, [fixture('spool-hardening.mjs')], { uid, gid: uid, env, timeoutMs: 60000 })
  } catch { return null }
  const r = await child.exited.catch((err) => { if (err.code === undefined) throw err; return null }) // a code: it could not start
  if (r === null) return null
  // Not the exit code: tap's process hook in the child cannot write its record as that uid.
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'))
  return { stderr: r.stderr, out: line ? JSON.parse(line) : null }
}

t.test('8.5 junk files: 80 MB of lines, a 20 MiB line: read only as far as a batch reaches, counted once, removed; live and real events delivered', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  mkdirSync(dir, { mode: 0o700 })
  const collector = await startCollector()
  t.teardown(() => collector.close())
  // JSON lines that are not events: the old reader split all 10 million of them in memory.
  // Named as this target's files, so that they are read (with a name from before targets they would be too).
  const [junk] = spoolFile(collector.dsn('91'), [], { agoMs: 3000, tag: 'junk' })
  writeFileSync(join(dir, junk), Buffer.alloc(80 * 1024 * 1024, '{"a":1}\n'))
  writeFileSync(join(dir, `${stamp(2000)}-1-1-oneline.json`), Buffer.alloc(20 * 1024 * 1024, 'x'))
  put(dir, spoolFile(collector.dsn('91'), [wireEvent('from the spool')], { tag: 'real' }))
  const r = await run({ XRAYRADAR_DSN: collector.dsn('91'), SPOOL_DIR: dir, COUNT: '5', WAIT_DELIVERED: '1', WAIT_CORRUPT: '2', WAIT_MS: '30000' })
  t.equal(r.code, 0, r.stderr)
  const { stats, flushed, maxRssMiB } = r.out
  t.equal(flushed, true)
  t.equal(stats.delivered, 5, 'the live events were delivered while the junk was in the way')
  t.same(stats.spool, { delivered: 1, rejected: 0, corrupt: 2, expired: 0 }, 'each junk file counted once; the real one sent')
  t.same(collector.events.map((e) => e.message).sort(), ['from the spool', 'live 0', 'live 1', 'live 2', 'live 3', 'live 4'], 'nothing of the junk reached the ingest')
  t.same(readdirSync(dir), [], 'junk removed (no claim left to be retried a minute later)')
  // Node with a worker takes ~100 MiB here; reading the 80 MB file whole took 2-5 GB.
  t.ok(maxRssMiB < 400, `peak RSS ${maxRssMiB} MiB`)
})

t.test('8.13 a file in the directory place: spool_error, one line, file untouched', async (t) => {
  const base = t.testdir({ 'in-the-way': 'a file' })
  for (const spoolDir of [join(base, 'in-the-way'), join(base, 'in-the-way', 'spool')]) {
    const r = await run({ XRAYRADAR_DSN: await deadDsn('91'), SPOOL_DIR: spoolDir, COUNT: '10', WORKERS: '2' })
    t.equal(r.code, 0, r.stderr)
    t.equal(r.out.stats.dropped.spool_error, 10, spoolDir)
    t.equal(r.out.stats.dropped.spool_full, 0)
    t.equal(r.out.stats.spooled, 0)
    const lines = spoolLines(r.stderr)
    t.equal(lines.length, 1, `one line for two workers and many batches: ${r.stderr}`)
    t.match(lines[0], spoolDir)
    t.match(lines[0], /spool_error/)
    t.match(lines[0], /in-the-way is a regular file, not a directory/)
    t.match(lines[0], /Choose another spoolDir/, 'the fix is another spoolDir')
    t.notMatch(lines[0], /Remove/, 'never advice to remove a file the SDK did not make')
    t.equal(readFileSync(join(base, 'in-the-way'), 'utf8'), 'a file')
  }
})

t.test('8.13 a parent that is a device, not a directory (/dev/null/x): the advice is another spoolDir', async (t) => {
  const r = await run({ XRAYRADAR_DSN: await deadDsn('91'), SPOOL_DIR: '/dev/null/x', COUNT: '3' })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.out.stats.dropped.spool_error, 3)
  const lines = spoolLines(r.stderr)
  t.equal(lines.length, 1, r.stderr)
  t.match(lines[0], /\/dev\/null is a character device, not a directory/)
  t.match(lines[0], /Choose another spoolDir/)
  t.notMatch(lines[0], /Remove/, 'never advice to remove /dev/null')
})

t.test('8.13 a write failing part-way (EFBIG, as ENOSPC): spool_error, no .tmp left', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  const dsn = await deadDsn('91')
  // ulimit -f counts 1024-byte blocks: 16 KiB, below one 20 KB event. Node ignores SIGXFSZ, so the write
  // fails with EFBIG part-way, as it would with ENOSPC (which root cannot provoke here). The child runs
  // without tap's preload (env -u NODE_OPTIONS): its exit hook writes a file too, hits the same limit
  // and crashes the child at exit on Node 26. The fixture ignores the signal itself (IGNORE_XFSZ).
  const r = await runChild('bash', ['-c', 'ulimit -f 16 && exec /usr/bin/env -u NODE_OPTIONS "$0" "$1"', process.execPath, fixture('spool-hardening.mjs')], {
    env: { IGNORE_XFSZ: '1', XRAYRADAR_DSN: dsn, SPOOL_DIR: dir, COUNT: '8', PAD: '20000' }, timeoutMs: 60000
  })
  t.equal(r.code, 0, `${r.signal} ${r.stderr}`)
  const { stats } = lastJsonLine(r.stdout)
  t.equal(stats.dropped.spool_error, 8, JSON.stringify(stats))
  t.equal(stats.dropped.spool_full, 0)
  t.equal(stats.spooled, 0)
  t.same(readdirSync(dir), [], 'the partial .tmp file was removed')
  const lines = spoolLines(r.stderr)
  t.equal(lines.length, 1, r.stderr)
  t.match(lines[0], /EFBIG/)
  t.match(lines[0], dir)
})

t.test('8.13 a directory this user may not write (a real second user): spool_error with EACCES and the fix', async (t) => {
  const base = t.testdir({})
  chmodSync(base, 0o755) // root's, readable by all, writable by root only
  const dir = join(base, 'spool')
  const r = await runAs({ XRAYRADAR_DSN: await deadDsn('91'), SPOOL_DIR: dir, COUNT: '3' })
  if (r === null) return t.skip('cannot run a process as another uid here')
  t.ok(r.out, r.stderr)
  t.equal(r.out.stats.dropped.spool_error, 3)
  t.equal(r.out.stats.dropped.spool_full, 0)
  const lines = spoolLines(r.stderr)
  t.equal(lines.length, 1, r.stderr)
  t.match(lines[0], /\(EACCES\): permission denied\. Make it writable by this user \(uid 65534\)/)
  t.equal(existsSync(dir), false)
})

t.test('8.13 over spoolMaxBytes stays spool_full, no spool_error', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  const r = await run({ XRAYRADAR_DSN: await deadDsn('91'), SPOOL_DIR: dir, COUNT: '4', SPOOL_MAX_BYTES: '10' })
  t.equal(r.out.stats.dropped.spool_full, 4)
  t.equal(r.out.stats.dropped.spool_error, 0)
  t.same(spoolLines(r.stderr), [])
  t.equal(mode(dir), 0o700, 'the directory was made, owner-only')
})

t.test('9.9 default location is per user (XDG state, XDG cache, ~/.cache, tmpdir/xrayradar-uid)', async (t) => {
  const base = t.testdir({ home: {}, state: {}, cache: {} })
  const dsn = 'https://abc@xrayradar.example/7'
  const at = (env) => resolveOptions({ dsn }, env).spoolDir
  const key = /\/xrayradar\/spool\/[0-9a-f]{16}$/
  t.match(at({ XDG_STATE_HOME: join(base, 'state'), XDG_CACHE_HOME: join(base, 'cache'), HOME: join(base, 'home') }), new RegExp(`^${join(base, 'state')}${key.source}`))
  t.match(at({ XDG_CACHE_HOME: join(base, 'cache'), HOME: join(base, 'home') }), new RegExp(`^${join(base, 'cache')}${key.source}`))
  t.match(at({ HOME: join(base, 'home') }), new RegExp(`^${join(base, 'home', '.cache')}${key.source}`), '~/.cache, created when missing')
  t.match(at({ XDG_CACHE_HOME: 'relative/cache', HOME: join(base, 'home') }), new RegExp(`^${join(base, 'home', '.cache')}`), 'a relative XDG path is ignored, as the XDG spec says')
  const noHome = at({ HOME: '/nonexistent' })
  t.equal(noHome.startsWith(join(tmpdir(), `xrayradar-${uid}`, 'spool') + '/'), true, `no usable home: ${noHome}`)
  t.equal(at({ HOME: join(base, 'home') }), at({ HOME: join(base, 'home') }), 'stable: the next process finds the same directory')
  t.not(at({ HOME: join(base, 'home') }), resolveOptions({ dsn: 'https://abc@xrayradar.example/8' }, { HOME: join(base, 'home') }).spoolDir, 'one directory per project')
  t.equal(resolveOptions({ dsn, spoolDir: '/given' }, { HOME: join(base, 'home') }).spoolDir, '/given')
})

t.test('9.9 two users with no home and one tmpdir: each spools into its own directory (the first no longer locks out the second)', async (t) => {
  const tmp = t.testdir({})
  chmodSync(tmp, 0o1777) // like /tmp
  const env = { TMPDIR: tmp, HOME: '/nonexistent', XDG_CACHE_HOME: '', XDG_STATE_HOME: '', XRAYRADAR_DSN: await deadDsn('91'), COUNT: '2' }
  const mine = await run(env)
  t.equal(mine.out.stats.spooled, 2, mine.stderr)
  const theirs = await runAs(env)
  if (theirs === null) return t.skip('cannot run a process as another uid here')
  t.equal(theirs.out?.stats.spooled, 2, theirs.stderr)
  t.same(readdirSync(tmp).sort(), [`xrayradar-${OTHER_UID}`, `xrayradar-${uid}`].sort())
  t.equal(lstatSync(join(tmp, `xrayradar-${OTHER_UID}`)).uid, OTHER_UID)
  t.equal(mode(join(tmp, `xrayradar-${OTHER_UID}`)), 0o700)
  t.equal(mode(join(tmp, `xrayradar-${uid}`)), 0o700)
})

t.test('9.9 default location created owner-only at each SDK level; next process replays it', async (t) => {
  const cache = join(t.testdir({}), 'cache') // missing: the SDK makes it
  // The ingest fails (503) for the first process and is back for the second: same DSN, same directory.
  const collector = await startCollector({ fault: { status: 503 } })
  t.teardown(() => collector.close())
  const first = await run({ XRAYRADAR_DSN: collector.dsn('91'), XDG_CACHE_HOME: cache, COUNT: '3' })
  t.equal(first.out.stats.spooled, 3, first.stderr)
  const [key] = readdirSync(join(cache, 'xrayradar', 'spool'))
  const dir = join(cache, 'xrayradar', 'spool', key)
  for (const level of [cache, join(cache, 'xrayradar'), join(cache, 'xrayradar', 'spool'), dir]) t.equal(mode(level), 0o700, level)
  t.ok(readdirSync(dir).length > 0)
  for (const f of readdirSync(dir)) t.equal(mode(join(dir, f)), 0o600, f)
  collector.setFault(null)
  const second = await run({ XRAYRADAR_DSN: collector.dsn('91'), XDG_CACHE_HOME: cache, WAIT_DELIVERED: '3', WAIT_MS: '20000' })
  t.equal(second.out.stats.spool.delivered, 3, second.stderr)
  t.same(collector.events.map((e) => e.message).sort(), ['live 0', 'live 1', 'live 2'])
  t.same(readdirSync(dir), [])
})

// A directory the SDK must refuse: nothing in it is read or sent, events that would be spooled are spool_error.
// plant(dsn) puts an event for the DSN's target where the SDK would read it from the directory.
const refuses = async (t, dir, problem, plant) => {
  const collector = await startCollector()
  t.teardown(() => collector.close())
  plant(collector.dsn('91'))
  // 3 s: longer than the replay start (50 ms) plus one period (2 s); the control test below shows the window suffices.
  const r = await run({ XRAYRADAR_DSN: collector.dsn('91'), SPOOL_DIR: dir, WAIT_DELIVERED: '1', WAIT_MS: '3000', COUNT: '2' })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.out.stats.spool.delivered, 0, 'nothing replayed')
  t.same(collector.events.map((e) => e.message).sort(), ['live 0', 'live 1'], 'the planted event never reached the ingest')
  const lines = spoolLines(r.stderr)
  t.equal(lines.length, 1, r.stderr)
  t.match(lines[0], `refusing the spool directory ${dir}`)
  t.match(lines[0], problem)
  // And what would have been spooled is counted spool_error, from a dead ingest.
  const dead = await run({ XRAYRADAR_DSN: await deadDsn('91'), SPOOL_DIR: dir, COUNT: '3' })
  t.equal(dead.out.stats.dropped.spool_error, 3)
  t.equal(dead.out.stats.spooled, 0)
}

t.test('9.9 control: a safe directory is replayed within the same window', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  mkdirSync(dir, { mode: 0o700 })
  const collector = await startCollector()
  t.teardown(() => collector.close())
  const [name, text] = spoolFile(collector.dsn('91'), [wireEvent('spooled before')])
  writeFileSync(join(dir, name), text, { mode: 0o600 })
  const r = await run({ XRAYRADAR_DSN: collector.dsn('91'), SPOOL_DIR: dir, WAIT_DELIVERED: '1', WAIT_MS: '3000' })
  t.equal(r.out.stats.spool.delivered, 1)
  t.same(spoolLines(r.stderr), [])
})

t.test('9.9 a directory pre-created 0777 is refused, left as found, forged event not sent', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  mkdirSync(dir)
  chmodSync(dir, 0o777)
  await refuses(t, dir, /writable by group or others \(mode 0777\)/, (dsn) => put(dir, spoolFile(dsn, [wireEvent('forged')])))
  t.equal(mode(dir), 0o777, 'not silently tightened: its content may already be tampered with')
  t.equal(readdirSync(dir).length, 1)
})

t.test('9.9 a spool directory that is a symbolic link is refused', async (t) => {
  const base = t.testdir({ elsewhere: {} })
  chmodSync(join(base, 'elsewhere'), 0o700)
  symlinkSync(join(base, 'elsewhere'), join(base, 'spool'))
  await refuses(t, join(base, 'spool'), /is a symbolic link/, (dsn) => put(join(base, 'elsewhere'), spoolFile(dsn, [wireEvent('forged')])))
})

t.test('9.9 a spool directory owned by another uid is refused', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  mkdirSync(dir, { mode: 0o700 })
  if (!canChown(dir)) return t.skip('chown to another uid is not permitted here')
  await refuses(t, dir, `owned by uid ${OTHER_UID}`, (dsn) => put(dir, spoolFile(dsn, [wireEvent('forged')])))
})

t.test("9.9 a spool-named link, FIFO, other uid's file, hard link: never read, removed, corrupt", async (t) => {
  const collector = await startCollector()
  t.teardown(() => collector.close())
  const dsn = collector.dsn('91')
  // Named as this target's files (a header inside would name it too); the link under a name from before targets.
  const named = (agoMs, tag) => spoolFile(dsn, [], { agoMs, tag })[0]
  const secret = spoolFile(dsn, [wireEvent('private file')])[1]
  const base = t.testdir({ 'private.json': secret })
  const dir = join(base, 'spool')
  mkdirSync(dir, { mode: 0o700 })
  symlinkSync(join(base, 'private.json'), join(dir, named(6000, 'link1')))
  symlinkSync(join(base, 'private.json'), join(dir, `${stamp(5000)}-1-0-link.json`))
  execFileSync('mkfifo', [join(dir, named(4000, 'fifo'))]) // the old reader blocked on it forever
  linkSync(join(base, 'private.json'), join(dir, named(3000, 'hard')))
  const foreign = join(dir, named(2000, 'other'))
  writeFileSync(foreign, spoolFile(dsn, [wireEvent('planted by another uid')])[1])
  const chowned = canChown(foreign)
  put(dir, spoolFile(dsn, [wireEvent('real')], { tag: 'real' }), { mode: 0o600 })
  const corrupt = chowned ? 5 : 4
  const r = await run({ XRAYRADAR_DSN: collector.dsn('91'), SPOOL_DIR: dir, COUNT: '1', WAIT_DELIVERED: '1', WAIT_CORRUPT: String(corrupt), WAIT_MS: '20000' })
  t.equal(r.code, 0, r.stderr)
  t.same(r.out.stats.spool, { delivered: 1, rejected: 0, corrupt, expired: 0 })
  t.equal(r.out.stats.delivered, 1, 'the live event went through meanwhile')
  t.same(collector.events.map((e) => e.message).sort(), ['live 0', 'real'])
  t.same(readdirSync(dir), [], 'every one removed')
  t.equal(readFileSync(join(base, 'private.json'), 'utf8'), secret, 'the link target is intact')
  t.equal(statSync(join(base, 'private.json')).nlink, 1, 'only the extra hard link went')
  if (!chowned) t.comment('chown not permitted: the other-uid case was not exercised')
})

t.test('safe-dir: ancestors and own levels on real directories', async (t) => {
  const base = t.testdir({})
  chmodSync(base, 0o755)
  // Created: every missing level owner-only.
  t.equal(ensureSafeDir(join(base, 'a', 'b', 'c')), true)
  for (const p of ['a', 'a/b', 'a/b/c']) t.equal(mode(join(base, p)), 0o700, p)
  // Missing and not to be created: false, nothing made.
  t.equal(ensureSafeDir(join(base, 'nope', 'x'), { create: false }), false)
  t.equal(existsSync(join(base, 'nope')), false)
  // An existing own level that others could only read is tightened; one others could write is refused.
  mkdirSync(join(base, 'readable'), { mode: 0o755 })
  chmodSync(join(base, 'readable'), 0o755)
  ensureSafeDir(join(base, 'readable'))
  t.equal(mode(join(base, 'readable')), 0o700)
  // Ancestors: group-writable (no sticky bit) refused; world-writable with the sticky bit (like /tmp) accepted.
  mkdirSync(join(base, 'shared'))
  chmodSync(join(base, 'shared'), 0o775)
  t.throws(() => ensureSafeDir(join(base, 'shared', 'spool')), { code: 'XRAYRADAR_UNSAFE_DIR', path: join(base, 'shared') })
  t.equal(existsSync(join(base, 'shared', 'spool')), false, 'nothing created under a refused level')
  mkdirSync(join(base, 'tmp'))
  chmodSync(join(base, 'tmp'), 0o1777)
  t.equal(ensureSafeDir(join(base, 'tmp', 'spool')), true)
  // With three own levels (the default layout), a pre-existing middle level must be ours and not writable by others.
  mkdirSync(join(base, 'c2', 'xrayradar', 'spool'), { recursive: true })
  chmodSync(join(base, 'c2', 'xrayradar'), 0o777)
  t.throws(() => ensureSafeDir(join(base, 'c2', 'xrayradar', 'spool', '0123456789abcdef'), { ownLevels: 3 }), { path: join(base, 'c2', 'xrayradar') })
  t.throws(() => ensureSafeDir(join(base, 'c2', 'xrayradar', 'spool', '0123456789abcdef'), { ownLevels: 1 }), { path: join(base, 'c2', 'xrayradar') }, 'as an ancestor too: others could swap what is below')
  chmodSync(join(base, 'c2', 'xrayradar'), 0o755)
  t.equal(ensureSafeDir(join(base, 'c2', 'xrayradar', 'spool', '0123456789abcdef'), { ownLevels: 3 }), true)
  t.equal(mode(join(base, 'c2', 'xrayradar')), 0o700, 'an own level only others could read is tightened')
  // A link on the way that resolves under a group-writable directory is refused by the resolved path.
  mkdirSync(join(base, 'open', 'real'), { recursive: true })
  chmodSync(join(base, 'open'), 0o777)
  symlinkSync(join(base, 'open', 'real'), join(base, 'via-link'))
  t.throws(() => ensureSafeDir(join(base, 'via-link', 'spool')), { path: join(base, 'open') })
  // Ancestors owned by another uid (neither us nor root).
  mkdirSync(join(base, 'theirs'))
  if (canChown(join(base, 'theirs'))) {
    t.throws(() => ensureSafeDir(join(base, 'theirs', 'spool')), { path: join(base, 'theirs'), message: /owned by uid 65534/ })
    t.throws(() => ensureSafeDir(join(base, 'theirs'), { create: false }), { message: /owned by uid 65534, not this process/ })
  } else t.comment('chown not permitted: the other-owner checks were not exercised')
})
