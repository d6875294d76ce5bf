import type { WireBreadcrumb, WireEvent } from '../../shared/types'
import { h } from './dom'
import { valueNode } from './fields'
import { clock, offset } from './format'
import { eventHeadline } from './headline'

// The breadcrumbs as a timeline, oldest first, ending with the event itself: time (and
// how long before the event), type, category, level, message, data.

function data (d: Record<string, unknown> | null): HTMLElement | null {
  if (d === null || Object.keys(d).length === 0) return null
  return h('dl', { class: 'crumb-data' }, ...Object.entries(d).flatMap(([k, v]) => [h('dt', null, k), h('dd', null, valueNode(v, 1))]))
}

function crumbRow (b: WireBreadcrumb, eventTime: string): HTMLTableRowElement {
  return h('tr', { class: `crumb level-${b.level ?? 'none'}` },
    h('td', { class: 'time' }, h('time', { datetime: b.timestamp, title: b.timestamp }, clock(b.timestamp)), h('span', { class: 'offset' }, offset(b.timestamp, eventTime))),
    h('td', { class: 'type' }, b.type ?? ''),
    h('td', { class: 'category' }, b.category ?? ''),
    h('td', { class: 'level' }, b.level === null ? '' : h('span', { class: `badge level-${b.level}` }, b.level)),
    h('td', { class: 'message' }, h('span', { class: 'text' }, b.message ?? ''), data(b.data)))
}

export function breadcrumbTimeline (e: WireEvent): HTMLElement {
  const body = h('tbody', null, ...e.breadcrumbs.map((b) => crumbRow(b, e.timestamp)))
  body.append(h('tr', { class: 'crumb the-event' },
    h('td', { class: 'time' }, h('time', { datetime: e.timestamp, title: e.timestamp }, clock(e.timestamp)), h('span', { class: 'offset' }, '0 s')),
    h('td', { class: 'type' }, 'event'),
    h('td', { class: 'category' }, ''),
    h('td', { class: 'level' }, h('span', { class: `badge level-${e.level}` }, e.level)),
    h('td', { class: 'message' }, h('span', { class: 'text' }, eventHeadline(e)))))
  return h('table', { class: 'crumbs' },
    h('thead', null, h('tr', null, ...['Time', 'Type', 'Category', 'Level', 'Message and data'].map((c) => h('th', { scope: 'col' }, c)))),
    body)
}
