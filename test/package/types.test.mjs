// The shipped declarations type-check for ESM and CommonJS TypeScript consumers,
// and what they compile to runs: `import xr from 'xrayradar'` included (a CommonJS
// build turns it into require('xrayradar').default).
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fixture } from '../helpers.mjs'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const repo = fileURLToPath(new URL('../..', import.meta.url))

// One compile serves both tests: tsc checks types the same with or without emitting, and
// exits non-zero on any type error either way.
const out = mkdtempSync(join(tmpdir(), 'xrayradar-types-'))
t.teardown(() => rmSync(out, { recursive: true, force: true }))
const r = spawnSync(process.execPath, [tsc, '-p', fixture('types/tsconfig.json'), '--noEmit', 'false', '--rootDir', fixture('types'), '--outDir', out], { encoding: 'utf8' })

t.test('tsc type-checks an ESM (.mts) and a CommonJS (.cts) consumer', async (t) => {
  t.equal(r.status, 0, r.stdout + r.stderr)
})

t.test('the compiled consumers run, with the default import, in child processes', async (t) => {
  t.equal(r.status, 0, r.stdout + r.stderr)
  // The compiled files live outside the repository: they find the package as an installed dependency.
  mkdirSync(join(out, 'node_modules'))
  symlinkSync(repo, join(out, 'node_modules', 'xrayradar'), 'dir')

  const run = (file) => {
    const c = spawnSync(process.execPath, [join(out, file)], { encoding: 'utf8', timeout: 30000, cwd: out, env: { ...process.env, NODE_OPTIONS: '' } })
    t.equal(c.status, 0, `${file} exits 0; stderr: ${c.stderr}`)
    const line = c.stdout.trim().split('\n').pop() ?? ''
    try { return JSON.parse(line) } catch { t.fail(`${file} printed no result: ${c.stdout} ${c.stderr}`); return {} }
  }
  const cjs = run('consumer.cjs')
  t.same(cjs, { kind: 'cjs', sameInit: true, messageId: 'string', defaultId: 'string', client: true, errCode: 'XRAYRADAR_CONFIG' })
  const esm = run('consumer.mjs')
  t.same(esm, { kind: 'esm', sameInit: true, exceptionId: 'string', defaultId: 'string', captured: 2 })
})
