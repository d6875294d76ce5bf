import { join, dirname } from 'node:path'
import { readRegularFile } from './app-files'

// The app's declared dependencies with their installed versions. Read once per
// worker: the event builder (build-event.ts) keeps what this returns.

/** A package.json is a few KiB: 1 MiB leaves room for an unusually large one and still bounds the read. */
const MAX_PACKAGE_JSON_BYTES = 1024 * 1024

function readJson (path: string): Record<string, unknown> | null {
  // A regular file, read without blocking: a FIFO or device named package.json would hold the worker.
  const got = readRegularFile(path, MAX_PACKAGE_JSON_BYTES)
  if (!('text' in got)) return null
  try { return JSON.parse(got.text) as Record<string, unknown> } catch { return null }
}

function findPackageJson (start: string): string | null {
  let dir = start
  for (let i = 0; i < 20; i++) {
    const candidate = join(dir, 'package.json')
    if (readJson(candidate) !== null) return candidate
    const up = dirname(dir)
    if (up === dir) return null
    dir = up
  }
  return null
}

/** The dependencies of the package.json nearest cwd (up to 500), with the versions installed under it. */
export function readInstalledModules (cwd: string): Record<string, string> {
  const out: Record<string, string> = {}
  const pkgPath = findPackageJson(cwd)
  const pkg = pkgPath === null ? null : readJson(pkgPath)
  if (pkg !== null && pkgPath !== null) {
    const root = dirname(pkgPath)
    const names = new Set<string>()
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
      const deps = pkg[field]
      if (deps !== null && typeof deps === 'object') for (const name of Object.keys(deps)) names.add(name)
    }
    for (const name of [...names].slice(0, 500)) {
      const installed = readJson(join(root, 'node_modules', name, 'package.json'))
      if (installed !== null && typeof installed.version === 'string') out[name] = installed.version
    }
  }
  return out
}
