// Subjects measured side by side, behind one small interface. Each runs in its own
// fresh process; `delivered` is read from the collector, never from the subject.

/** DSNs for one run: each run gets its own project so the collector's counts are per run. */
export function dsnsFor (collectorUrl, runId) {
  const u = new URL(collectorUrl)
  return { dsn: `${collectorUrl}/${runId}`, sentryDsn: `http://benchkey@${u.host}/${runId}`, oursKey: runId, sentryKey: `sentry:${runId}` }
}

/** Both SDKs share these function names; stats() only ours has. */
function fromSdk (name, sdk, stats) {
  return {
    name,
    capture: (err) => sdk.captureException(err),
    message: (m) => sdk.captureMessage(m),
    setUser: sdk.setUser, setTag: sdk.setTag, setExtra: sdk.setExtra,
    addBreadcrumb: sdk.addBreadcrumb,
    flush: (ms) => sdk.flush(ms),
    stats
  }
}

export async function loadSubject (name, { dsn, sentryDsn, options = {}, oursModule = 'xrayradar', body }) {
  if (name === 'ours') {
    // oursModule: another build (a path) to compare two versions of ours in one run.
    const xr = await import(oursModule)
    xr.init({ dsn, ...options })
    return fromSdk(name, xr, () => xr.stats())
  }
  if (name === 'sentry') {
    const Sentry = await import('@sentry/node')
    // Its defaults, errors only (no tracing configured).
    Sentry.init({ dsn: sentryDsn })
    return fromSdk(name, Sentry, () => null)
  }
  if (name === 'naive') {
    // The naive floor: pack everything per event (what a capture without shared scope bytes must do) and copy it into a
    // SharedArrayBuffer. No workers, no delivery: main-thread cost only.
    const { Packr } = await import('msgpackr')
    const packr = new Packr({ useRecords: false })
    const ring = new Uint8Array(new SharedArrayBuffer(8 * 1024 * 1024))
    let off = 0
    const scope = { user: null, tags: {}, extra: {}, breadcrumbs: [] }
    const put = (event) => {
      const bytes = packr.pack(event)
      if (off + bytes.length > ring.length) off = 0
      ring.set(bytes, off)
      off += bytes.length
    }
    return {
      name,
      capture: (err) => put({ id: crypto.randomUUID(), ts: Date.now(), type: err.name, value: err.message, stack: err.stack, ...scope }),
      message: (m) => put({ id: crypto.randomUUID(), ts: Date.now(), message: m, ...scope }),
      setUser: (u) => { scope.user = u },
      setTag: (k, v) => { scope.tags = { ...scope.tags, [k]: v } },
      setExtra: (k, v) => { scope.extra = { ...scope.extra, [k]: v } },
      addBreadcrumb: (c) => { scope.breadcrumbs = [...scope.breadcrumbs, { ...c, timestamp: Date.now() }].slice(-100) },
      flush: async () => true,
      stats: () => null
    }
  }
  if (name === 'sender') {
    // The bare sender as a subject (figure 2): each capture reads the error's stack (V8 formats
    // it, which every SDK's capture must have done) and asks a worker thread for one POST of a
    // prebuilt event (body), sent at its next 10 ms tick with undici's Pool and nothing else.
    // What any SDK that sends one event per request from a worker pays at this rate.
    if (typeof body !== 'string') throw new Error('the sender subject needs the event body (bench/scenarios/event-body.mjs)')
    const { startBareSender } = await import('./bare-sender.mjs')
    const sender = await startBareSender({ dsn, body, mode: 'counted', tickMs: 10 })
    const noop = () => {}
    return {
      name,
      // Reading the accessor is what makes V8 format the stack; the string itself is not needed.
      capture: (err) => { void err.stack; sender.ask() },
      message: () => sender.ask(),
      setUser: noop, setTag: noop, setExtra: noop, addBreadcrumb: noop,
      flush: (ms) => sender.flush(ms),
      stats: () => null
    }
  }
  throw new Error(`unknown subject ${name}`)
}
