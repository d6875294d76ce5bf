// Spooled events reach the project they were captured for, and no other: services
// with different DSNs sharing one spoolDir, one service whose DSN changed across
// restarts, and records written before spool files named their target. Real
// processes, one real collector per ingest (its project ids are the projects),
// real files.
import t from 'tap'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startCollector } from 'xrayradar'
import { runFixture } from '../helpers.mjs'

const run = async (t, env) => {
  const r = await runFixture('spool-target.mjs', { env, timeoutMs: 60000 })
  const last = r.stdout.trim().split('\n').pop()
  t.equal(r.code, 0, `fixture exited 0: ${r.stderr}`)
  return { ...r, out: JSON.parse(last) }
}
const sorted = (a) => [...(a ?? [])].sort()
const spoolZero = { delivered: 0, rejected: 0, corrupt: 0, expired: 0 }

/** Event ids each project of a collector stored. */
function received (t, collector) {
  // The collector records a request's 200 and stores its event back to back: the nth 200 is the nth event.
  const ok = collector.requests.filter((r) => r.status === 200)
  t.equal(ok.length, collector.events.length, 'every stored event matched to its request')
  const by = {}
  ok.forEach((r, i) => { (by[r.project] ??= []).push(collector.events[i].event_id) })
  return by
}

/** The text of every file in the directory (each spooled event carries its id). */
const onDisk = (dir) => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n')

t.test('two services with different projects share a spoolDir: each replays only its own events, to its own project', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  const collector = await startCollector({ fault: { status: 503 } })
  t.teardown(() => collector.close())
  const A = { XRAYRADAR_DSN: collector.dsn('101'), XRAYRADAR_AUTH_TOKEN: 'token-of-service-a-0001', SPOOL_DIR: dir }
  const B = { XRAYRADAR_DSN: collector.dsn('102'), XRAYRADAR_AUTH_TOKEN: 'token-of-service-b-0002', SPOOL_DIR: dir }

  // The ingest is down: both services spool into the one directory, A first (its files are the oldest).
  const a = await run(t, { ...A, PREFIX: 'A', COUNT: '5' })
  t.equal(a.out.stats.spooled, 5, 'A spooled its 5')
  const b = await run(t, { ...B, PREFIX: 'B', COUNT: '3' })
  t.equal(b.out.stats.spooled, 3, 'B spooled its 3')
  t.equal(collector.events.length, 0)
  // Each file names its target in its first line: the DSN origin and project, never the token.
  const origin = new URL(collector.url).origin
  const heads = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8').split('\n')[0]))
  t.same(sorted(new Set(heads.map((h) => h.project))), ['101', '102'], 'both targets on disk')
  t.ok(heads.every((h) => h.xrayradar_spool === 2 && h.origin === origin && ['101', '102'].includes(h.project)), JSON.stringify(heads))
  t.notOk(/token-of-service/.test(onDisk(dir)), 'no token on disk')
  const aFiles = new Map(readdirSync(dir).filter((f, i) => heads[i].project === '101').map((f) => [f, statSync(join(dir, f)).mtimeMs]))

  // The ingest is back and B starts first. It lingers 2.5 s after sending its own: more replay passes over A's files.
  collector.setFault(null)
  const b2 = await run(t, { ...B, WAIT_DELIVERED: '3', WAIT_MS: '15000', LINGER_MS: '2500' })
  t.same(b2.out.stats.spool, { ...spoolZero, delivered: 3 }, "B sent its own 3; A's were neither sent nor counted")
  let got = received(t, collector)
  t.same(sorted(got['102']), sorted(b.out.ids), 'project B received exactly its own events')
  t.same((got['102'] ?? []).filter((id) => a.out.ids.includes(id)), [], "none of A's event ids reached project B")
  t.equal(got['101'], undefined, 'project A received nothing yet')
  const text = onDisk(dir)
  for (const id of a.out.ids) t.ok(text.includes(id), `A's event ${id} is still on disk`)
  for (const id of b.out.ids) t.notOk(text.includes(id), `B's event ${id} is gone from disk`)
  t.same(new Map(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs])), aFiles, "A's files untouched: same names, never claimed (a claim renames and touches a file)")

  // A process of A's target sends them, to A's project.
  const a2 = await run(t, { ...A, WAIT_DELIVERED: '5', WAIT_MS: '15000' })
  t.same(a2.out.stats.spool, { ...spoolZero, delivered: 5 })
  got = received(t, collector)
  t.same(sorted(got['101']), sorted(a.out.ids), "project A received exactly A's events")
  t.same(sorted(got['102']), sorted(b.out.ids), "project B still has only B's")
  t.same(readdirSync(dir), [], 'the directory is empty')
})

