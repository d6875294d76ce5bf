// Figure 11: worker time per event to map frames, on the bundle bench/lib/ts-app.mjs
// builds (10-frame errors from the TypeScript service inside a 260 KB bundle with a
// 450 KB map). In one process, with the worker's own modules (dist/worker):
// - cold: the first event of the bundle (trace-mapping loaded, the file's tail read,
//   the map read and parsed, its mappings decoded), and the heap the parsed map holds;
// - warm: parse + map + context lines of a stack not seen before (the per-stack
//   cache missed, the map cached), against parse + context lines without mapping,
//   rounds alternating, and mapFrames alone; a stack seen before costs none of
//   this (build-event.ts caches its frames).
// Usage: node --expose-gc bench/scenarios/tsworker.mjs '{}' (prints one JSON line)
import { createRequire } from 'node:module'
import { rmSync } from 'node:fs'
import { buildTsApp } from '../lib/ts-app.mjs'
import { parseStack } from '../../dist/worker/stack.js'
import { ContextLines } from '../../dist/worker/context-lines.js'
import { SourceMaps } from '../../dist/worker/source-maps.js'
import { AppFiles } from '../../dist/worker/app-files.js'

const EVENTS_PER_ROUND = 500
const ROUNDS = 61
const WARMUP_ROUNDS = 5
const cwd = process.cwd()
const gc = globalThis.gc ?? (() => {})
// As a worker has it: the files of the app in this directory, the stacks unmapped by Node.
const files = new AppFiles({ cwd, entryScript: process.argv[1] })
const lines = new ContextLines(files, null)
const maps = new SourceMaps({ enabled: true, debug: false, cwd }, files, lines)

const app = await buildTsApp()
const { makeServiceError } = createRequire(import.meta.url)(app.bundle)
// The frames part, as the worker gets it (the header goes apart).
const stacks = Array.from({ length: 64 }, () => { const s = makeServiceError().stack; return s.slice(s.indexOf('\n    at ')) })

gc()
const heap0 = process.memoryUsage().heapUsed
const t0 = process.hrtime.bigint()
const first = parseStack(stacks[0], cwd)
maps.mapFrames(first)
const coldMs = Number(process.hrtime.bigint() - t0) / 1e6
gc()
const mapHeapBytes = process.memoryUsage().heapUsed - heap0
if (!first.at(-1).abs_path.endsWith('orders.ts')) throw new Error(`the bundle's frames were not mapped: ${JSON.stringify(first.at(-1))}`)

function round (map) {
  const t = process.hrtime.bigint()
  for (let i = 0; i < EVENTS_PER_ROUND; i++) {
    const frames = parseStack(stacks[i % stacks.length], cwd)
    const mapped = map ? maps.mapFrames(frames) : undefined
    lines.addTo(frames, undefined, mapped)
  }
  return Number(process.hrtime.bigint() - t) / 1000 / EVENTS_PER_ROUND
}

/** mapFrames alone: the round's stacks parsed first, untimed. */
function mapRound () {
  const parsed = Array.from({ length: EVENTS_PER_ROUND }, (_, i) => parseStack(stacks[i % stacks.length], cwd))
  const t = process.hrtime.bigint()
  for (let i = 0; i < EVENTS_PER_ROUND; i++) maps.mapFrames(parsed[i])
  return Number(process.hrtime.bigint() - t) / 1000 / EVENTS_PER_ROUND
}

const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)] }
for (let i = 0; i < WARMUP_ROUNDS; i++) { round(false); round(true); mapRound() }
const off = []
const on = []
const alone = []
for (let i = 0; i < ROUNDS; i++) {
  const [a, b] = i % 2 === 0 ? [round(false), round(true)] : [round(true), round(false)].reverse()
  off.push(a)
  on.push(b)
  alone.push(mapRound())
}
const framesPerEvent = first.length
const mappedUs = median(on)
const plainUs = median(off)
const result = {
  bundleBytes: app.bundleBytes,
  mapBytes: app.mapBytes,
  coldMs,
  mapHeapMiB: mapHeapBytes / 2 ** 20,
  framesPerEvent,
  plainUs,
  mappedUs,
  mapOnlyUs: median(alone),
  counts: maps.counts()
}
rmSync(app.dir, { recursive: true, force: true })
process.stdout.write(JSON.stringify(result) + '\n')
