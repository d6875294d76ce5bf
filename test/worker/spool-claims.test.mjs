// The spool's claims and its corrupt-line count, on real files: a file claimed by one
// replayer is never taken back by another while it is being sent, a corrupt line
// is counted once, not once per pass, and another target's files are left alone
// until they expire.
import t from 'tap'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Spool } from '../../dist/worker/spool.js'
import { hasSpoolFiles } from '../../dist/shared/spool-target.js'
import { spoolFile } from '../helpers.mjs'

const DAY = 24 * 3600 * 1000
const TARGET = { origin: 'http://127.0.0.1:9', project: '5' }
const OTHER = { origin: 'http://127.0.0.1:9', project: '6' }
const dsnOf = (target) => `${target.origin}/${target.project}`
const header = (target) => JSON.stringify({ xrayradar_spool: 2, ...target })
const event = (i) => JSON.stringify({ event_id: `e${i}`, message: `m${i}` })
function counters () {
  const c = { delivered: 0, rejected: 0, corrupt: 0, expired: 0 }
  return { c, counters: { delivered: (n) => { c.delivered += n }, rejected: (n) => { c.rejected += n }, corrupt: (n) => { c.corrupt += n }, expired: (n) => { c.expired += n } } }
}
function spoolDir (t) {
  const dir = mkdtempSync(join(tmpdir(), 'xr-spool-claims-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('a file claimed for sending is not taken back by another replayer, however old the file', async (t) => {
  const dir = spoolDir(t)
  const a = new Spool(dir, 1 << 20, DAY, TARGET)
  const b = new Spool(dir, 1 << 20, DAY, TARGET)
  t.equal(a.writeBatch([event(1), event(2), event(3)]), 'spooled')
  // Written two minutes ago (an earlier run, or a long outage): older than a stale claim.
  const [name] = readdirSync(dir)
  const old = new Date(Date.now() - 120_000)
  utimesSync(join(dir, name), old, old)
  const A = counters()
  const B = counters()
  let sentByB = 0
  let claimedWhileSending = []
  await a.replay(async (bodies) => {
    claimedWhileSending = readdirSync(dir)
    // While A sends, B (another worker, or a process sharing the directory) makes its pass.
    await b.replay(async (more) => { sentByB += more.length; return more.map(() => 'delivered') }, B.counters, 16)
    return bodies.map(() => 'delivered')
  }, A.counters, 16)
  t.match(claimedWhileSending, [/\.[0-9a-f]{16}\.jsonl\.sending-\d+$/], 'A held the file under its claim while sending')
  t.equal(sentByB, 0, 'B did not take the claimed file back and send it again')
  t.equal(A.c.delivered, 3)
  t.equal(B.c.delivered, 0)
  t.same(readdirSync(dir), [], 'sent once, then removed')
})

t.test('a corrupt line is counted once, not again at every pass that puts the file back', async (t) => {
  const dir = spoolDir(t)
  const s = new Spool(dir, 1 << 20, DAY, TARGET)
  const [name, text] = spoolFile(dsnOf(TARGET), [event(1), '{"truncated":', event(2)], { agoMs: 0 })
  writeFileSync(join(dir, name), text, { mode: 0o600 })
  const { c, counters: cs } = counters()
  const later = async (bodies) => bodies.map(() => 'retry_later') // the ingest is still down
  await s.replay(later, cs, 16)
  t.equal(c.corrupt, 1, 'the truncated line is counted')
  await s.replay(later, cs, 16)
  await s.replay(later, cs, 16)
  t.equal(c.corrupt, 1, 'and only once over three passes')
  const files = readdirSync(dir)
  t.equal(files.length, 1, 'the events wait on disk')
  t.same(files, [name], 'under its name: its place in line')
  t.same(readFileSync(join(dir, files[0]), 'utf8').split('\n'), [header(TARGET), event(1), event(2)], 'without the corrupt line, still naming its target')
  const { c: c2, counters: cs2 } = counters()
  await s.replay(async (bodies) => bodies.map(() => 'delivered'), cs2, 16)
  t.equal(c2.delivered, 2, 'both events sent once the ingest answers')
  t.equal(c2.corrupt, 0)
})

const replayAll = (s, cs, maxFiles) => s.replay(async (bodies) => bodies.map(() => 'delivered'), cs, 16, () => false, maxFiles)

t.test("another target's files: not claimed, read, sent nor counted; removed and counted expired past spoolMaxAge", async (t) => {
  const dir = spoolDir(t)
  const theirs = new Spool(dir, 1 << 20, DAY, OTHER)
  for (let i = 0; i < 3; i++) t.equal(theirs.writeBatch([event(10 + i), event(20 + i)]), 'spooled')
  const before = new Map(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]))
  t.equal(hasSpoolFiles(dir, TARGET, DAY), false, 'nothing for this target: no worker is started for them')
  t.equal(hasSpoolFiles(dir, OTHER, DAY), true)

  const mine = new Spool(dir, 1 << 20, DAY, TARGET)
  const { c, counters: cs } = counters()
  let sent = 0
  const more = await mine.replay(async (bodies) => { sent += bodies.length; return bodies.map(() => 'delivered') }, cs, 16, () => false, 2)
  t.equal(more, false, 'their files do not fill maxFiles: no pass is asked for at once')
  t.equal(sent, 0)
  t.same(c, { delivered: 0, rejected: 0, corrupt: 0, expired: 0 })
  t.same(new Map(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs])), before, 'same names, never claimed (a claim touches the file)')

  // This target's own file among them is sent; theirs stay.
  t.equal(mine.writeBatch([event(1)]), 'spooled')
  await replayAll(mine, cs)
  t.equal(c.delivered, 1)
  t.same(new Set(readdirSync(dir)), new Set(before.keys()))

  // Past spoolMaxAge (here 1 h; the files were written 2 h ago): removed by whoever meets them, as any expired file.
  const old = join(dir, [...before.keys()][0])
  const aged = `${String(Date.now() - 2 * 3600 * 1000).padStart(15, '0')}${[...before.keys()][0].slice(15)}`
  writeFileSync(join(dir, aged), readFileSync(old), { mode: 0o600 })
  rmSync(old)
  const strict = new Spool(dir, 1 << 20, 3600 * 1000, TARGET)
  t.equal(hasSpoolFiles(dir, TARGET, 3600 * 1000), true, 'an expired file of theirs is work for this target')
  const e = counters()
  await replayAll(strict, e.counters)
  t.same(e.c, { delivered: 0, rejected: 0, corrupt: 0, expired: 2 }, 'its 2 events expired, the header not counted')
  t.equal(readdirSync(dir).length, 2, 'their two younger files stay')
  t.ok(readdirSync(dir).every((f) => before.has(f)))
})

