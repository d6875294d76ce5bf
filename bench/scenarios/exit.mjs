// Figure 4: captures, then process.exit(0) at once. Delivered is counted by the collector.
import { loadSubject } from '../lib/subjects.mjs'
import { applyScope, makeError } from '../lib/data.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
const s = await loadSubject(args.subject, args)
applyScope(s)
const n = Number(args.count ?? 1000)
for (let i = 0; i < n; i++) s.capture(makeError())
process.stdout.write(JSON.stringify({ captured: n }) + '\n')
process.exit(0)
