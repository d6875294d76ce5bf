// Installing the package runs nothing of its own, and docs/dependencies.md names every
// install-time script of its runtime dependencies (with how to skip it).
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pack, packedManifest, repo } from './packed.mjs'

// What npm runs when it installs a package (`prepare` too, for a git, file or link source).
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare']

t.test('the published package.json has no install-time script; the build runs when packing', async (t) => {
  const tarball = pack(t)
  const manifest = packedManifest(tarball)
  for (const name of INSTALL_SCRIPTS) t.notOk(name in (manifest.scripts ?? {}), `no "${name}" script`)
  t.notOk(manifest.gypfile, 'no native build')
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n')
  t.notOk(files.includes('package/binding.gyp'), 'no binding.gyp (npm would run node-gyp rebuild for one)')
  t.ok(files.includes('package/dist/index.js') && files.includes('package/dist/cli.js'), 'the build is in the tarball')
  t.match(manifest.scripts?.prepack ?? '', /npm run build/, 'npm pack / npm publish build first')
})

/** The runtime dependency tree as installed here: [name, dir, package.json], optional ones included. */
function runtimeTree () {
  const found = new Map()
  const resolve = (name, from) => {
    for (let dir = from; ; dir = dirname(dir)) {
      const p = join(dir, 'node_modules', name, 'package.json')
      if (existsSync(p)) return dirname(realpathSync(p))
      if (dirname(dir) === dir) return null
    }
  }
  const walk = (dir) => {
    if (found.has(dir)) return
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    found.set(dir, pkg)
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      const d = resolve(name, dir)
      if (d !== null) walk(d) // an optional package for another platform is not installed here
    }
  }
  const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'))
  for (const name of Object.keys(root.dependencies)) walk(resolve(name, repo))
  return [...found].map(([dir, pkg]) => [pkg.name, dir, pkg])
}

t.test('docs/dependencies.md names every install-time script of the runtime dependencies', async (t) => {
  const doc = readFileSync(join(repo, 'docs', 'dependencies.md'), 'utf8')
  const tree = runtimeTree()
  t.ok(tree.length >= 9, `the tree of the 9 runtime dependencies: ${tree.length} packages`)
  let scripts = 0
  for (const [name, dir, pkg] of tree) {
    const found = INSTALL_SCRIPTS.filter((s) => s !== 'prepare' && pkg.scripts?.[s]).map((s) => [s, pkg.scripts[s]])
    // npm runs `node-gyp rebuild` for a package with a binding.gyp and no install script of its own.
    if (found.length === 0 && pkg.gypfile !== false && existsSync(join(dir, 'binding.gyp'))) found.push(['install', 'node-gyp rebuild'])
    for (const [stage, command] of found) {
      scripts++
      t.ok(doc.includes(`\`${name}\``), `${name} is named`)
      t.ok(doc.includes(`${stage}: ${command}`), `its ${stage} script is quoted: "${stage}: ${command}"`)
    }
  }
  t.ok(scripts >= 1, 'msgpackr-extract\'s install script at least (optional native decoding)')
  t.match(doc, /--ignore-scripts/, 'how to skip them')
})
