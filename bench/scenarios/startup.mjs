// Figure 6: import + init cost in a fresh process.
import { performance } from 'node:perf_hooks'
const args = JSON.parse(process.argv[2] ?? '{}')
const t0 = performance.now()
const { loadSubject } = await import('../lib/subjects.mjs')
const tLib = performance.now()
await loadSubject(args.subject, args)
const ms = performance.now() - tLib
process.stdout.write(JSON.stringify({ importInitMs: ms, harnessMs: tLib - t0 }) + '\n')
process.exit(0)
