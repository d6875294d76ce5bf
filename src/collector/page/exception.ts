import type { WireException, WireFrame } from '../../shared/types'
import { h } from './dom'

// The exception and what it links to (causes, AggregateError members), the caught one
// first; each with its frames newest first, as error trackers show them. The
// application's own frames are open with their source lines; runs of other frames
// (node_modules, Node's internals) fold into one closed line.

function location (f: WireFrame): string {
  const file = f.filename ?? f.abs_path ?? '?'
  return f.lineno === null ? file : f.colno === null ? `${file}:${f.lineno}` : `${file}:${f.lineno}:${f.colno}`
}

function hasSource (f: WireFrame): boolean {
  return f.context_line != null || (f.pre_context?.length ?? 0) > 0 || (f.post_context?.length ?? 0) > 0
}

function sourceLines (f: WireFrame): HTMLElement {
  const pre = f.pre_context ?? []
  const post = f.post_context ?? []
  const first = f.lineno === null ? null : f.lineno - pre.length
  const lines: Array<[string, boolean]> = [...pre.map((l): [string, boolean] => [l, false])]
  if (f.context_line != null) lines.push([f.context_line, true])
  lines.push(...post.map((l): [string, boolean] => [l, false]))
  return h('div', { class: 'source', role: 'group', 'aria-label': `source of ${location(f)}` },
    ...lines.map(([text, current], i) => h('div', { class: current ? 'line current' : 'line' },
      h('span', { class: 'ln' }, first === null ? '' : String(first + i)),
      h('span', { class: 'src' }, text))))
}

function frame (f: WireFrame): HTMLLIElement {
  const summary = h('summary', null,
    h('span', { class: 'fn' }, f.function ?? '<anonymous>'),
    h('span', { class: 'loc' }, location(f)),
    f.in_app ? h('span', { class: 'badge in-app' }, 'in app') : null)
  const body = h('div', { class: 'frame-body' },
    hasSource(f) ? sourceLines(f) : h('p', { class: 'muted' }, 'No source lines were sent for this frame.'),
    f.abs_path !== null && f.abs_path !== f.filename ? h('p', { class: 'abs muted' }, f.abs_path) : null)
  const details = h('details', { class: f.in_app ? 'frame in-app' : 'frame other' }, summary, body)
  details.open = f.in_app
  return h('li', null, details)
}

/** Where a frame not of the application comes from: its package, or "node" for Node's own code. */
function origin (f: WireFrame): string {
  const file = f.filename ?? f.abs_path ?? ''
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)
  if (pkg !== null) return pkg[1] as string
  if (file.startsWith('node:') || file.startsWith('internal/') || file === '') return 'node'
  return file.split('/')[0] ?? file
}

/** Most package names a folded run's summary lists: enough to tell express from node, short enough for one line. */
const ORIGINS_SHOWN = 3

function otherFrames (run: WireFrame[]): HTMLLIElement {
  if (run.length === 1) return frame(run[0] as WireFrame)
  const origins = [...new Set(run.map(origin))]
  const from = origins.slice(0, ORIGINS_SHOWN).join(', ') + (origins.length > ORIGINS_SHOWN ? ', …' : '')
  const details = h('details', { class: 'frames-run' },
    h('summary', null, `${run.length} other frames`, h('span', { class: 'muted' }, ` from ${from}`)),
    h('ol', { class: 'frames' }, ...run.map(frame)))
  return h('li', null, details)
}

export function framesList (frames: WireFrame[]): HTMLElement {
  const list = h('ol', { class: 'frames' })
  let run: WireFrame[] = []
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i] as WireFrame
    if (f.in_app) {
      if (run.length > 0) { list.append(otherFrames(run)); run = [] }
      list.append(frame(f))
    } else {
      run.push(f)
    }
  }
  if (run.length > 0) list.append(otherFrames(run))
  return list
}

export function exceptionPanel (values: WireException[]): HTMLElement {
  const items: HTMLElement[] = []
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i] as WireException
    const frames = v.stacktrace?.frames ?? []
    items.push(h('div', { class: i === values.length - 1 ? 'exception caught' : 'exception linked' },
      i === values.length - 1 ? null : h('p', { class: 'linked-label' }, 'linked: a cause or an AggregateError member'),
      h('h3', null, h('span', { class: 'type' }, v.type), v.value === '' ? null : ': ', v.value === '' ? null : h('span', { class: 'value' }, v.value)),
      v.module === null ? null : h('p', { class: 'muted' }, `module ${v.module}`),
      frames.length === 0 ? h('p', { class: 'muted' }, 'No stack trace.') : framesList(frames)))
  }
  return h('div', { class: 'exceptions' }, ...items)
}
