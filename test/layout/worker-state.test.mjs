// A worker's state lives in the objects made from its workerData at start-up (src/worker/
// delivery-worker.ts and what it builds), not in module variables: two workers, or a test
// in-process, never share a cache or a counter by accident. Module-level state stays only
// where its comment says why one for the whole thread is right (the one-shot diagnostics,
// a library loaded on first use, a WeakMap memo keyed by the object itself).
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))
const WORKER = join(SRC, 'worker')
// What a worker thread loads besides its own folder (test/layout/imports.test.mjs keeps it to these).
const ALSO_LOADED = ['privacy', 'event', 'ring', 'shared']

// Module-level mutable state: a `let`, or a collection made at load.
const STATE = /^(?:export\s+)?(?:let\s+\w+|const\s+\w+\s*(?::[^=]+)?=\s*new\s+(?:Map|Set|WeakMap|WeakSet|LRUCache)\b)/
const COMMENT = /^\s*(?:\/\/|\/\*|\*)/
const TYPE = /^(?:export\s+)?type\s/

/**
 * The module-level state declarations of a source text that no comment explains: the
 * lines right above one, past other such declarations and type aliases, must be a comment.
 */
function unexplained (text) {
  const lines = text.split('\n')
  const out = []
  lines.forEach((line, i) => {
    if (!STATE.test(line)) return
    let j = i - 1
    while (j >= 0 && (STATE.test(lines[j]) || TYPE.test(lines[j]))) j--
    if (j < 0 || !COMMENT.test(lines[j])) out.push(`${i + 1}: ${line.trim()}`)
  })
  return out
}

const files = readdirSync(WORKER).filter((n) => n.endsWith('.ts'))
const loaded = [WORKER, ...ALSO_LOADED.map((d) => join(SRC, d))].flatMap((dir) => readdirSync(dir).filter((n) => n.endsWith('.ts')).map((n) => join(dir, n)))

t.test('the check can fail: a bare module variable is caught, an explained one is not', async (t) => {
  t.same(unexplained('const LIMIT = 5\nlet count = 0\n'), ['2: let count = 0'])
  t.same(unexplained('// a note\n\nconst cache = new Map()\n'), ['3: const cache = new Map()'], 'a comment a blank line away belongs to something else')
  t.same(unexplained('const seen: Set<string> = new Set()\n'), ['1: const seen: Set<string> = new Set()'])
  t.same(unexplained('// one per thread: why\nconst a = new WeakMap()\nconst b = new WeakMap()\n'), [])
  t.same(unexplained('// loaded on first use: why\ntype Lib = typeof import("x")\nlet lib: Lib | null = null\n'), [])
  t.same(unexplained('class A {\n  private n = 0\n  let = 1\n}\n'), [], 'members are not module state')
})

t.test('the worker modules were read', async (t) => {
  t.ok(files.includes('index.ts') && files.includes('delivery-worker.ts'), files.join(', '))
})

t.test('the thread entry holds no state of its own', async (t) => {
  const text = readFileSync(join(WORKER, 'index.ts'), 'utf8')
  t.same(text.split('\n').filter((l) => STATE.test(l)), [])
  t.match(text, /new DeliveryWorker\(workerData/, 'the worker is made from the workerData the thread starts with')
})

t.test('every module-level variable or collection a worker thread loads says why it is not per worker', async (t) => {
  t.ok(loaded.some((p) => p.endsWith('privacy/scrub.ts')) && loaded.some((p) => p.endsWith('event/assemble.ts')), 'the shared layers are read too')
  const bad = loaded.flatMap((p) => unexplained(readFileSync(p, 'utf8')).map((s) => `${p.slice(SRC.length)}:${s}`))
  t.same(bad, [])
})
