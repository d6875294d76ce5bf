// The command line (dist/cli.js), each case in a child process.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runChild, startChild } from './utils/child.mjs'

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
// Help and version answer at once; a collector that started instead would still be running here.
const LIMIT_MS = 15000

const run = (args) => runChild(process.execPath, [cli, ...args], { timeoutMs: LIMIT_MS })

t.test('--version prints the package version and nothing else', async (t) => {
  for (const flag of ['--version', '-v']) {
    const r = await run([flag])
    t.equal(r.code, 0)
    t.equal(r.stdout, `${version}\n`)
    t.equal(r.stderr, '')
  }
})

t.test('--help (and no command) prints the commands, exit 0', async (t) => {
  for (const args of [['--help'], ['-h'], []]) {
    const r = await run(args)
    t.equal(r.code, 0, args.join(' '))
    t.match(r.stdout, /Usage:/)
    t.match(r.stdout, /xrayradar collector \[options\]/)
    t.match(r.stdout, /xrayradar demo/)
    t.match(r.stdout, /--version/)
    t.equal(r.stderr, '')
  }
})

t.test('collector --help prints every collector option and does not start a collector', async (t) => {
  const r = await run(['collector', '--help'])
  t.equal(r.code, 0, r.stderr)
  for (const option of ['--host', '--port', '--token', '--project', '--file', '--max-body', '--quiet']) t.match(r.stdout, option)
  t.notMatch(r.stdout, /listening on/, 'no collector was started')
  t.equal(r.stderr, '')
})

t.test('demo --help describes the demo without running it', async (t) => {
  const r = await run(['demo', '--help'])
  t.equal(r.code, 0)
  t.match(r.stdout, /Usage: xrayradar demo \[--keep-open\]/)
  t.match(r.stdout, /--keep-open/)
  t.notMatch(r.stdout, /local collector on/)
  const bad = await run(['demo', '--keep-opn'])
  t.equal(bad.code, 2, 'an unknown demo option')
  t.match(bad.stderr, /--keep-opn/)
  t.match(bad.stderr, /demo --help/)
  t.notMatch(bad.stdout, /local collector on/, 'no demo ran')
})

t.test('collector prints its page\'s URL (and that it asks for the token when it has one)', async (t) => {
  for (const [args, tail] of [[[], /\n$/], [['--token', 'tok'], / \(asks for the token\)\n$/]]) {
    // Runs until the signal below; the deadline only bounds a collector that never stops.
    const collector = startChild(process.execPath, [cli, 'collector', '--port', '0', ...args], { timeoutMs: 60000, t })
    await collector.waitForOutput(/its page: .*\n/, LIMIT_MS)
    const out = collector.stdout()
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+) .*\nits page: (\S+)/.exec(out)
    t.ok(m, out)
    t.equal(m[2], `${m[1]}/`, 'the root URL of the collector')
    t.match(out.split('its page: ')[1], tail)
    const page = await fetch(m[2])
    t.equal(page.status, 200)
    t.match(page.headers.get('content-type'), /text\/html/)
    await page.arrayBuffer()
    collector.child.kill('SIGTERM')
    t.equal((await collector.exited).code, 0, 'Ctrl-C or SIGTERM stops it')
  }
})

t.test('an unknown command or option: exit 2, what was wrong on stderr, where to look', async (t) => {
  const cmd = await run(['colector'])
  t.equal(cmd.code, 2)
  t.match(cmd.stderr, /unknown command "colector"/)
  t.match(cmd.stderr, /Usage:/)
  t.equal(cmd.stdout, '')
  const opt = await run(['collector', '--prot', '9000'])
  t.equal(opt.code, 2)
  t.match(opt.stderr, /--prot/)
  t.match(opt.stderr, /collector --help/)
  t.notMatch(opt.stdout, /listening on/)
})
