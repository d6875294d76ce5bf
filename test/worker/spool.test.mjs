// The disk spool: outages, 5xx storms and 429 windows end in delivery, not loss.
import t from 'tap'
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorTracker, startCollector } from 'xrayradar'
import { setup, runFixture, spoolFile, TOKEN } from '../helpers.mjs'
import { waitFor } from '../utils/time.mjs'

/** An ingest that is down (nothing listens on its port) until up() starts a collector there: one DSN origin throughout. */
const downIngest = async () => {
  const c = await startCollector()
  const { port } = c
  const dsn = c.dsn('77')
  await c.close()
  return { dsn, up: (opts = {}) => startCollector({ ...opts, port }) }
}

t.test('ingest down for the whole run: the process exits in time, events are on disk; the next process delivers them exactly once', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  const ingest = await downIngest()
  const first = await runFixture('spool-run.mjs', { env: { XRAYRADAR_DSN: ingest.dsn, XRAYRADAR_AUTH_TOKEN: TOKEN, SPOOL_DIR: dir, MODE: 'capture', COUNT: '100' } })
  const a = JSON.parse(first.stdout.trim().split('\n').pop())
  t.equal(first.code, 0)
  t.equal(a.stats.spooled, 100, 'all 100 spooled before exit')
  t.ok(first.ms < 2000 + 5000, `exited within shutdownTimeout plus a margin (${first.ms} ms)`)
  const files = readdirSync(dir)
  const texts = files.map((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
  const { origin } = new URL(ingest.dsn)
  t.ok(texts.every(([head]) => head === JSON.stringify({ xrayradar_spool: 2, origin, project: '77' })), 'each file starts with the target its events were captured for')
  const lines = texts.flatMap((l) => l.slice(1))
  t.equal(lines.length, 100, 'one event a line (a batch that failed together shares a file)')
  t.equal(statSync(dir).mode & 0o777, 0o700, 'spool directory is owner-only')
  t.equal(statSync(join(dir, files[0])).mode & 0o777, 0o600, 'spool files are owner-only')
  t.notOk(lines.some((l) => l.includes(TOKEN)), 'spooled events are scrubbed')
  t.ok(lines.every((l) => JSON.parse(l).exception.values[0].type === 'Error'))

  const collector = await ingest.up()
  t.teardown(() => collector.close())
  const second = await runFixture('spool-run.mjs', { env: { XRAYRADAR_DSN: collector.dsn('77'), SPOOL_DIR: dir, MODE: 'replay', EXPECT: '100' }, timeoutMs: 40000 })
  t.match(second.stdout, /left: 0/)
  const ids = new Set(collector.events.map((e) => e.event_id))
  t.equal(collector.events.length, 100)
  t.equal(ids.size, 100, 'exactly once')
  t.ok(collector.events.every((e) => e.message.startsWith('Error: spooled ')))
})

t.test('process.exit right after 1,000 captures to a slow ingest: what cannot be sent in time is spooled, the next process sends it', async (t) => {
  const dir = join(t.testdir({}), 'spool')
  // 300 ms per request: about a third can be sent within shutdownTimeout (2 s).
  const collector = await startCollector({ fault: { latencyMs: 300 } })
  t.teardown(() => collector.close())
  const first = await runFixture('spool-run.mjs', { env: { XRAYRADAR_DSN: collector.dsn('78'), SPOOL_DIR: dir, MODE: 'exit', COUNT: '1000' }, timeoutMs: 40000 })
  const a = JSON.parse(first.stdout.trim().split('\n').pop()).stats
  t.equal(first.code, 0)
  t.ok(first.ms < 2000 + 5000, `exited within shutdownTimeout plus a margin (${first.ms} ms)`)
  t.ok(a.spooled > 0, `the backlog the ingest could not take in time went to disk (${a.spooled})`)
  t.equal(a.delivered + a.spooled, 1000, `every event delivered or spooled before exit: ${JSON.stringify(a)}`)
  // Each file: the header naming the target, then one event a line.
  const spooledLines = readdirSync(dir).reduce((n, f) => n + readFileSync(join(dir, f), 'utf8').split('\n').length - 1, 0)
  t.equal(spooledLines, a.spooled, 'one event a line; at exit a file holds a batch')
  t.ok(readdirSync(dir).length < a.spooled, 'batched: fewer files than events')

  collector.setFault(null)
  const second = await runFixture('spool-run.mjs', { env: { XRAYRADAR_DSN: collector.dsn('78'), SPOOL_DIR: dir, MODE: 'replay', EXPECT: String(a.spooled) }, timeoutMs: 40000 })
  t.match(second.stdout, /left: 0/)
  t.equal(collector.counts['78'], 1000, 'all 1,000 at the collector')
  t.equal(new Set(collector.events.map((e) => e.event_id)).size, 1000, 'exactly once')
})

t.test('5xx for a few seconds, then 200: everything delivered', async (t) => {
  const dir = t.testdir({})
  const { collector, client } = await setup(t, { spool: true, spoolDir: dir, maxAttempts: 2 }, { fault: { status: 503 } })
  for (let i = 0; i < 50; i++) client.captureMessage(`storm ${i}`)
  t.equal(await client.flush(10000), true)
  t.equal(client.stats().spooled, 50)
  collector.setFault(null)
  t.ok(await waitFor(() => collector.events.length === 50, 15000), `all 50 arrived (${collector.events.length})`)
  t.equal(new Set(collector.events.map((e) => e.message)).size, 50)
  // The collector stores an event before the SDK hears back: wait for the counter too.
  t.ok(await waitFor(() => client.stats().spool.delivered === 50, 5000), `spool.delivered counts all 50 (${client.stats().spool.delivered})`)
})

t.test('429 with Retry-After: no store request inside the window, then everything delivered', async (t) => {
  const dir = t.testdir({})
  const { collector, client } = await setup(t, { spool: true, spoolDir: dir }, { fault: { status: 429, retryAfter: 2, count: 1 } })
  client.captureMessage('first')
  await client.flush(5000)
  for (let i = 0; i < 20; i++) client.captureMessage(`inside window ${i}`)
  t.equal(await client.flush(5000), true)
  t.ok(await waitFor(() => collector.events.length === 21, 15000), `all 21 arrived (${collector.events.length})`)
  const limitedAt = collector.requests[0].at
  t.equal(collector.requests[0].status, 429)
  t.ok(collector.requests.slice(1).every((r) => r.at - limitedAt >= 1900), 'nothing sent before Retry-After elapsed')
})

/** A collector, a spool directory holding files(dsn) (as [name, text] pairs), and a client replaying it. */
async function withSpool (t, files, options = {}, collectorOptions = {}) {
  const collector = await startCollector({ token: TOKEN, ...collectorOptions })
  const dsn = collector.dsn('42')
  const dir = t.testdir(Object.fromEntries(files(dsn)))
  const client = new ErrorTracker({ dsn, authToken: TOKEN, spool: true, spoolDir: dir, ...options })
  t.teardown(async () => {
    await client.close(100)
    await collector.close()
  })
  return { collector, client, dir }
}

const wireEvent = (message) => JSON.stringify({ event_id: message, timestamp: new Date().toISOString(), level: 'error', message, platform: 'javascript', sdk: { name: 'x', version: '1' }, contexts: { user: null, request: null, tags: {}, extra: {}, server_name: null, release: null, environment: 'e' }, breadcrumbs: [], fingerprint: [], modules: {} })

t.test('a batch file (one event a line, as spooled at exit): good lines sent, a truncated one counted; what the ingest refused to take yet stays on disk', async (t) => {
  const lines = ['b0', 'b1', 'b2', 'b3', 'b4'].map(wireEvent)
  // The first two requests fail (one attempt each): those two events must be kept, the rest not resent.
  const { collector, client, dir } = await withSpool(t, (dsn) => [spoolFile(dsn, [...lines, '{"event_id": "cut off'])], { maxAttempts: 1 }, { fault: { status: 503, count: 2 } })
  t.ok(await waitFor(() => client.stats().spool.delivered === 5, 20000), JSON.stringify(client.stats().spool))
  t.equal(client.stats().spool.corrupt, 1, 'the truncated line')
  t.same(collector.events.map((e) => e.message).sort(), ['b0', 'b1', 'b2', 'b3', 'b4'], 'each event exactly once')
  t.equal(collector.requests.filter((r) => r.status === 503).length, 2)
  t.same(readdirSync(dir), [], 'the file is gone once everything in it was sent')
})

t.test('a corrupt spool file is skipped and counted; a full spool drops and counts', async (t) => {
  const stamp = (d) => String(Date.now() - d).padStart(15, '0')
  const { collector, client, dir } = await withSpool(t, (dsn) => [
    spoolFile(dsn, ['{"truncated": '], { agoMs: 2000, tag: 'abc' }),
    spoolFile(dsn, [JSON.stringify({ event_id: 'x', timestamp: new Date().toISOString(), level: 'error', message: 'old but fine', platform: 'javascript', sdk: { name: 'x', version: '1' }, contexts: { user: null, request: null, tags: {}, extra: {}, server_name: null, release: null, environment: 'e' }, breadcrumbs: [], fingerprint: [], modules: {} })], { tag: 'def' })
  ], { spoolMaxAge: 3600 * 1000 })
  writeFileSync(join(dir, 'README'), 'not a spool file')
  // Half-written by a process that died mid-write two minutes ago: removed, never sent.
  const partial = join(dir, `${stamp(120000)}-1-3-tmp.json.tmp`)
  writeFileSync(partial, '{"half": ')
  utimesSync(partial, new Date(Date.now() - 120000), new Date(Date.now() - 120000))
  writeFileSync(join(dir, `${stamp(99 * 3600 * 1000)}-1-2-old.json`), '{}') // older than spoolMaxAge
  t.ok(await waitFor(() => client.stats().spool.corrupt === 1 && client.stats().spool.delivered === 1 && client.stats().spool.expired === 1, 10000), JSON.stringify(client.stats().spool))
  t.same(readdirSync(dir), ['README'], 'only the stranger is left (the stale partial file is gone)')
  t.equal(collector.events[0].message, 'old but fine')

  const full = await setup(t, { spool: true, spoolDir: t.testdir({}), spoolMaxBytes: 10, maxAttempts: 1 }, { fault: { status: 500 } })
  full.client.captureMessage('no room')
  await full.client.flush(5000)
  t.equal(full.client.stats().dropped.spool_full, 1)
})
