// `npx xrayradar demo` as a package user runs it (README): the packed package installed in a
// fresh project, the bin npm links, npx finding it locally (--no: never a download).
import t from 'tap'
import { installPacked, pack } from './packed.mjs'
import { runChild } from '../utils/child.mjs'

const DEMO_TIMEOUT_MS = 60000

t.test('npx xrayradar demo in a project that installed the package', async (t) => {
  const { project } = installPacked(t, pack(t))
  const out = await runChild('npx', ['--no', 'xrayradar', 'demo'], { cwd: project, env: { NODE_OPTIONS: '', npm_config_update_notifier: 'false' }, timeoutMs: DEMO_TIMEOUT_MS })
  t.equal(out.code, 0, out.stderr)
  t.match(out.stdout, /5 events arrived at the collector, 4 issues/)
  t.match(out.stdout, /TypeError: Cannot read properties of undefined \(reading 'id'\)/)
  t.match(out.stdout, /at \/checkout \(node_modules\/xrayradar\/src\/demo\/sample-service\.ts:\d+\) \(in node_modules, so in_app: false/, 'the failing frame, mapped to the shipped TypeScript source')
  t.match(out.stdout, /> return \(order\.customer as \{ id: string \}\)\.id/, 'with its source line')
  t.match(out.stdout, /"delivered":5,"spooled":0,"pending":0/)
  t.notMatch(out.stdout, /sk_live_123/, 'the query string with a secret is stripped')
  t.notMatch(out.stderr, /\[xrayradar\]/, 'no SDK complaint')
})
