// Diagnostics agree with stats(): a line about undelivered events says what became of
// them (spooled, or dropped under which reason); losses and refusals are told once
// per kind even without debug; events kept on disk are not (nothing was lost).
import t from 'tap'
import { join } from 'node:path'
import { startCollector } from 'xrayradar'
import { runFixture } from '../helpers.mjs'
import { deadDsn } from '../utils/collector.mjs'
import { lastJsonLine } from '../utils/child.mjs'
import { sdkLines } from '../utils/stderr.mjs'

// The SDK's lines about outcomes: not the ones saying where it sends (debug) or that it is off.
const lines = (stderr) => sdkLines(stderr).filter((l) => !/sending to|disabled/.test(l))
const run = async (env) => {
  const r = await runFixture('outcome-lines.mjs', { env: { COUNT: '3', DEBUG: '', SPOOL_DIR: '', ...env }, timeoutMs: 40000 })
  return { ...r, stats: lastJsonLine(r.stdout), lines: lines(r.stderr) }
}

t.test('ingest unreachable, events spooled: the debug line says spooled, not dropped', async (t) => {
  const r = await run({ XRAYRADAR_DSN: await deadDsn(), SPOOL_DIR: join(t.testdir({}), 'spool'), DEBUG: '1' })
  t.equal(r.stats.spooled, 3, JSON.stringify(r.stats))
  t.equal(r.stats.dropped.network_error, 0)
  t.equal(r.lines.length, 1, r.stderr)
  t.match(r.lines[0], /could not reach http:\/\/127\.0\.0\.1:\d+ in 2 attempt\(s\)/)
  t.match(r.lines[0], /written to the disk spool/)
  t.notMatch(r.stderr, /dropped/)
})

t.test('ingest unreachable, events spooled, no debug: nothing lost, nothing said', async (t) => {
  const r = await run({ XRAYRADAR_DSN: await deadDsn(), SPOOL_DIR: join(t.testdir({}), 'spool') })
  t.equal(r.stats.spooled, 3)
  t.same(r.lines, [])
})

t.test('ingest unreachable, no spool: one line without debug, saying dropped: network_error', async (t) => {
  const r = await run({ XRAYRADAR_DSN: await deadDsn() })
  t.equal(r.stats.dropped.network_error, 3, JSON.stringify(r.stats))
  t.equal(r.lines.length, 1, r.stderr)
  t.match(r.lines[0], /could not reach .* counted as dropped: network_error\./)
})

t.test('every answer 500, no spool: the line says it answered 500, not that it could not be reached', async (t) => {
  const collector = await startCollector({ fault: { status: 500 } })
  t.teardown(() => collector.close())
  const r = await run({ XRAYRADAR_DSN: collector.dsn('42') })
  t.equal(r.stats.dropped.network_error, 3)
  t.equal(r.lines.length, 1, r.stderr)
  t.match(r.lines[0], /answered 500 to 2 attempt\(s\).*counted as dropped: network_error\./)
  t.notMatch(r.lines[0], /could not reach/)
})

for (const [status, kind] of [[301, /answered 301 \(a redirect\), which the SDK does not follow/], [400, /refused an event \(400\)/], [413, /too large \(413\)/]]) {
  t.test(`${status} is told once without debug, with the reason stats() counts`, async (t) => {
    const collector = await startCollector({ fault: { status } })
    t.teardown(() => collector.close())
    const r = await run({ XRAYRADAR_DSN: collector.dsn('42') })
    const reason = status === 413 ? 'too_large' : 'rejected'
    t.equal(r.stats.dropped[reason], 3, JSON.stringify(r.stats))
    t.equal(r.lines.length, 1, `one line for three refused events: ${r.stderr}`)
    t.match(r.lines[0], kind)
    t.match(r.lines[0], new RegExp(`counted as dropped: ${reason}\\.`))
  })
}

t.test('a line a worker writes while the process exits reaches stderr (it used to wait for the blocked main thread)', async (t) => {
  const collector = await startCollector({ token: 'the-right-token' })
  t.teardown(() => collector.close())
  const r = await runFixture('outcome-lines.mjs', { env: { COUNT: '3', DEBUG: '', SPOOL_DIR: '', EXIT: '1', XRAYRADAR_DSN: collector.dsn('42'), XRAYRADAR_AUTH_TOKEN: 'a-wrong-token' }, timeoutMs: 40000 })
  t.equal(r.code, 0, r.stderr)
  t.equal(collector.counts['42'] ?? 0, 0, 'nothing stored: every event refused')
  const said = lines(r.stderr)
  t.equal(said.length, 1, `one line: ${r.stderr}`)
  t.match(said[0], /refused the auth token \(401\).*counted as dropped: rejected/)
})

t.test('the line about settled events is written before they settle: flush() returning, then exit, never loses it', async (t) => {
  const collector = await startCollector({ token: 'the-right-token' })
  t.teardown(() => collector.close())
  // The worker used to settle first and write after; a process exiting right after flush()
  // lost the line now and then (seen under load). Several runs, each must have it first.
  for (let run = 0; run < 4; run++) {
    const r = await runFixture('outcome-lines.mjs', { env: { COUNT: '2', DEBUG: '', SPOOL_DIR: '', FLUSH_EXIT: '1', XRAYRADAR_DSN: collector.dsn('43'), XRAYRADAR_AUTH_TOKEN: 'a-wrong-token' }, timeoutMs: 40000 })
    t.equal(r.code, 0, r.stderr)
    const refusal = r.stderr.search(/refused the auth token \(401\)/)
    const flushed = r.stderr.indexOf('fixture: flushed')
    t.ok(flushed > 0, `run ${run}: flush() returned: ${r.stderr}`)
    t.ok(refusal >= 0 && refusal < flushed, `run ${run}: the refusal line came before flush() returned: ${r.stderr}`)
  }
})
