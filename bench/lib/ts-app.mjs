// Builds the bench's TypeScript service (bench/ts-app) as a deployed service would
// be: one esbuild bundle with its dependency inlined and a linked .map file.
import { build } from 'esbuild'
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../ts-app/service.ts', import.meta.url))

/** Returns its directory (the caller removes it), the bundle's path and the sizes of the bundle and its map. */
export async function buildTsApp (dir = mkdtempSync(join(tmpdir(), 'xrayradar-bench-ts-'))) {
  const bundle = join(dir, 'service.js')
  await build({ entryPoints: [entry], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'error' })
  return { dir, bundle, bundleBytes: statSync(bundle).size, mapBytes: statSync(bundle + '.map').size }
}
