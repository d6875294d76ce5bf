// Builds the bench's TypeScript service (bench/ts-app) as a deployed service would
// be: one esbuild bundle with its dependency inlined and a linked .map file.
import { build } from 'esbuild'
import { mkdirSync, mkdtempSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../ts-app/service.ts', import.meta.url))
// Inside the repository (its /tmp/ is git-ignored), as a deployed service's bundle is inside the
// app: the workers read source maps and context lines only of the application's own files.
const BUILD_ROOT = fileURLToPath(new URL('../../tmp/', import.meta.url))

function buildDir () {
  mkdirSync(BUILD_ROOT, { recursive: true })
  return mkdtempSync(join(BUILD_ROOT, 'bench-ts-'))
}

/** Returns its directory (the caller removes it), the bundle's path and the sizes of the bundle and its map. */
export async function buildTsApp (dir = buildDir()) {
  const bundle = join(dir, 'service.js')
  await build({ entryPoints: [entry], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'error' })
  return { dir, bundle, bundleBytes: statSync(bundle).size, mapBytes: statSync(bundle + '.map').size }
}
