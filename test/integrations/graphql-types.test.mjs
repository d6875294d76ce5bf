// The GraphQL plugins' declarations fit the servers' own TypeScript types: Apollo Server 5
// and 4 (`plugins`, with a typed context), Yoga 5 and envelop, with no cast.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fixture } from '../helpers.mjs'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

t.test('tsc --noEmit: apolloPlugin() in Apollo 5 and 4, useXrayRadar() in Yoga 5 and envelop', async (t) => {
  const r = spawnSync(process.execPath, [tsc, '-p', fixture('graphql-types/tsconfig.json')], { encoding: 'utf8', timeout: 120000 })
  t.equal(r.status, 0, r.stdout + r.stderr)
})
