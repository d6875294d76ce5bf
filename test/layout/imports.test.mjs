// The source's import graph: no module imports itself through others (no cycles, type imports
// included), every import points down the layers' rank table, and the worker threads load no
// capture, pool or integration code (they run none of it).
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

function files (dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? files(p) : /\.m?ts$/.test(n) && !n.endsWith('.d.ts') ? [p] : []
  })
}

/** The relative specifiers in a source text: from '…', import('…'), require('…') and a bare import '…', in either quote. */
function specifiersIn (text) {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm)].map((m) => m[2])
}

/** Relative imports of a file (static, dynamic and require), as src-relative module ids. */
function importsOf (file) {
  const out = new Set()
  for (const spec of specifiersIn(readFileSync(file, 'utf8'))) {
    const target = resolve(dirname(file), spec).replace(/\.(m?js)$/, '')
    for (const ext of ['.ts', '.mts', '/index.ts']) {
      try { if (statSync(target + ext).isFile()) { out.add(relative(SRC, target + ext)); break } } catch {}
    }
  }
  return [...out]
}

const graph = new Map(files(SRC).map((f) => [relative(SRC, f), importsOf(f)]))

t.test('the graph was read (a parser that finds nothing would pass everything below)', async (t) => {
  t.ok(graph.size > 40, `${graph.size} modules`)
  t.ok(graph.get('capture/client.ts').includes('event/assemble.ts'), 'a known edge is found')
  t.ok(graph.get('pool/pipeline.ts').includes('shared/worker-protocol.ts'), 'a type-only import is an edge too')
  const text = "import './a'\nimport x from \"../b\"\nconst c = require('./c')\nexport { d } from './d'\nconst e = await import('../e.js')\nimport 'node:fs'\n"
  t.same(specifiersIn(text), ['./a', '../b', './c', './d', '../e.js'], 'side-effect imports and double quotes are edges too; packages are not')
})

t.test('no import cycles between modules', async (t) => {
  // Tarjan's strongly connected components; any component of two or more modules is a cycle.
  let index = 0
  const idx = new Map(); const low = new Map(); const stack = []; const on = new Set(); const cycles = []
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))) } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)))
    }
    if (low.get(v) === idx.get(v)) {
      const comp = []
      let w
      do { w = stack.pop(); on.delete(w); comp.push(w) } while (w !== v)
      if (comp.length > 1) cycles.push(comp.sort())
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) visit(v)
  t.same(cycles, [], 'no module reaches itself')
})

// Every folder's rank (docs/architecture.md draws it): a module imports only modules of a lower
// rank, or of its own folder. Two folders of one rank never import each other (the worker
// threads and the pool that starts them share nothing but shared/ and what is below them).
const RANKS = [
  ['shared'],
  ['transports', 'collector'],
  ['config'],
  ['ring'],
  ['event', 'privacy'],
  ['worker', 'pool'],
  ['lifecycle'],
  ['capture'],
  ['integrations'],
  ['sdk.ts'],
  ['index.ts'],
  ['demo', 'esm'],
  ['cli.ts']
]
const rankOf = new Map(RANKS.flatMap((names, rank) => names.map((n) => [n, rank])))
const unit = (id) => id.includes('/') ? id.split('/')[0] : id
/** The rule itself: within a folder, or down the table. */
const allowed = (from, to) => unit(from) === unit(to) || rankOf.get(unit(to)) < rankOf.get(unit(from))

t.test('every module has a rank (a new folder is placed in the table, not let through)', async (t) => {
  t.same([...graph.keys()].filter((id) => !rankOf.has(unit(id))), [])
})

t.test('every import points down the rank table, per file', async (t) => {
  const bad = []
  for (const [from, tos] of graph) {
    for (const to of tos) {
      if (!allowed(from, to)) bad.push(`${from} -> ${to}`)
    }
  }
  t.same(bad, [])
})

t.test('the rank check can fail: an upward and a sideways import are caught', async (t) => {
  t.equal(allowed('capture/client.ts', 'integrations/setup.ts'), false, 'capture -> integrations is upward')
  t.equal(allowed('pool/pipeline.ts', 'worker/spool.ts'), false, 'pool -> worker is sideways')
  t.equal(allowed('config/options.ts', 'lifecycle/signals.ts'), false)
  t.equal(allowed('sdk.ts', 'integrations/setup.ts'), true, 'the composition root may import everything below it')
  t.equal(allowed('capture/hub.ts', 'capture/scope.ts'), true, 'within a folder')
})

t.test('what a worker thread loads holds no capture, pool or integration code', async (t) => {
  const seen = new Set()
  const walk = (id) => { if (seen.has(id)) return; seen.add(id); for (const n of graph.get(id) ?? []) walk(n) }
  walk('worker/index.ts')
  t.ok(seen.has('privacy/scrub.ts') && seen.has('worker/spool.ts'), 'the walk reaches the worker stages')
  t.same([...seen].filter((id) => ['capture', 'pool', 'integrations', 'lifecycle'].includes(unit(id))), [])
})
