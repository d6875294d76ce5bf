// The writer of the embedded worker files (src/pool/materialise.ts), on the real
// file system: where it writes, what it reuses, tightens, refuses and cannot do.
// test/package/bundle.test.mjs covers the same through real bundles end to end.
import t from 'tap'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { materialise } from '../../dist/pool/materialise.js'

const embedded = { id: '0123456789abcdef', files: [['a.js', 'module.exports = 1\n'], ['b.js', 'module.exports = 2\n']] }
const UID = process.getuid()
const work = mkdtempSync(join(tmpdir(), 'xr-materialise-test-'))
const savedTmp = process.env.TMPDIR
t.teardown(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = savedTmp
  rmSync(work, { recursive: true, force: true })
})

/** A fresh TMPDIR for one test; warn calls are collected. */
function fresh (t) {
  const tmp = mkdtempSync(join(work, 'tmp-'))
  process.env.TMPDIR = tmp
  const warnings = []
  return { tmp, warnings, warn: (m) => warnings.push(m), base: join(tmp, `xrayradar-${UID}`) }
}

t.test('writes owner-only files into the per-user directory, then reuses them', async (t) => {
  const { tmp, warnings, warn, base } = fresh(t)
  const dir = materialise(embedded, warn)
  t.equal(dir, join(base, `workers-${embedded.id}`))
  t.same(readdirSync(dir).sort(), ['a.js', 'b.js'], 'the files and nothing else (no .tmp)')
  t.equal(readFileSync(join(dir, 'b.js'), 'utf8'), 'module.exports = 2\n')
  t.equal(statSync(base).mode & 0o777, 0o700)
  t.equal(statSync(dir).mode & 0o777, 0o700)
  t.equal(statSync(join(dir, 'a.js')).mode & 0o777, 0o600)
  const ino = statSync(join(dir, 'a.js')).ino
  t.equal(materialise(embedded, warn), dir, 'the same directory again')
  t.equal(statSync(join(dir, 'a.js')).ino, ino, 'not rewritten')
  t.same(warnings, [])
  t.same(readdirSync(tmp), [`xrayradar-${UID}`], 'no private copy')
})

t.test('a missing file is written again; other files are kept', async (t) => {
  const { warnings, warn } = fresh(t)
  const dir = materialise(embedded, warn)
  const ino = statSync(join(dir, 'a.js')).ino
  rmSync(join(dir, 'b.js'))
  t.equal(materialise(embedded, warn), dir)
  t.equal(readFileSync(join(dir, 'b.js'), 'utf8'), 'module.exports = 2\n')
  t.equal(statSync(join(dir, 'a.js')).ino, ino)
  t.same(warnings, [])
})

t.test('a directory others may read is tightened, not refused', async (t) => {
  const { warnings, warn, base } = fresh(t)
  mkdirSync(base, { mode: 0o755 })
  chmodSync(base, 0o755)
  const dir = materialise(embedded, warn)
  t.equal(dir, join(base, `workers-${embedded.id}`))
  t.equal(statSync(base).mode & 0o777, 0o700)
  t.same(warnings, [])
})

t.test('a different build writes its own directory beside the old one', async (t) => {
  const { warn, base } = fresh(t)
  materialise(embedded, warn)
  const other = { id: 'fedcba9876543210', files: [['a.js', 'module.exports = 3\n']] }
  t.equal(materialise(other, warn), join(base, 'workers-fedcba9876543210'))
  t.equal(readFileSync(join(base, `workers-${embedded.id}`, 'a.js'), 'utf8'), 'module.exports = 1\n', 'the old one untouched')
})

t.test('a refused directory: a private copy, said through warn', async (t) => {
  const { tmp, warnings, warn, base } = fresh(t)
  const dir = materialise(embedded, warn)
  writeFileSync(join(dir, 'a.js'), 'planted()\n')
  const own = materialise(embedded, warn)
  t.not(own, dir)
  t.match(own, /xrayradar-workers-\w+$/)
  t.equal(readFileSync(join(own, 'a.js'), 'utf8'), 'module.exports = 1\n')
  t.equal(statSync(own).mode & 0o777, 0o700)
  t.equal(warnings.length, 1)
  t.match(warnings[0], new RegExp(`refused .*a\\.js was modified; the delivery workers start from .* \\(remove ${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} to let`))
  t.equal(readFileSync(join(dir, 'a.js'), 'utf8'), 'planted()\n', 'the refused file is left for the user to inspect')
  t.ok(existsSync(join(tmp, own.split('/').pop())))
})

