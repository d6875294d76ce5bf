// The source's import graph: no module imports itself through others (no cycles, type imports
// included), the capture and event layers and the pool and worker layers depend one way only,
// and the worker threads load no capture or integration code (they run none of it).
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

/** Relative imports of a file (static, dynamic and require), as src-relative module ids. */
function importsOf (file) {
  const text = readFileSync(file, 'utf8')
  const out = new Set()
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
    const target = resolve(dirname(file), m[1]).replace(/\.(m?js)$/, '')
    for (const ext of ['.ts', '.mts', '/index.ts']) {
      try { if (statSync(target + ext).isFile()) { out.add(relative(SRC, target + ext)); break } } catch {}
    }
  }
  return [...out]
}

const graph = new Map(files(SRC).map((f) => [relative(SRC, f), importsOf(f)]))
const layer = (id) => id.includes('/') ? id.split('/')[0] : '(root)'

t.test('the graph was read (a parser that finds nothing would pass everything below)', async (t) => {
  t.ok(graph.size > 40, `${graph.size} modules`)
  t.ok(graph.get('capture/client.ts').includes('event/assemble.ts'), 'a known edge is found')
  t.ok(graph.get('pool/pipeline.ts').includes('shared/worker-protocol.ts'), 'a type-only import is an edge too')
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

t.test('layers depend one way: event and worker never import capture; worker never imports pool', async (t) => {
  const bad = []
  for (const [from, tos] of graph) {
    for (const to of tos) {
      const a = layer(from); const b = layer(to)
      if ((a === 'event' || a === 'worker' || a === 'shared' || a === 'ring') && (b === 'capture' || b === 'integrations')) bad.push(`${from} -> ${to}`)
      if ((a === 'worker' || a === 'shared') && b === 'pool') bad.push(`${from} -> ${to}`)
    }
  }
  t.same(bad, [])
})

t.test('what a worker thread loads holds no capture, pool or integration code', async (t) => {
  const seen = new Set()
  const walk = (id) => { if (seen.has(id)) return; seen.add(id); for (const n of graph.get(id) ?? []) walk(n) }
  walk('worker/index.ts')
  t.ok(seen.has('worker/scrub.ts'), 'the walk reaches the worker stages')
  t.same([...seen].filter((id) => ['capture', 'pool', 'integrations'].includes(layer(id))), [])
})
