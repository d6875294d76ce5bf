// The HTTP floor: what the wire contract itself costs (one event per POST to
// /api/{project}/store/), with nothing of ours in the way. One event is built by our SDK
// from the bench's usual data (the same JSON the other figures send), stringified once,
// and then one worker thread POSTs that body N times with undici's Pool (keep-alive,
// 8 connections, 16 requests in flight, dispatch()), as fast as it can
// (bench/lib/bare-sender-worker.cjs).
// Reports whole-process CPU µs per event (process.cpuUsage covers every thread) and the
// time to send them all.
// Paced (args.rate): the same sender starts, every tickMs (10: our workers' linger), the
// requests due by then (no in-flight cap: the Pool queues them), `count` in all: what the
// contract costs at a steady rate, wake-ups included, for figure 2's rates.
// Capped (args.perSecond): as fast as it can, but at most perSecond started per second, as
// the SDK's default maxEventsPerSecond allows: the least time figure 3's burst can take.
import { performance } from 'node:perf_hooks'
import { buildEventBody } from '../lib/event-body.mjs'
import { startBareSender } from '../lib/bare-sender.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
const n = Number(args.count ?? 50000)
const rate = Number(args.rate ?? 0)
const body = await buildEventBody(args.oursModule, args.dsn)

const sender = await startBareSender({ dsn: args.dsn, body, mode: rate > 0 ? 'paced' : 'fast', n, rate, tickMs: Number(args.tickMs ?? 10), perSecond: Number(args.perSecond ?? 0) })
const cpu0 = process.cpuUsage()
const t0 = performance.now()
const { ok, failed } = await sender.go()
const sendMs = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
await sender.terminate()
process.stdout.write(JSON.stringify({
  count: n,
  ok,
  failed,
  bodyBytes: Buffer.byteLength(body),
  sendMs,
  cpuUsPerEvent: (cpu.user + cpu.system) / n,
  perSecond: n / (sendMs / 1000),
  cap: Number(args.perSecond ?? 0)
}) + '\n')
process.exit(0)
