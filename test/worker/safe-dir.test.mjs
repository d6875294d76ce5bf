// Each way the spool directory can fail the checks (src/worker/safe-dir.ts by the rules of
// src/shared/fs-safety.ts), on real directories: the whole line the worker prints for it
// (path, what is wrong, the fix), and that nothing is created below a refused level.
// test/worker/spool-hardening.test.mjs covers the same through a real spool end to end.
import t from 'tap'
import { chmodSync, chownSync, existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensureSafeDir } from '../../dist/worker/safe-dir.js'

const UID = process.getuid()
const OTHER_UID = 65534
const ROOT_ONLY = UID !== 0 ? 'needs root to plant another uid' : false

// [name, what to plant under base, the spool directory to check (relative), ownLevels, the refused level, problem, fix, needs root]
const cases = [
  ['an ancestor of another user', (b) => { mkdirSync(join(b, 'up')); chownSync(join(b, 'up'), OTHER_UID, OTHER_UID) }, 'up/spool', 1, 'up',
    `is owned by uid ${OTHER_UID}, neither this process (uid ${UID}) nor root, so that user could replace what lies below it`,
    'Set spoolDir to a directory under one this user or root owns', true],
  ['an ancestor that is a file', (b) => writeFileSync(join(b, 'up'), ''), 'up/spool', 1, 'up',
    'is a regular file, not a directory',
    'Choose another spoolDir: every level of its path must be a directory, or not exist yet (the SDK creates the missing ones)'],
  ['an ancestor others can write, not sticky', (b) => { mkdirSync(join(b, 'up')); chmodSync(join(b, 'up'), 0o777) }, 'up/spool', 1, 'up',
    'is writable by group or others (mode 0777), so another user could replace what lies below it',
    `Run chmod go-w ${'<path>'}, or set spoolDir elsewhere`],
  ['an own level that is a link', (b) => { mkdirSync(join(b, 'real')); symlinkSync(join(b, 'real'), join(b, 'spool')) }, 'spool', 1, 'spool',
    'is a symbolic link',
    'Remove the link (the SDK creates the directory itself) or set spoolDir to the real directory'],
  ['an own level that is a file', (b) => writeFileSync(join(b, 'spool'), ''), 'spool', 1, 'spool',
    'is a regular file, not a directory',
    'Choose another spoolDir: every level of its path must be a directory, or not exist yet (the SDK creates the missing ones)'],
  ['an own level of another user', (b) => { mkdirSync(join(b, 'spool'), { mode: 0o700 }); chownSync(join(b, 'spool'), OTHER_UID, OTHER_UID) }, 'spool', 1, 'spool',
    `is owned by uid ${OTHER_UID}, not this process (uid ${UID})`,
    'Remove it (another user may have planted it) or set spoolDir to a directory this user owns', true],
  ['an own level others can write', (b) => { mkdirSync(join(b, 'x')); chmodSync(join(b, 'x'), 0o777) }, 'x/spool', 2, 'x',
    'is writable by group or others (mode 0777)',
    `Remove it, or check its files and run chmod 700 ${'<path>'}`]
]

for (const [name, plant, spool, ownLevels, level, problem, fix, needsRoot] of cases) {
  t.test(`refused: ${name}`, { skip: needsRoot === true && ROOT_ONLY }, async (t) => {
    const base = t.testdir({})
    chmodSync(base, 0o755)
    plant(base)
    const path = join(base, level)
    const fixed = fix.replace('<path>', path)
    t.throws(() => ensureSafeDir(join(base, spool), { ownLevels }), {
      name: 'UnsafeDirectoryError',
      code: 'XRAYRADAR_UNSAFE_DIR',
      path,
      problem,
      fix: fixed,
      message: `${path} ${problem}. ${fixed}.`
    })
    if (spool !== level) t.notOk(existsSync(join(base, spool)), 'nothing created below the refused level')
  })
}

t.test('accepted: a sticky ancestor others can write (as /tmp); an own level others could only read is tightened', async (t) => {
  const base = t.testdir({})
  chmodSync(base, 0o755)
  mkdirSync(join(base, 'tmp'))
  chmodSync(join(base, 'tmp'), 0o1777)
  mkdirSync(join(base, 'tmp', 'spool'))
  chmodSync(join(base, 'tmp', 'spool'), 0o755)
  t.equal(ensureSafeDir(join(base, 'tmp', 'spool')), true)
  t.equal(statSync(join(base, 'tmp', 'spool')).mode & 0o7777, 0o700)
  t.equal(statSync(join(base, 'tmp')).mode & 0o7777, 0o1777, 'an ancestor is never changed')
})
