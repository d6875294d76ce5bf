// The package as a user gets it: `npm pack` of this repository (the files package.json
// publishes, its package.json as published), unpacked into a project's node_modules next to
// its runtime dependencies, with the bin link npm makes. No registry: the dependencies are
// links to this repository's installed copies (loopback-only tests).
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repo = fileURLToPath(new URL('../../', import.meta.url))
const NPM_TIMEOUT_MS = 120000

/** `npm pack` into a fresh directory (scripts not run: the suite's build is what is packed); returns the tarball's path. */
export function pack (t) {
  const out = mkdtempSync(join(tmpdir(), 'xr-pack-'))
  t.teardown(() => rmSync(out, { recursive: true, force: true }))
  const json = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], { cwd: repo, encoding: 'utf8', timeout: NPM_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] })
  const [{ filename }] = JSON.parse(json)
  return join(out, filename)
}

/** The published package.json, read from the tarball. */
export function packedManifest (tarball) {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }))
}

/**
 * A project directory with the packed package installed in node_modules/xrayradar, its
 * dependencies (and `extra` packages, e.g. @types/node) linked beside it, and
 * node_modules/.bin/xrayradar. Removed at teardown.
 */
export function installPacked (t, tarball, { extra = [] } = {}) {
  const project = realpathSync(mkdtempSync(join(tmpdir(), 'xr-consumer-')))
  t.teardown(() => rmSync(project, { recursive: true, force: true }))
  const nm = join(project, 'node_modules')
  const pkgDir = join(nm, 'xrayradar')
  mkdirSync(pkgDir, { recursive: true })
  execFileSync('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1'])
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
  for (const name of [...Object.keys(manifest.dependencies ?? {}), ...extra]) {
    const target = realpathSync(join(repo, 'node_modules', name))
    mkdirSync(dirname(join(nm, name)), { recursive: true })
    symlinkSync(target, join(nm, name), 'dir')
  }
  mkdirSync(join(nm, '.bin'))
  for (const [name, file] of Object.entries(manifest.bin ?? {})) {
    symlinkSync(join('..', 'xrayradar', file), join(nm, '.bin', name))
    chmodSync(join(pkgDir, file), 0o755) // as npm's bin-links makes the target executable
  }
  return { project, pkgDir, manifest }
}