t.test('one service whose DSN project changed across restarts: the new project never gets the old one\'s events', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  const collector = await startCollector({ fault: { status: 503 } })
  t.teardown(() => collector.close())
  const token = { XRAYRADAR_AUTH_TOKEN: 'token-of-the-service-0003', SPOOL_DIR: dir }
  const before = { ...token, XRAYRADAR_DSN: collector.dsn('201') }
  const after = { ...token, XRAYRADAR_DSN: collector.dsn('202') }

  const r1 = await run(t, { ...before, PREFIX: 'before', COUNT: '4' })
  t.equal(r1.out.stats.spooled, 4)
  // Redeployed with the new DSN while the ingest is still down.
  const r2 = await run(t, { ...after, PREFIX: 'after', COUNT: '2' })
  t.equal(r2.out.stats.spooled, 2)
  collector.setFault(null)
  const r3 = await run(t, { ...after, PREFIX: 'after live', COUNT: '1', WAIT_DELIVERED: '2', WAIT_MS: '15000', LINGER_MS: '2500' })
  t.same(r3.out.stats.spool, { ...spoolZero, delivered: 2 }, 'its own 2 spooled events, nothing of the old project')
  t.equal(r3.out.stats.delivered, 1, 'and its live event')
  let got = received(t, collector)
  t.same(sorted(got['202']), sorted([...r2.out.ids, ...r3.out.ids]), 'project 202 received exactly its own')
  t.same((got['202'] ?? []).filter((id) => r1.out.ids.includes(id)), [], "none of project 201's event ids reached 202")
  t.equal(got['201'], undefined)
  const text = onDisk(dir)
  for (const id of r1.out.ids) t.ok(text.includes(id), `project 201's event ${id} waits on disk`)

  // Rolled back to the old DSN: its events go out, to its project.
  const r4 = await run(t, { ...before, WAIT_DELIVERED: '4', WAIT_MS: '15000' })
  t.same(r4.out.stats.spool, { ...spoolZero, delivered: 4 })
  got = received(t, collector)
  t.same(sorted(got['201']), sorted(r1.out.ids))
  t.equal(got['202'].length, 3, 'project 202 got nothing more')
  t.same(readdirSync(dir), [])
})

t.test('one service whose DSN origin changed (same project id, another ingest): the new ingest never gets the old one\'s events', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  const x = await startCollector({ fault: { status: 503 } })
  const y = await startCollector({ fault: { status: 503 } })
  t.teardown(() => Promise.all([x.close(), y.close()]))
  const token = { XRAYRADAR_AUTH_TOKEN: 'token-of-the-service-0004', SPOOL_DIR: dir }

  const r1 = await run(t, { ...token, XRAYRADAR_DSN: x.dsn('7'), PREFIX: 'to x', COUNT: '3' })
  t.equal(r1.out.stats.spooled, 3)
  const r2 = await run(t, { ...token, XRAYRADAR_DSN: y.dsn('7'), PREFIX: 'to y', COUNT: '2' })
  t.equal(r2.out.stats.spooled, 2)
  y.setFault(null) // x stays down
  const r3 = await run(t, { ...token, XRAYRADAR_DSN: y.dsn('7'), WAIT_DELIVERED: '2', WAIT_MS: '15000', LINGER_MS: '2500' })
  t.same(r3.out.stats.spool, { ...spoolZero, delivered: 2 })
  t.same(sorted(received(t, y)['7']), sorted(r2.out.ids), 'ingest y received exactly its own')
  t.same(y.events.filter((e) => r1.out.ids.includes(e.event_id)), [], "none of x's event ids reached y")
  t.equal(x.requests.filter((r) => r.status === 200).length, 0)

  x.setFault(null)
  const r4 = await run(t, { ...token, XRAYRADAR_DSN: x.dsn('7'), WAIT_DELIVERED: '3', WAIT_MS: '15000' })
  t.same(r4.out.stats.spool, { ...spoolZero, delivered: 3 })
  t.same(sorted(received(t, x)['7']), sorted(r1.out.ids))
  t.equal(y.events.length, 2, 'y got nothing more')
  t.same(readdirSync(dir), [])
})

