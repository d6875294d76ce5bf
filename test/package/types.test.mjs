// The shipped declarations type-check for ESM and CommonJS TypeScript consumers.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fixture } from '../helpers.mjs'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

t.test('tsc --noEmit on an ESM (.mts) and a CommonJS (.cts) consumer', async (t) => {
  const r = spawnSync(process.execPath, [tsc, '-p', fixture('types/tsconfig.json')], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stdout + r.stderr)
})
