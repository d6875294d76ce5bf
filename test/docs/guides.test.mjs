// Every `file=…` block of docs/guides.md, run as it stands: written to a project directory next
// to the package and the frameworks it imports, started as a child process against the local
// collector, driven over HTTP on 127.0.0.1 (and SIGTERM), and what arrived checked. The docs
// cannot drift from what runs.
import t from 'tap'
import http from 'node:http'
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCollector } from 'xrayradar'
import { startChild } from '../utils/child.mjs'
import { waitForProjectEvents } from '../utils/events.mjs'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const TOKEN = 'guides-token-1234'
const START_TIMEOUT_MS = 20000
const EXIT_TIMEOUT_MS = 20000

/** The named blocks of a markdown file: { 'express-shutdown.mjs': source, … }. */
function namedBlocks (markdown) {
  const blocks = {}
  for (const m of markdown.matchAll(/^```\w+ file=([\w.-]+)\n([\s\S]*?)^```$/gm)) blocks[m[1]] = m[2]
  return blocks
}

const blocks = namedBlocks(readFileSync(join(repo, 'docs', 'guides.md'), 'utf8'))

// A project directory: the package (this repository, as an installed dependency) and the frameworks.
const project = mkdtempSync(join(tmpdir(), 'xr-guides-'))
t.teardown(() => rmSync(project, { recursive: true, force: true }))
mkdirSync(join(project, 'node_modules'))
symlinkSync(repo, join(project, 'node_modules', 'xrayradar'), 'dir')
for (const dep of ['express', 'fastify', 'pino', 'pino-http']) symlinkSync(realpathSync(join(repo, 'node_modules', dep)), join(project, 'node_modules', dep), 'dir')
for (const [name, source] of Object.entries(blocks)) writeFileSync(join(project, name), source)

const collector = await startCollector({ token: TOKEN, log: false })
t.teardown(() => collector.close())
let projectId = 0

/** Starts a guide's program; resolves once it prints "listening on PORT". */
async function start (t, name) {
  const p = String(++projectId)
  // The deadline covers its whole life: start, the test's requests, and its exit after SIGTERM.
  const app = startChild(process.execPath, [join(project, name)], {
    cwd: project,
    env: { NODE_OPTIONS: '', XRAYRADAR_DSN: collector.dsn(p), XRAYRADAR_AUTH_TOKEN: TOKEN, PORT: '0', HOST: '127.0.0.1' },
    timeoutMs: START_TIMEOUT_MS + EXIT_TIMEOUT_MS,
    t
  })
  const [, port] = await app.waitForOutput(/listening on (\d+)/, START_TIMEOUT_MS)
  return {
    child: app.child,
    project: p,
    base: `http://127.0.0.1:${port}`,
    exited: app.exited.then(({ code, signal }) => ({ code, signal })),
    get stdout () { return app.stdout() },
    get stderr () { return app.stderr() }
  }
}

/** One request on its own connection; resolves with status and body, or the connection error. */
function request (url, { method = 'GET', headers = {}, onSocket } = {}) {
  return new Promise((resolve) => {
    const req = http.request(url, { method, agent: false, headers }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, body }))
    })
    req.on('error', (error) => resolve({ error }))
    if (onSocket !== undefined) req.on('socket', (s) => s.on('connect', onSocket))
    req.end()
  })
}

/** Waits until the collector holds n events for the run's project (10 s at most); resolves with how many it holds. */
async function eventsFor (run, n) {
  await waitForProjectEvents(collector, run.project, n, 10000)
  return collector.counts[run.project] ?? 0
}

