// The spool's claims and its corrupt-line count, on real files: a file claimed by one
// replayer is never taken back by another while it is being sent, and a corrupt line
// is counted once, not once per pass.
import t from 'tap'
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Spool } from '../../dist/worker/spool.js'

const DAY = 24 * 3600 * 1000
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
  const a = new Spool(dir, 1 << 20, DAY)
  const b = new Spool(dir, 1 << 20, DAY)
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
  t.match(claimedWhileSending, [/\.json\.sending-\d+$/], 'A held the file under its claim while sending')
  t.equal(sentByB, 0, 'B did not take the claimed file back and send it again')
  t.equal(A.c.delivered, 3)
  t.equal(B.c.delivered, 0)
  t.same(readdirSync(dir), [], 'sent once, then removed')
})

t.test('a corrupt line is counted once, not again at every pass that puts the file back', async (t) => {
  const dir = spoolDir(t)
  const s = new Spool(dir, 1 << 20, DAY)
  const name = `${String(Date.now()).padStart(15, '0')}-1-0-abcdef.json`
  writeFileSync(join(dir, name), [event(1), '{"truncated":', event(2)].join('\n'), { mode: 0o600 })
  const { c, counters: cs } = counters()
  const later = async (bodies) => bodies.map(() => 'retry_later') // the ingest is still down
  await s.replay(later, cs, 16)
  t.equal(c.corrupt, 1, 'the truncated line is counted')
  await s.replay(later, cs, 16)
  await s.replay(later, cs, 16)
  t.equal(c.corrupt, 1, 'and only once over three passes')
  const files = readdirSync(dir)
  t.equal(files.length, 1, 'the events wait on disk')
  t.same(readFileSync(join(dir, files[0]), 'utf8').split('\n'), [event(1), event(2)], 'without the corrupt line')
  const { c: c2, counters: cs2 } = counters()
  await s.replay(async (bodies) => bodies.map(() => 'delivered'), cs2, 16)
  t.equal(c2.delivered, 2, 'both events sent once the ingest answers')
  t.equal(c2.corrupt, 0)
})
