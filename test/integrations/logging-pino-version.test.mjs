// An app whose pino is older than 9.10 (no tracing channel: records would silently never
// arrive) gets one clear stderr line; an app with pino 10, or without pino, gets none.
import t from 'tap'
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture } from '../helpers.mjs'
import { runChild } from '../utils/child.mjs'
import { linesWith } from '../utils/stderr.mjs'

const run = (cwd) => runChild(process.execPath, [fixture('pino-version.mjs')], { cwd })

function app (version) {
  const dir = mkdtempSync(join(tmpdir(), 'xr-pino-'))
  if (version !== null) {
    mkdirSync(join(dir, 'node_modules', 'pino'), { recursive: true })
    writeFileSync(join(dir, 'node_modules', 'pino', 'package.json'), JSON.stringify({ name: 'pino', version, main: 'pino.js' }))
    writeFileSync(join(dir, 'node_modules', 'pino', 'pino.js'), 'module.exports = {}')
  }
  return dir
}

t.test('pino 8.21 → one line naming the fix; 9.10 and none → silent', async (t) => {
  const dirs = { old: app('8.21.0'), ninePointNine: app('9.9.5'), current: app('9.10.0'), none: app(null) }
  t.teardown(() => { for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true }) })
  const old = await run(dirs.old)
  t.equal(old.code, 0)
  const lines = linesWith(old.stderr, 'pino')
  t.equal(lines.length, 1, 'said once for two clients')
  t.match(lines[0], /pinoIntegration\(\) needs pino 9\.10 or later.*pino 8\.21\.0.*npm install pino@latest/)
  t.match((await run(dirs.ninePointNine)).stderr, /pino 9\.9\.5/)
  for (const d of [dirs.current, dirs.none]) {
    const r = await run(d)
    t.equal(r.code, 0)
    t.notMatch(r.stderr, /pino/, 'nothing said')
  }
})
