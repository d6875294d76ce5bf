// Event ids come from a per-process random prefix and a counter (src/capture/event-id.ts),
// not from a random draw per capture: they must still be UUID v4 strings, never repeat
// within a process, and differ between threads and processes, each of which draws its
// own prefix. The id captureException returns is the id the event arrives with.
import t from 'tap'
import { createRequire } from 'node:module'
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runFixture, setup } from '../helpers.mjs'

const require = createRequire(import.meta.url)
const { newEventId } = require('../../dist/capture/event-id.js')
// The wire contract's pattern (test/contract/event.schema.json), plus the v4 version and variant bits.
const schema = JSON.parse(readFileSync(new URL('../contract/event.schema.json', import.meta.url), 'utf8'))
const CONTRACT = new RegExp(schema.properties.event_id.pattern)
const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const prefixOf = (id) => id.slice(0, 24)

t.test('ids in one process: UUID v4 form, none repeated', async (t) => {
  const N = 200000
  const ids = Array.from({ length: N }, () => newEventId())
  t.equal(ids.filter((id) => CONTRACT.test(id) && V4.test(id)).length, N, 'every id matches the contract and v4')
  t.equal(new Set(ids).size, N, 'no repeats')
  // The counter is the last 12 digits: it moves (so a stuck counter would show) and the prefix holds.
  t.equal(new Set(ids.map(prefixOf)).size, 1, 'one prefix per process')
  t.not(ids[0], ids[1])
})

t.test('ids from several threads and processes never collide', async (t) => {
  const N = 50000
  const runs = await Promise.all([
    runFixture('event-ids.mjs', { args: [String(N)] }),
    runFixture('event-ids.mjs', { args: [String(N)] }),
    runFixture('event-ids.mjs', { args: [String(N), '--threads=3'] })
  ])
  let all = []
  for (const r of runs) {
    t.equal(r.code, 0, r.stderr)
    all = all.concat(r.stdout.trim().split('\n'))
  }
  all = all.concat(Array.from({ length: N }, () => newEventId()))
  t.equal(all.length, 6 * N, 'every process and thread reported its ids')
  t.equal(all.filter((id) => V4.test(id)).length, all.length, 'all UUID v4')
  t.equal(new Set(all).size, all.length, 'no id made twice anywhere')
  t.equal(new Set(all.map(prefixOf)).size, 6, 'each of 2 + 3 + 1 processes and threads drew its own prefix')
})

t.test('the id captureException returns is the event_id delivered, and ids differ per event', async (t) => {
  const { collector, client } = await setup(t)
  const returned = []
  for (let i = 0; i < 20; i++) returned.push(client.captureException(new Error(`e${i}`)))
  returned.push(client.captureMessage('a message'))
  t.equal(await client.flush(10000), true)
  t.equal(collector.events.length, 21)
  t.strictSame(collector.events.map((e) => e.event_id).sort(), [...returned].sort())
  t.equal(new Set(returned).size, 21)
  t.equal(returned.filter((id) => V4.test(id)).length, 21)
})

t.test('processes started from one V8 startup snapshot taken after an id was made draw their own prefixes', async (t) => {
  // A snapshot entry may require only built-in modules: the event-id module is inlined.
  const dir = mkdtempSync(join(tmpdir(), 'xr-snapshot-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const src = readFileSync(new URL('../../dist/capture/event-id.js', import.meta.url), 'utf8')
  writeFileSync(join(dir, 'entry.js'), [
    'const ids = {};',
    `(function (exports, require) {\n${src}\n})(ids, require);`,
    'const before = ids.newEventId();',
    'require("v8").startupSnapshot.setDeserializeMainFunction(() => { process.stdout.write(before + " " + ids.newEventId()) });'
  ].join('\n'))
  const blob = join(dir, 'snap.blob')
  execFileSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', join(dir, 'entry.js')], { cwd: dir, stdio: 'pipe' })
  const runs = [1, 2].map(() => execFileSync(process.execPath, ['--snapshot-blob', blob], { cwd: dir, encoding: 'utf8' }).trim().split(' '))
  const [[snapA, afterA], [snapB, afterB]] = runs
  t.equal(snapA, snapB, 'both processes hold the id made while the snapshot was built')
  t.ok(V4.test(afterA) && V4.test(afterB))
  t.not(prefixOf(afterA), prefixOf(snapA), 'a process from the snapshot drew a prefix of its own')
  t.not(prefixOf(afterA), prefixOf(afterB), 'and so did the other: no shared ids')
})
