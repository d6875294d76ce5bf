// close() and exit while the ingest is down, answering 5xx or hung: what cannot be
// sent before the deadline is spooled (and sent by the next process), what cannot
// be spooled is counted; nothing stays pending.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:http'
import { startCollector } from 'xrayradar'
import { setup, runFixture, TOKEN } from '../helpers.mjs'
import { stderrOf } from '../utils/stderr.mjs'
import { deadDsn } from '../utils/collector.mjs'

const sum = (s) => s.delivered + s.spooled + Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.pending
// A spool file: the header naming its target (DSN origin and project), then one event a line.
const spooledLines = (dir) => readdirSync(dir).filter((f) => f.endsWith('.jsonl')).reduce((n, f) => n + readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).length - 1, 0)
/** The ingest back where it was down (the same port: spooled events are only sent to the origin they were captured for). */
const backAt = (dsn) => startCollector({ port: Number(new URL(dsn).port) })

// Each outage outlasts close(2000): connection refused and 500 go through p-retry's
// back-off (8 attempts: 100 + 200 + … + 5000 ms, ~11 s); a hung ingest holds 32
// requests while the rest wait in the limiter or the ring. (2 s rather than 1: the
// last quarter's second half, 250 ms, is what the cut events have to reach the disk
// on this loaded machine.)
const outages = {
  'connection refused': async () => ({ dsn: await deadDsn(), collector: null }),
  'every answer 500': async () => { const c = await startCollector({ token: TOKEN, fault: { status: 500 } }); return { dsn: c.dsn('42'), collector: c } },
  'hung ingest': async () => { const c = await startCollector({ token: TOKEN, fault: { status: 503, latencyMs: 60000 } }); return { dsn: c.dsn('42'), collector: c } }
}

for (const [name, make] of Object.entries(outages)) {
  t.test(`close(2000) with ${name}: all 100 spooled, none pending; the next process sends them exactly once`, async (t) => {
    const dir = join(t.testdir({}), 'spool')
    const { dsn, collector: down } = await make()
    if (down !== null) t.teardown(() => down.close())
    const { client } = await setup(t, { dsn, spool: true, spoolDir: dir, maxAttempts: 8 })
    for (let i = 0; i < 100; i++) client.captureException(new Error(`outage ${i}`))
    await client.close(2000)
    const s = client.stats()
    t.match(s, { captured: 100, delivered: 0, spooled: 100, pending: 0 }, JSON.stringify(s))
    t.equal(sum(s), 100)
    t.equal(spooledLines(dir), 100, 'one line per spooled event on disk')

    if (down !== null) await down.close()
    const up = await backAt(dsn)
    t.teardown(() => up.close())
    const next = await runFixture('spool-run.mjs', { env: { XRAYRADAR_DSN: up.dsn('42'), SPOOL_DIR: dir, MODE: 'replay', EXPECT: '100' }, timeoutMs: 40000 })
    t.match(next.stdout, /left: 0/)
    t.equal(up.events.length, 100, 'all 100 replayed')
    t.equal(new Set(up.events.map((e) => e.event_id)).size, 100, 'exactly once')
  })
}

t.test('close(500) with a hung ingest and no spool: every event counted, none pending', async (t) => {
  const collector = await startCollector({ token: TOKEN, fault: { status: 503, latencyMs: 60000 } })
  t.teardown(() => collector.close())
  const { client } = await setup(t, { dsn: collector.dsn('42') })
  for (let i = 0; i < 100; i++) client.captureMessage(`hung ${i}`)
  let ok
  const said = await stderrOf(async () => { ok = await client.close(500) })
  t.equal(ok, false, 'close says not everything was delivered in time')
  t.equal(said.filter((l) => /close\(500\) ended with 100 event\(s\) neither sent nor spooled.*shutdown_timeout/.test(l)).length, 1, 'said once on stderr')
  const s = client.stats()
  t.match(s, { captured: 100, delivered: 0, spooled: 0, pending: 0, dropped: { shutdown_timeout: 100 } }, JSON.stringify(s))
  t.equal(sum(s), 100)
})

// At exit: the fixture captures COUNT events, waits until the ingest has seen a request,
// calls process.exit(0) and prints stats() from an exit listener that runs after the SDK's.
async function failing () {
  const c = await startCollector({ fault: { status: 500 } })
  return { dsn: c.dsn('79'), waitUrl: `${c.url}/__xrayradar/requests`, close: () => c.close() }
}
async function hung () {
  // Never answers a store request; /arrivals says how many came.
  let arrivals = 0
  const held = new Set()
  const server = createServer((req, res) => {
    if (req.url === '/arrivals') { res.end(String(arrivals)); return }
    arrivals++
    held.add(res)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}`
  return { dsn: `${url}/79`, waitUrl: `${url}/arrivals`, close: () => { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)) } }
}
const exits = {
  'shutdownTimeout 2000 shorter than the retry schedule (every answer 500, 8 attempts: ~11 s)': { make: failing, timeout: '2000' },
  'a hung ingest (shutdownTimeout 2000)': { make: hung, timeout: '2000' }
}
for (const [name, { make, timeout }] of Object.entries(exits)) {
  t.test(`process.exit with ${name}: every event spooled before the process ends; the next process sends them`, async (t) => {
    const dir = join(t.testdir({}), 'spool')
    const down = await make()
    t.teardown(() => down.close())
    const first = await runFixture('exit-outage.mjs', { env: { XRAYRADAR_DSN: down.dsn, SPOOL_DIR: dir, COUNT: '200', SHUTDOWN_TIMEOUT: timeout, MAX_ATTEMPTS: '8', WAIT_URL: down.waitUrl }, timeoutMs: 40000 })
    t.equal(first.code, 0, first.stderr)
    const out = JSON.parse(first.stdout.trim().split('\n').pop())
    t.ok(out.sending > 0, 'the workers were sending when the process began to exit')
    const s = out.stats
    t.match(s, { captured: 200, delivered: 0, spooled: 200, pending: 0 }, JSON.stringify(s))
    t.equal(sum(s), 200)
    t.equal(spooledLines(dir), 200)

    await down.close()
    const up = await backAt(down.dsn)
    t.teardown(() => up.close())
    const second = await runFixture('spool-run.mjs', { env: { XRAYRADAR_DSN: up.dsn('79'), SPOOL_DIR: dir, MODE: 'replay', EXPECT: '200' }, timeoutMs: 40000 })
    t.match(second.stdout, /left: 0/)
    t.equal(up.counts['79'], 200, 'all 200 at the collector')
    t.equal(new Set(up.events.map((e) => e.event_id)).size, 200, 'exactly once')
  })
}

t.test('process.exit with a hung ingest and no spool: the events are counted shutdown_timeout and said once', async (t) => {
  const down = await hung()
  t.teardown(() => down.close())
  const r = await runFixture('exit-outage.mjs', { env: { XRAYRADAR_DSN: down.dsn, SPOOL_DIR: '', COUNT: '50', SHUTDOWN_TIMEOUT: '500', WAIT_URL: down.waitUrl }, timeoutMs: 40000 })
  t.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop())
  t.ok(out.sending > 0, 'the workers were sending when the process began to exit')
  t.match(out.stats, { captured: 50, delivered: 0, spooled: 0, pending: 0, dropped: { shutdown_timeout: 50 } }, JSON.stringify(out.stats))
  t.equal(r.stderr.match(/exited with 50 event\(s\) neither sent nor spooled.*shutdown_timeout/g)?.length, 1, r.stderr)
})
