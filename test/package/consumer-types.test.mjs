// The declarations as a TypeScript project gets them: the packed package installed in a fresh
// project set up by each compiler's own `tsc --init` (TypeScript 5.9, 6 and 7: module nodenext,
// "types": [], verbatimModuleSyntax, exactOptionalPropertyTypes), with skipLibCheck turned off so
// the package's .d.ts files are checked too, and @types/node installed as a Node project has it
// (but not listed in "types"). An ES module and a CommonJS consumer compile with each, then run.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { fixture } from '../helpers.mjs'
import { installPacked, pack } from './packed.mjs'

const require = createRequire(import.meta.url)
const COMPILERS = [['typescript', '5.'], ['typescript6', '6.'], ['typescript7', '7.']]
const TSC_TIMEOUT_MS = 120000
const env = { ...process.env, NODE_OPTIONS: '' }

/**
 * How to run a compiler: [command, leading args]. TypeScript 7's bin/tsc only starts its
 * native executable, and tap's preload in every child Node cannot load that ES module, so
 * the executable is run directly, found by the package's own lookup.
 */
async function tscCommand (pkg) {
  const dir = join(require.resolve(`${pkg}/package.json`), '..')
  if (pkg !== 'typescript7') return [process.execPath, [join(dir, 'bin', 'tsc')]]
  const { default: getExePath } = await import(pathToFileURL(join(dir, 'lib', 'getExePath.js')).href)
  return [getExePath(), []]
}

const tarball = pack(t)
const { project } = installPacked(t, tarball, { extra: ['@types/node'] })
for (const f of ['consumer.mts', 'consumer.cts']) copyFileSync(fixture(`ts-consumer/${f}`), join(project, f))

for (const [pkg, major] of COMPILERS) {
  t.test(`${pkg}: tsc --init's settings, skipLibCheck false`, async (t) => {
    const [cmd, pre] = await tscCommand(pkg)
    const tsc = (args, opts = {}) => spawnSync(cmd, [...pre, ...args], { encoding: 'utf8', timeout: TSC_TIMEOUT_MS, env, ...opts })
    const version = tsc(['--version']).stdout.trim()
    t.match(version, new RegExp(`^Version ${major.replace('.', '\\.')}`), version)
    // Its own directory (--init will not overwrite a tsconfig.json), sharing the project's node_modules.
    const dir = join(project, pkg)
    mkdirSync(dir)
    for (const f of ['consumer.mts', 'consumer.cts']) copyFileSync(join(project, f), join(dir, f))
    t.equal(tsc(['--init'], { cwd: dir }).status, 0, 'tsc --init')
    const config = readFileSync(join(dir, 'tsconfig.json'), 'utf8')
    t.match(config, /"types": \[\]/, '--init leaves @types packages out')
    t.match(config, /"skipLibCheck": true/)
    writeFileSync(join(dir, 'tsconfig.json'), config.replace('"skipLibCheck": true', '"skipLibCheck": false'))
    const r = tsc(['-p', dir, '--outDir', join(dir, 'out')])
    t.equal(r.status, 0, `${version} compiles both consumers:\n${r.stdout}${r.stderr}`)
    if (r.status !== 0) return
    for (const [file, kind] of [['consumer.mjs', 'esm'], ['consumer.cjs', 'cjs']]) {
      const run = spawnSync(process.execPath, [join(dir, 'out', file)], { cwd: dir, encoding: 'utf8', timeout: 30000, env: { ...env, XRAYRADAR_DSN: '' } })
      t.equal(run.status, 0, `${file} runs: ${run.stderr}`)
      t.equal(JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}').kind, kind)
    }
  })
}
