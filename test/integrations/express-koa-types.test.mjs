// The declarations of setupExpressErrorHandler/setupKoaErrorHandler type-check for ESM and
// CommonJS TypeScript users, with shouldHandleError typed by the app's own Request/Context.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fixture } from '../helpers.mjs'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

t.test('tsc --noEmit on framework-handler consumers (.mts and .cts)', async (t) => {
  const r = spawnSync(process.execPath, [tsc, '-p', fixture('framework-types/tsconfig.json')], { encoding: 'utf8', timeout: 120000 })
  t.equal(r.status, 0, r.stdout + r.stderr)
})
