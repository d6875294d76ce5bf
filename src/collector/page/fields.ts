import { h, type Child } from './dom'
import { valueText } from './format'

// Key/value tables for the event's objects (user, request, contexts, extra, modules,
// breadcrumb data). Nested objects and arrays become nested tables a few levels deep,
// so strings inside them still read as they are; anything deeper is indented JSON.
// Every key and value is text.

/** Levels of nested tables before values are shown as JSON: the SDK normalizes contexts to depth 6, and a table inside a breadcrumb's data cell stays readable to about four. */
const NEST_DEPTH = 4

/** One value: a string as it is, a structure as a nested table, a scalar as its JSON. */
export function valueNode (v: unknown, depth = 0): HTMLElement {
  if (v !== null && typeof v === 'object' && depth < NEST_DEPTH) {
    const entries = Array.isArray(v) ? v.map((x, i): [string, unknown] => [String(i), x]) : Object.entries(v)
    if (entries.length > 0) return kvTable(entries, depth + 1)
  }
  return h('span', { class: v === null ? 'value null' : 'value' }, v === null ? 'null' : valueText(v))
}

export function kvTable (obj: Record<string, unknown> | Array<[string, unknown]>, depth = 0): HTMLTableElement {
  const entries = Array.isArray(obj) ? obj : Object.entries(obj)
  return h('table', { class: 'kv' }, h('tbody', null, ...entries.map(([k, v]) =>
    h('tr', null, h('th', { scope: 'row' }, k), h('td', null, valueNode(v, depth))))))
}

export function section (id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...children)
}

export function tagList (tags: Record<string, string>): HTMLElement {
  return h('ul', { class: 'tags' }, ...Object.entries(tags).map(([k, v]) =>
    h('li', { class: 'tag' }, h('span', { class: 'k' }, k), h('span', { class: 'v' }, valueText(v)))))
}
