// The logging integrations' declarations fit winston's and pino's own types: a winston
// transport list takes winstonTransport() as is, and a wrong level name is a type error.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fixture } from '../helpers.mjs'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

t.test('tsc --noEmit on a consumer with winston and pino', async (t) => {
  const r = spawnSync(process.execPath, [tsc, '-p', fixture('logging-types/tsconfig.json')], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stdout + r.stderr)
})