/** A spool file as the SDK wrote it before records named their target: bare event bodies, one a line. */
function writeLegacy (dir, labels) {
  const ids = labels.map(() => randomBytes(16).toString('hex'))
  const bodies = labels.map((message, i) => JSON.stringify({ event_id: ids[i], timestamp: new Date().toISOString(), level: 'error', message, platform: 'node', sdk: { name: 'xrayradar.node', version: '0.1.0' }, contexts: { user: null, request: null, tags: {}, extra: {}, server_name: 'host', release: null, environment: 'production' }, breadcrumbs: [], fingerprint: ['{{ default }}'], modules: {} }))
  const name = `${String(Date.now() - 1000).padStart(15, '0')}-${process.pid}-0-${randomBytes(3).toString('hex')}.json`
  writeFileSync(join(dir, name), bodies.join('\n'), { mode: 0o600 })
  return ids
}

t.test('a record from before spool files named their target is replayed by the target its directory is keyed for, and dropped as spool.corrupt by any other', async (t) => {
  const collector = await startCollector()
  t.teardown(() => collector.close())
  const base = t.testdir({})
  const state = join(base, 'state')
  // The default location's last level is 16 hex of sha256(origin/project).
  const key = createHash('sha256').update(`${new URL(collector.url).origin}/301`).digest('hex').slice(0, 16)
  const keyed = join(state, 'xrayradar', 'spool', key)
  mkdirSync(keyed, { recursive: true, mode: 0o700 })

  // The target the directory is keyed for (its default location): sent, to its project.
  const mine = writeLegacy(keyed, ['legacy one', 'legacy two'])
  const own = await run(t, { XRAYRADAR_DSN: collector.dsn('301'), XDG_STATE_HOME: state, WAIT_DELIVERED: '2', WAIT_MS: '15000' })
  t.same(own.out.stats.spool, { ...spoolZero, delivered: 2 })
  t.same(sorted(received(t, collector)['301']), sorted(mine))
  t.same(readdirSync(keyed), [])

  // Another project pointed at that directory: not sent, removed and counted.
  const notTheirs = writeLegacy(keyed, ['legacy three'])
  const other = await run(t, { XRAYRADAR_DSN: collector.dsn('302'), SPOOL_DIR: keyed, WAIT_CORRUPT: '1', WAIT_MS: '8000', LINGER_MS: '2500' })
  t.same(other.out.stats.spool, { ...spoolZero, corrupt: 1 }, 'one event dropped, counted spool.corrupt')
  let got = received(t, collector)
  t.equal(got['302'], undefined, 'project 302 received nothing')
  t.same(collector.events.filter((e) => notTheirs.includes(e.event_id)), [], 'the legacy event reached no project')
  t.same(readdirSync(keyed), [], 'removed, so no later pass counts it again')

  // A directory keyed for no target (a spoolDir the user named, shared before): nobody can tell whose they are.
  const named = join(base, 'named-spool')
  mkdirSync(named, { mode: 0o700 })
  const unknown = writeLegacy(named, ['shared a', 'shared b'])
  const r = await run(t, { XRAYRADAR_DSN: collector.dsn('301'), SPOOL_DIR: named, WAIT_CORRUPT: '2', WAIT_MS: '8000', LINGER_MS: '2500' })
  t.same(r.out.stats.spool, { ...spoolZero, corrupt: 2 })
  got = received(t, collector)
  t.same(sorted(got['301']), sorted(mine), 'project 301 received only what was its own')
  t.same(collector.events.filter((e) => unknown.includes(e.event_id)), [])
  t.same(readdirSync(named), [])
})
