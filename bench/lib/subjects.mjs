// Subjects measured side by side, behind one small interface. Each runs in its own
// fresh process; `delivered` is read from the collector, never from the subject.

/** DSNs for one run: each run gets its own project so the collector's counts are per run. */
export function dsnsFor (collectorUrl, runId) {
  const u = new URL(collectorUrl)
  return { dsn: `${collectorUrl}/${runId}`, sentryDsn: `http://benchkey@${u.host}/${runId}`, oursKey: runId, sentryKey: `sentry:${runId}` }
}

export async function loadSubject (name, { dsn, sentryDsn, options = {} }) {
  if (name === 'ours') {
    const xr = await import('xrayradar')
    xr.init({ dsn, ...options })
    return {
      name,
      capture: (err) => xr.captureException(err),
      message: (m) => xr.captureMessage(m),
      setUser: xr.setUser, setTag: xr.setTag, setExtra: xr.setExtra,
      addBreadcrumb: xr.addBreadcrumb,
      flush: (ms) => xr.flush(ms),
      stats: () => xr.stats()
    }
  }
  if (name === 'sentry') {
    const Sentry = await import('@sentry/node')
    // Its defaults, errors only (no tracing configured).
    Sentry.init({ dsn: sentryDsn })
    return {
      name,
      capture: (err) => Sentry.captureException(err),
      message: (m) => Sentry.captureMessage(m),
      setUser: Sentry.setUser, setTag: Sentry.setTag, setExtra: Sentry.setExtra,
      addBreadcrumb: Sentry.addBreadcrumb,
      flush: (ms) => Sentry.flush(ms),
      stats: () => null
    }
  }
  if (name === 'naive') {
    // The floor the core issue names: pack everything per event and copy it into a
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
  throw new Error(`unknown subject ${name}`)
}