for (const [name, framework] of [['express-shutdown.mjs', 'express'], ['fastify-shutdown.mjs', 'fastify']]) {
  t.test(`${name}: SIGTERM with a request in flight; its error still delivered, then a clean exit`, async (t) => {
    t.ok(blocks[name], `docs/guides.md has ${name}`)
    const run = await start(t, name)
    const order = []
    let connected
    const onConnect = new Promise((resolve) => { connected = resolve })
    const inFlight = request(`${run.base}/reports/7`, { onSocket: connected }).then((r) => { order.push('in-flight answered'); return r })
    await onConnect
    await new Promise((resolve) => setTimeout(resolve, 200)) // the handler is running (it takes a second)
    run.child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 150))
    const late = await request(`${run.base}/reports/8`)
    order.push('new connection tried')
    const answered = await inFlight
    const exit = await run.exited
    t.equal(late.error?.code, 'ECONNREFUSED', 'no new connection once the signal arrived')
    t.same(order, ['new connection tried', 'in-flight answered'], 'the request was still in flight after the signal')
    t.equal(answered.status, 500, 'the request in flight got its answer')
    t.same(exit, { code: 0, signal: null }, `exits 0 on its own; stderr: ${run.stderr}`)
    t.match(run.stdout, /shut down; every event settled: true/)
    t.equal(collector.counts[run.project], 1, 'exactly one event: the in-flight request\'s error')
    const e = collector.events.findLast((ev) => ev.exception?.values?.at(-1)?.value === 'report 7 failed')
    t.ok(e, 'the error of the request in flight arrived')
    t.equal(e?.contexts.tags.framework, framework)
    t.equal(e?.contexts.tags.route, 'GET /reports/:id')
    t.notOk(collector.events.some((ev) => ev.exception?.values?.at(-1)?.value === 'report 8 failed'), 'the refused request never ran')
    t.notMatch(run.stderr, /\[xrayradar\]/, 'no SDK line on stderr (Express prints the error itself)')
  })
}

t.test('user-per-request.mjs: each event carries its own request\'s user, anonymous ones none', async (t) => {
  t.ok(blocks['user-per-request.mjs'])
  const run = await start(t, 'user-per-request.mjs')
  const N = 12
  const answers = await Promise.all(Array.from({ length: N }, (_, n) => request(`${run.base}/carts/${n}`, { headers: n % 2 === 0 ? { 'x-demo-user': `u${n}` } : {} })))
  t.same(answers.map((a) => a.status), Array(N).fill(500))
  t.equal(await eventsFor(run, N), N, 'one event per request')
  for (let n = 0; n < N; n++) {
    const e = collector.events.find((ev) => ev.exception?.values?.at(-1)?.value === `cart ${n}: inventory service unavailable`)
    t.ok(e, `event of cart ${n}`)
    t.match(e?.contexts.request?.url, new RegExp(`/carts/${n}$`))
    if (n % 2 === 0) t.match(e?.contexts.user, { id: `u${n}`, username: `user-u${n}` }, `cart ${n}: its own user`)
    else t.equal(e?.contexts.user ?? null, null, `cart ${n}: anonymous, no one else's user`)
  }
  run.child.kill('SIGTERM')
  await run.exited
})

t.test('pino-logging.mjs: a logged error is one exception event with the request\'s own breadcrumbs', async (t) => {
  t.ok(blocks['pino-logging.mjs'])
  const run = await start(t, 'pino-logging.mjs')
  const N = 4
  const answers = await Promise.all(Array.from({ length: N }, () => request(`${run.base}/payments?card_token=tok_secret_4242`, { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.9', cookie: 'session=s3cr3t' } })))
  t.same(answers.map((a) => a.status), Array(N).fill(502))
  t.equal(await eventsFor(run, N), N, 'one event per failed payment, none for the info records')
  const events = collector.events.filter((e) => e.contexts?.tags?.logger === 'shop')
  t.equal(events.length, N)
  for (const e of events) {
    const v = e.exception?.values?.at(-1)
    t.match(v, { type: 'Error', value: 'card declined by the processor' }, 'the error itself')
    t.ok(v?.stacktrace?.frames.some((f) => f.function === 'chargeCard'), 'with its own stack')
    t.equal(e.contexts.extra.log_message, 'payment failed')
    t.match(e.contexts.request?.url, /\/payments$/)
    const logged = e.breadcrumbs.filter((b) => b.category === 'shop')
    t.same(logged.map((b) => b.message), ['charging card'], 'exactly its own request\'s info record, as a breadcrumb')
    t.match(e.contexts.extra.req, { method: 'POST', url: '/payments' }, 'pino-http\'s request binding, without its query')
    const text = JSON.stringify(e)
    t.notMatch(text, /tok_secret_4242|card_token/, 'no query string anywhere in the event')
    t.notMatch(text, /203\.0\.113\.9|remoteAddress/, 'no client address anywhere (the forwarded one, pino-http\'s remoteAddress)')
    t.notMatch(text, /s3cr3t/, 'no cookie anywhere')
  }
  t.match(run.stdout, /"level":30,[^\n]*"msg":"request errored"/, 'pino-http logged its line per response, at info (a breadcrumb, not a second event)')
  t.match(run.stdout, /"msg":"payment failed"/, 'pino\'s own output unchanged')
  run.child.kill('SIGTERM')
  await run.exited
})
