// Frames, context lines and in_app, on a fixture file, through the real pipeline.
import t from 'tap'
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { setup, fixture } from '../helpers.mjs'
import { parseStack, isInApp } from '../../dist/worker/stack.js'

const require = createRequire(import.meta.url)
const { processPayment } = require(fixture('checkout.js'))
const lib = require(fixture('node_modules/fake-lib/index.js'))
const lines = readFileSync(fixture('checkout.js'), 'utf8').split('\n')

t.test('frames oldest first, with 5 lines before and 2 after', async (t) => {
  const { collector, client } = await setup(t)
  try { lib.run(() => processPayment({})) } catch (err) { client.captureException(err) }
  t.equal(await client.flush(5000), true)
  const frames = collector.events[0].exception.values[0].stacktrace.frames
  const top = frames.at(-1)
  const caller = frames.at(-2)
  t.equal(top.function, 'loadCustomer')
  t.equal(top.lineno, 6)
  t.equal(top.abs_path, fixture('checkout.js'))
  t.equal(top.filename, 'test/fixtures/checkout.js', 'filename is relative to the working directory')
  t.equal(top.in_app, true)
  t.equal(top.context_line, lines[5])
  t.same(top.pre_context, lines.slice(0, 5))
  t.same(top.post_context, lines.slice(6, 8))
  t.equal(caller.function, 'processPayment')
  t.equal(caller.lineno, 10)
  t.same(caller.pre_context, lines.slice(4, 9))
  const dep = frames.at(-4)
  t.match(dep.function, /run$/)
  t.match(dep.abs_path, /node_modules\/fake-lib\/index\.js$/)
  t.equal(dep.in_app, false, 'a node_modules frame is not in app')
  t.equal(dep.context_line, "module.exports.run = function run (fn) { return fn() }", 'dependencies get context lines too')
})

t.test('in_app is false for node_modules and Node internals', async (t) => {
  t.equal(isInApp('/srv/app/src/a.js'), true)
  t.equal(isInApp('/srv/app/node_modules/express/lib/router.js'), false)
  t.equal(isInApp('node:internal/process/task_queues'), false)
  t.equal(isInApp('internal/modules/cjs/loader.js'), false)
  t.equal(isInApp(null), false)
})

t.test('parseStack reads V8 forms', async (t) => {
  const stack = [
    '    at Object.<anonymous> (/srv/app/x.js:1:2)',
    '    at async handler (file:///srv/app/h.mjs:3:4)',
    '    at new Cart (/srv/app/cart.js:5:6)',
    '    at /srv/app/anon.js:7:8',
    // Node's form of V8's nameless frame when it maps a stack (--enable-source-maps): no name either.
    '    at <anonymous> (/srv/app/mapped.ts:9:10)',
    '    at async <anonymous> (/srv/app/mapped.ts:11:12)',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)'
  ].join('\n')
  const frames = parseStack(stack, '/srv/app')
  t.same(frames.map((f) => [f.function, f.filename, f.lineno, f.colno, f.in_app]), [
    ['process.processTicksAndRejections', 'node:internal/process/task_queues', 95, 5, false],
    [null, 'mapped.ts', 11, 12, true],
    [null, 'mapped.ts', 9, 10, true],
    [null, 'anon.js', 7, 8, true],
    ['new Cart', 'cart.js', 5, 6, true],
    ['handler', 'h.mjs', 3, 4, true],
    ['Object.<anonymous>', 'x.js', 1, 2, true]
  ])
  t.equal(frames[5].abs_path, '/srv/app/h.mjs', 'file:// URLs become paths')
  t.same(parseStack('', '/'), [])
  t.same(parseStack('garbage without frames', '/'), [])
})
