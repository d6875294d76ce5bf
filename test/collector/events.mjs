// Events for the collector's tests: valid by the store contract (docs/wire-protocol.md),
// built field by field so a test names only what it is about.
let n = 0

export function frame (fn, file, line, { inApp = true, context = true } = {}) {
  const f = { filename: file, function: fn, lineno: line, colno: 5, abs_path: `/srv/app/${file}`, in_app: inApp }
  if (context) {
    f.pre_context = [`// line ${line - 2} of ${file}`, `function ${fn} () {`]
    f.context_line = `  throw new Error('in ${fn}')`
    f.post_context = ['}']
  }
  return f
}

export function errorEvent ({ type = 'TypeError', value = 'boom', frames = [frame('handler', 'src/app.js', 10)], fingerprint, level = 'error', ...rest } = {}) {
  return wireEvent({
    level,
    message: `${type}: ${value}`,
    exception: { values: [{ type, value, module: null, stacktrace: { frames } }] },
    fingerprint: fingerprint ?? [type, frames.filter((f) => f.in_app).at(-1)?.function ?? 'none'],
    ...rest
  })
}

export function wireEvent (over = {}) {
  n++
  const { contexts, ...top } = over
  return {
    event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    timestamp: new Date().toISOString(),
    level: 'error',
    message: 'm',
    platform: 'javascript',
    sdk: { name: 'xrayradar-node', version: '0.1.0' },
    contexts: { user: null, request: null, tags: {}, extra: {}, server_name: 'web-1', release: '1.0.0', environment: 'test', ...contexts },
    breadcrumbs: [],
    fingerprint: [over.message ?? 'm'],
    modules: {},
    ...top
  }
}

/** Posts one event to a collector's store endpoint; resolves with the HTTP status. */
export async function post (collector, project, event, headers = {}) {
  const res = await fetch(`${collector.url}/api/${encodeURIComponent(project)}/store/`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(event)
  })
  await res.arrayBuffer()
  return res.status
}