t.test('a file from before targets in the directory keyed for this target: sent; what must wait is rewritten naming the target, in the same place in line', async (t) => {
  const base = spoolDir(t)
  const [keyed] = spoolFile(dsnOf(TARGET), [])
  const key = keyed.slice(-'0123456789abcdef.jsonl'.length, -'.jsonl'.length)
  const dir = join(base, 'xrayradar', 'spool', key)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const legacy = `${String(Date.now() - 1000).padStart(15, '0')}-1-0-abcdef.json`
  writeFileSync(join(dir, legacy), [event(1), event(2), event(3)].join('\n'), { mode: 0o600 })
  t.equal(hasSpoolFiles(dir, OTHER, DAY), true, 'another target has work too: dropping it')
  const s = new Spool(dir, 1 << 20, DAY, TARGET)
  const { c, counters: cs } = counters()
  let calls = 0
  // The first event goes through, then the ingest asks to wait.
  await s.replay(async (bodies) => bodies.map((_, i) => (calls++ === 0 && i === 0 ? 'delivered' : 'retry_later')), cs, 16)
  t.equal(c.delivered, 1)
  t.same(readdirSync(dir), [`${legacy.slice(0, -'.json'.length)}.${key}.jsonl`], 'the rest under the keyed name, same time prefix')
  t.same(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8').split('\n'), [header(TARGET), event(2), event(3)])
  await replayAll(s, cs)
  t.same(c, { delivered: 3, rejected: 0, corrupt: 0, expired: 0 })
  t.same(readdirSync(dir), [])
})

t.test("a file under this target's key that does not name it (no header, or another target's): never sent, counted corrupt", async (t) => {
  const dir = spoolDir(t)
  const [name] = spoolFile(dsnOf(TARGET), [], { tag: 'nohead' })
  writeFileSync(join(dir, name), [event(1), event(2)].join('\n'), { mode: 0o600 })
  const [name2] = spoolFile(dsnOf(TARGET), [], { tag: 'wrong1' })
  writeFileSync(join(dir, name2), [header(OTHER), event(3)].join('\n'), { mode: 0o600 })
  const s = new Spool(dir, 1 << 20, DAY, TARGET)
  const { c, counters: cs } = counters()
  let sent = 0
  await s.replay(async (bodies) => { sent += bodies.length; return bodies.map(() => 'delivered') }, cs, 16)
  t.equal(sent, 0)
  t.same(c, { delivered: 0, rejected: 0, corrupt: 3, expired: 0 }, 'each event line counted once')
  t.same(readdirSync(dir), [])
})