t.test('an unsafe TMPDIR is refused outright: nothing written', async (t) => {
  const { tmp, warnings, warn, base } = fresh(t)
  chmodSync(tmp, 0o777) // writable by others, not sticky: another user could swap what we write
  t.throws(() => materialise(embedded, warn), /cannot write the delivery worker files safely: .* is writable by group or others \(mode 777\) and not sticky; set TMPDIR/)
  t.notOk(existsSync(base), 'nothing created')
  t.same(readdirSync(tmp), [])
  t.same(warnings, [])
  chmodSync(tmp, 0o1777) // sticky, as /tmp is: fine
  t.equal(materialise(embedded, warn), join(base, `workers-${embedded.id}`))
})

t.test('nowhere to write: an error that names the fix', async (t) => {
  const { tmp, warnings, warn } = fresh(t)
  const notADir = join(tmp, 'file')
  writeFileSync(notADir, '')
  process.env.TMPDIR = notADir
  t.throws(() => materialise(embedded, warn), /cannot write the delivery worker files \(could not write .*; a private copy failed too: .*\); make .* writable or set TMPDIR/)
  t.same(warnings, [])
})

// Each way a place can fail the checks (src/shared/fs-safety.ts), with the words the warning
// says it in. A uid not ours needs root to plant; elsewhere those cases are skipped.
const OTHER_UID = 65534
const refusals = [
  ['the per-user directory is a link', (base) => { mkdirSync(`${base}-real`, { mode: 0o700 }); symlinkSync(`${base}-real`, base) }, (base) => `${base} is a symbolic link`],
  ['the per-user directory is a file', (base) => writeFileSync(base, ''), (base) => `${base} is not a directory`],
  ['the per-user directory is writable by others', (base) => { mkdirSync(base); chmodSync(base, 0o777) }, (base) => `${base} is writable by group or others (mode 777)`],
  ['the per-user directory is another user\'s', (base) => { mkdirSync(base, { mode: 0o700 }); chownSync(base, OTHER_UID, OTHER_UID) }, (base) => `${base} is owned by uid ${OTHER_UID}, not ${UID}`, true],
  ['a worker file is a link', (base, dir) => { writeFileSync(join(base, 'elsewhere.js'), 'module.exports = 1\n'); symlinkSync(join(base, 'elsewhere.js'), join(dir, 'a.js')) }, (base, dir) => `${join(dir, 'a.js')} is a symbolic link`],
  ['a worker file is a directory', (base, dir) => mkdirSync(join(dir, 'a.js')), (base, dir) => `${join(dir, 'a.js')} is not a regular file`],
  ['a worker file is writable by others', (base, dir) => { writeFileSync(join(dir, 'a.js'), 'module.exports = 1\n'); chmodSync(join(dir, 'a.js'), 0o666) }, (base, dir) => `${join(dir, 'a.js')} is writable by group or others (mode 666)`],
  ['a worker file is another user\'s', (base, dir) => { writeFileSync(join(dir, 'a.js'), 'module.exports = 1\n', { mode: 0o600 }); chownSync(join(dir, 'a.js'), OTHER_UID, OTHER_UID) }, (base, dir) => `${join(dir, 'a.js')} is owned by uid ${OTHER_UID}, not ${UID}`, true]
]
for (const [name, plant, says, needsRoot] of refusals) {
  t.test(`refused: ${name}`, { skip: needsRoot && UID !== 0 ? 'needs root to plant another uid' : false }, async (t) => {
    const { tmp, warnings, warn, base } = fresh(t)
    const dir = join(base, `workers-${embedded.id}`)
    if (name.startsWith('a worker file')) mkdirSync(dir, { recursive: true, mode: 0o700 })
    plant(base, dir)
    const own = materialise(embedded, warn)
    t.not(own, dir, 'a private copy instead')
    t.equal(readFileSync(join(own, 'a.js'), 'utf8'), 'module.exports = 1\n')
    t.same(warnings, [`refused ${says(base, dir)}; the delivery workers start from ${own} for this process instead (remove ${base} to let the SDK recreate it).`])
    t.equal(own.split('/').slice(0, -1).join('/'), tmp)
  })
}

t.test('refused outright: a level above TMPDIR\'s content that is another user\'s', { skip: UID !== 0 ? 'needs root to plant another uid' : false }, async (t) => {
  const { tmp, warnings, warn, base } = fresh(t)
  chownSync(tmp, OTHER_UID, OTHER_UID)
  t.throws(() => materialise(embedded, warn), { message: `cannot write the delivery worker files safely: ${tmp} is owned by uid ${OTHER_UID}, neither ${UID} nor root; set TMPDIR to a directory only this user can write` })
  t.notOk(existsSync(base), 'nothing created')
  t.same(warnings, [])
})
