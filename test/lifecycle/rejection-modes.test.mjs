// Unhandled rejections under each of Node's --unhandled-rejections modes, in child
// processes: with the SDK, Node's own stderr output and exit code are exactly what
// they are without it, and the rejection is delivered as an event.
import t from 'tap'
import { startCollector } from 'xrayradar'
import { runFixture } from '../helpers.mjs'

const collector = await startCollector()
t.teardown(() => collector.close())
let project = 700

// Only the pid differs between two runs of the same script.
const normalize = (stderr) => stderr.replace(/\(node:\d+\)/g, '(node:PID)')

async function run (nodeArgs, env) {
  const p = String(++project)
  const r = await runFixture('rejection-modes.mjs', { nodeArgs, env: { XRAYRADAR_DSN: collector.dsn(p), ...env } })
  return { ...r, project: p }
}

/** The same script without and with the SDK: two independent processes (a project each), run side by side. */
const runPair = (nodeArgs, withoutEnv, withEnv) => Promise.all([run(nodeArgs, withoutEnv), run(nodeArgs, withEnv)])

const eventsFor = (p) => collector.counts[p] ?? 0

// [Node flag, exit code Node gives, whether the process lives on, level of the event]
const MODES = [
  [null, 1, false, 'fatal'],
  ['throw', 1, false, 'fatal'],
  ['strict', 1, false, 'fatal'],
  ['warn', 0, true, 'error'],
  ['warn-with-error-code', 1, true, 'error'],
  ['none', 0, true, 'error']
]

for (const [mode, code, livesOn, level] of MODES) {
  for (const reason of ['error', 'string']) {
    t.test(`--unhandled-rejections=${mode ?? '(default)'}, rejected with ${reason === 'error' ? 'an Error' : 'a string'}`, async (t) => {
      const nodeArgs = mode === null ? [] : [`--unhandled-rejections=${mode}`]
      const [without, withSdk] = await runPair(nodeArgs, { SDK: '0', REASON: reason }, { SDK: '1', REASON: reason })
      t.equal(without.code, code, 'Node\'s exit code for this mode')
      t.equal(withSdk.code, code, 'the same exit code with the SDK')
      t.equal(normalize(withSdk.stderr), normalize(without.stderr), 'the same stderr with the SDK')
      t.equal(withSdk.stdout.includes('still running'), livesOn, livesOn ? 'keeps running' : 'ends at the rejection')
      t.equal(eventsFor(without.project), 0, 'no event without the SDK')
      t.equal(eventsFor(withSdk.project), 1, 'exactly one event with it')
      const e = collector.events.findLast((e) => e.message.includes(reason === 'error' ? 'rejected in every mode' : 'a plain string reason'))
      t.ok(e, 'the rejection arrived')
      t.same(e.contexts.mechanism, { type: 'onunhandledrejection', handled: false })
      t.equal(e.level, level)
    })
  }
}

t.test('the SDK\'s warn mode under Node\'s warn modes: one warning, Node\'s exit code', async (t) => {
  for (const [mode, code] of [['warn', 0], ['warn-with-error-code', 1]]) {
    const nodeArgs = [`--unhandled-rejections=${mode}`]
    const [without, withSdk] = await runPair(nodeArgs, { SDK: '0' }, { SDK: '1', SDK_MODE: 'warn' })
    t.equal(withSdk.code, code, `${mode}: exit code ${code}, as without the SDK`)
    t.equal(normalize(withSdk.stderr), normalize(without.stderr), `${mode}: the same stderr`)
    const warnings = (r) => r.stderr.match(/UnhandledPromiseRejectionWarning: Error: rejected in every mode/g)?.length ?? 0
    t.equal(warnings(without), 1, `${mode}: Node warns once`)
    t.equal(warnings(withSdk), 1, `${mode}: and once with the SDK`)
    t.equal(eventsFor(withSdk.project), 1, `${mode}: delivered`)
  }
})

t.test('the mode given in NODE_OPTIONS counts like the command line', async (t) => {
  const env = { NODE_OPTIONS: '--unhandled-rejections=warn-with-error-code' }
  const [without, withSdk] = await runPair([], { ...env, SDK: '0' }, { ...env, SDK: '1', SDK_MODE: 'warn' })
  t.equal(without.code, 1)
  t.equal(withSdk.code, 1, 'the SDK\'s warn mode did not hide the rejection from Node')
  t.equal(normalize(withSdk.stderr), normalize(without.stderr))
  t.equal(eventsFor(withSdk.project), 1)
})

t.test('unhandledRejections: none under every Node mode: nothing captured, Node unchanged', async (t) => {
  for (const mode of ['throw', 'warn', 'none']) {
    const nodeArgs = [`--unhandled-rejections=${mode}`]
    const [without, withSdk] = await runPair(nodeArgs, { SDK: '0' }, { SDK: '1', SDK_MODE: 'none' })
    t.equal(withSdk.code, without.code, `${mode}: same exit code`)
    t.equal(normalize(withSdk.stderr), normalize(without.stderr), `${mode}: same stderr`)
    t.equal(eventsFor(withSdk.project), 0, `${mode}: not captured`)
  }
})
