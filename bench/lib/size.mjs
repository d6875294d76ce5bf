// Installed size of a package's production dependency tree, from node_modules.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs'
import { join, dirname } from 'node:path'

function dirSize (dir, skipNodeModules = true) {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' && skipNodeModules) continue
    const p = join(dir, entry.name)
    if (entry.isDirectory()) total += dirSize(p, false)
    else if (entry.isFile()) total += statSync(p).size
  }
  return total
}

function resolveFrom (fromDir, name, root) {
  let dir = fromDir
  while (dir.startsWith(root)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  return null
}

/** { bytes, packages } of the package at `dir` plus everything it depends on at run time. */
export function treeSize (dir, root, { includeSelf = true } = {}) {
  const seen = new Set()
  let bytes = 0
  const visit = (pkgDir, self) => {
    if (seen.has(pkgDir)) return
    seen.add(pkgDir)
    if (self) bytes += dirSize(pkgDir)
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      const found = resolveFrom(pkgDir, name, root)
      if (found !== null) visit(found, true)
    }
  }
  visit(dir, includeSelf)
  return { bytes, packages: seen.size - (includeSelf ? 0 : 1) }
}
