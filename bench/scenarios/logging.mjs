// Logging figure: main-thread µs per pino logger.info call and per console.log call with the
// integration on (the breadcrumb path: info is a breadcrumb, no event) against off, in one
// process, rounds alternating off/on so both see the same JIT state; output discarded (pino
// to a write() that does nothing, console to a process.stdout.write that does nothing).
// Usage: node bench/scenarios/logging.mjs '{"dsn":"…"}'
import dc from 'node:diagnostics_channel'
import { ErrorTracker, pinoIntegration, consoleIntegration } from 'xrayradar'
import pino from 'pino'

const args = JSON.parse(process.argv[2] ?? '{}')
const CALLS = Number(args.calls ?? 20000)
const ROUNDS = Number(args.rounds ?? 15)
const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)] }

const out = process.stdout.write.bind(process.stdout)
process.stdout.write = () => true
const log = pino({ name: 'bench' }, { write () {} })

function time (call) {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < CALLS; i++) call(i)
  return Number(process.hrtime.bigint() - t0) / 1000 / CALLS
}
const pinoCall = (i) => log.info({ orderId: i }, 'order placed')
const consoleCall = (i) => console.log('order placed', i)

// Each "on" round gets its own client (as init() would), closed after the round.
function withIntegration (integration, fn) {
  const client = new ErrorTracker({ dsn: args.dsn, spool: false, defaultIntegrations: false, integrations: [integration] })
  try { return fn() } finally { client.close(100) }
}

// pino's share: its tracing channel with a subscriber that does nothing (what any subscriber pays).
const noop = () => {}
function channelOnly (fn) {
  dc.subscribe('tracing:pino_asJson:start', noop)
  try { return fn() } finally { dc.unsubscribe('tracing:pino_asJson:start', noop) }
}

const r = { pinoOff: [], pinoOn: [], pinoChannel: [], consoleOff: [], consoleOn: [] }
for (let round = 0; round < ROUNDS + 2; round++) {
  const keep = round >= 2 // two warm-up rounds
  const po = time(pinoCall)
  const pn = withIntegration(pinoIntegration(), () => time(pinoCall))
  const pc = channelOnly(() => time(pinoCall))
  const co = time(consoleCall)
  const cn = withIntegration(consoleIntegration(), () => time(consoleCall))
  if (keep) { r.pinoOff.push(po); r.pinoOn.push(pn); r.pinoChannel.push(pc); r.consoleOff.push(co); r.consoleOn.push(cn) }
}
// Added cost: the median of the per-round differences (each round's on against its own off).
const added = (on, off) => median(on.map((v, i) => v - off[i]))
// And between the best rounds: the cost with the least interference from other processes
// (on a shared machine a busy neighbour slows the on and off rounds alike, and the paired
// difference grows with it).
const bestAdded = (on, off) => Math.min(...on) - Math.min(...off)
out(JSON.stringify({
  pinoOffUs: median(r.pinoOff),
  pinoOnUs: median(r.pinoOn),
  pinoAddedUs: added(r.pinoOn, r.pinoOff),
  pinoChannelAddedUs: added(r.pinoChannel, r.pinoOff),
  pinoBestAddedUs: bestAdded(r.pinoOn, r.pinoOff),
  pinoChannelBestAddedUs: bestAdded(r.pinoChannel, r.pinoOff),
  consoleBestAddedUs: bestAdded(r.consoleOn, r.consoleOff),
  consoleOffUs: median(r.consoleOff),
  consoleOnUs: median(r.consoleOn),
  consoleAddedUs: added(r.consoleOn, r.consoleOff),
  node: process.version
}) + '\n')
process.exit(0)
