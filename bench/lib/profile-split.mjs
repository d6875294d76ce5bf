// Figure 8d: a CPU profile of a server's main thread (V8's sampling profiler, through the
// inspector) split by who ran each sample: the SDK's own functions (files under its dist/),
// Node's diagnostics_channel (the publish that calls the SDK's subscriber: Node's work, done only
// because a subscriber exists), AsyncLocalStorage and its async-context machinery, the garbage
// collector, the socket writes (the native write Node's streams call: its encoding, libuv, the
// kernel's time in the syscall, and, the profiler sampling wall time, any time the thread was
// preempted there), and everything else (the framework, Node's HTTP and the JS side of the
// sockets). Self time only: each sample counts once, for the function it was in.

// Node's own files that make up AsyncLocalStorage (async_hooks on Node 20/22, AsyncContextFrame
// on 24+): the floor pays these too, so ours minus the floor shows what the SDK adds to them.
const ALS_URLS = /^node:(async_hooks|internal\/async_hooks|internal\/async_local_storage\/|internal\/async_context_frame)/

// A socket's native write as Node's stream code calls it (writev, writeBuffer, write…String: the
// C++ that encodes the chunks and hands them to libuv, which makes the syscall): a native frame
// (no URL) of one of these names whose caller is in this file. Not its other natives there (new
// WriteWrap(), readStop()), which stay in the rest.
const WRITE_CALLER_URL = 'node:internal/stream_base_commons'
const NATIVE_WRITES = /^(writev|writeBuffer|write(Utf8|Latin1|Ascii|Ucs2)String)$/

export const PARTS = ['sdk', 'channel', 'als', 'gc', 'write', 'other']

/**
 * Sums a profile's samples (µs) by part. sdkUrl: the file: URL of the SDK's dist/ directory
 * (with a trailing slash), or null for a subject without the SDK. Also the SDK's functions by
 * self time, largest first ({ name, us }), so a figure can say which of them cost.
 */
export function splitProfile (profile, sdkUrl) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const parentOf = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id)
  const parts = Object.fromEntries(PARTS.map((p) => [p, 0]))
  const sdkFns = new Map()
  const { samples, timeDeltas } = profile
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample; the time a sample stands for is the
    // one that follows it (the last sample: its own delta, as Chrome's DevTools count it).
    const us = timeDeltas[i + 1] ?? timeDeltas[i] ?? 0
    const cf = byId.get(samples[i])
    if (cf === undefined || cf.functionName === '(idle)') continue
    const part = partOf(cf, sdkUrl, byId.get(parentOf.get(samples[i])))
    parts[part] += us
    if (part === 'sdk') {
      const name = `${cf.functionName || '(anonymous)'} (${cf.url.slice(sdkUrl.length)})`
      sdkFns.set(name, (sdkFns.get(name) ?? 0) + us)
    }
  }
  const total = PARTS.reduce((s, p) => s + parts[p], 0)
  const top = [...sdkFns].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, us }))
  return { ...parts, total, top }
}

function partOf (cf, sdkUrl, parent) {
  if (sdkUrl !== null && cf.url.startsWith(sdkUrl)) return 'sdk'
  if (cf.functionName === '(garbage collector)') return 'gc'
  if (cf.url === '' && parent?.url === WRITE_CALLER_URL && NATIVE_WRITES.test(cf.functionName)) return 'write'
  if (cf.url === 'node:diagnostics_channel') return 'channel'
  if (ALS_URLS.test(cf.url)) return 'als'
  return 'other'
}
