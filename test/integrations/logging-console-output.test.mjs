// console output is byte for byte the same with the SDK on (consoleIntegration, on by
// default: wrapped methods on Node 20, channels on 22.23+/24) as without it, on stdout and
// stderr, and the calls did become breadcrumbs (the integration was really on).
import t from 'tap'
import { startCollector } from 'xrayradar'
import { runFixture, TOKEN } from '../helpers.mjs'

t.test('stdout and stderr unchanged; the calls recorded', async (t) => {
  const collector = await startCollector({ token: TOKEN })
  t.teardown(() => collector.close())
  const without = await runFixture('console-output.mjs')
  const withSdk = await runFixture('console-output.mjs', { env: { XR_DSN: collector.dsn('42'), XR_TOKEN: TOKEN } })
  t.equal(without.code, 0, without.stderr)
  t.equal(withSdk.code, 0, withSdk.stderr)
  t.ok(without.stdout.length > 200 && without.stderr.includes('Trace: traced 3'), 'the fixture printed')
  t.equal(withSdk.stdout, without.stdout, 'stdout identical')
  t.equal(withSdk.stderr, without.stderr, 'stderr identical (console.trace stacks included)')
  t.equal(collector.events.length, 1, 'only the fixture\'s own message: breadcrumbs by default')
  const crumbs = collector.events[0].breadcrumbs.filter((b) => b.type === 'console')
  t.same(crumbs.slice(0, 2).map((b) => [b.level, b.message]), [['info', 'plain'], ['info', without.stdout.split('\n')[1]]], 'the message is the line printed')
  t.ok(crumbs.some((b) => b.level === 'error' && b.message === 'shown with its stack'), 'console.error(err) recorded')
  t.ok(crumbs.some((b) => b.level === 'warning' && b.message === 'warn line 1'))
  t.notOk(crumbs.some((b) => b.level === 'debug'), 'debug/trace below the default breadcrumbLevel')
})
