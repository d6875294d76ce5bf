// `npm run demo` works as the README says: events arrive and are shown.
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

t.test('the demo runs the sample service against the embedded collector', async (t) => {
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
  const out = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', cli, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (d) => { stdout += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('demo hung')) }, 30000)
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout }) })
  })
  t.equal(out.code, 0)
  t.match(out.stdout, /4 events arrived at the collector/)
  t.match(out.stdout, /TypeError: Cannot read properties of undefined \(reading 'id'\)/)
  t.match(out.stdout, /cause: Error: read ECONNRESET/)
  t.match(out.stdout, /src\/demo\/sample-service\.ts/, 'frames are source-mapped to the TypeScript sources')
  t.notMatch(out.stdout, /sk_live_123/, 'the query string with a secret is stripped')
})
