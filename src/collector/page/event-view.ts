import type { EventPayload } from '../page-api'
import type { WireEvent } from '../../shared/types'
import type { Api } from './api'
import { breadcrumbTimeline } from './breadcrumbs'
import { h } from './dom'
import { exceptionPanel } from './exception'
import { kvTable, section, tagList } from './fields'
import { bytes, count, dateTime } from './format'
import { eventHeadline } from './headline'

// One event, as an error tracker shows it: the exception and its links with their
// frames, the message, breadcrumbs, tags, user, request, contexts, the event's own
// fields, the modules, and the raw JSON one click away. Every field is text.

/** Keys of contexts shown in panels of their own; the others go under "Contexts". */
const OWN_PANELS = new Set(['user', 'request', 'tags', 'extra', 'server_name', 'release', 'environment'])

function rawPanel (api: Api, seq: number): { button: HTMLButtonElement, panel: HTMLElement } {
  const pre = h('pre', { class: 'raw', tabindex: 0 })
  const panel = section('raw', 'Raw JSON', h('p', { class: 'muted' }, 'As stored: the parsed body, indented. Also at ', h('code', null, `GET /ui/api/events/${seq}/raw`), '.'), pre)
  panel.hidden = true
  const button = h('button', { type: 'button', class: 'raw-toggle', 'aria-expanded': 'false', 'aria-controls': 'raw' }, 'Raw JSON')
  let loaded = false
  button.addEventListener('click', () => {
    panel.hidden = !panel.hidden
    button.setAttribute('aria-expanded', String(!panel.hidden))
    button.textContent = panel.hidden ? 'Raw JSON' : 'Hide raw JSON'
    if (!panel.hidden && !loaded) {
      loaded = true
      pre.textContent = 'Loading…'
      api.raw(seq).then((text) => { pre.textContent = text }, (err: Error) => { loaded = false; pre.textContent = `Could not load it: ${err.message}` })
    }
    if (!panel.hidden) panel.scrollIntoView({ block: 'start' })
  })
  return { button, panel }
}

function eventFields (p: EventPayload): Record<string, unknown> {
  const e = p.event
  return {
    event_id: e.event_id,
    timestamp: `${e.timestamp} (${dateTime(e.timestamp)} here)`,
    received: `${p.receivedAt} (${dateTime(p.receivedAt)} here)`,
    level: e.level,
    project: p.project,
    environment: e.contexts.environment,
    release: e.contexts.release,
    server_name: e.contexts.server_name,
    platform: e.platform,
    sdk: `${e.sdk.name} ${e.sdk.version}`,
    fingerprint: e.fingerprint.join(' · '),
    size: bytes(p.bytes)
  }
}

function otherContexts (e: WireEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(e.contexts)) if (!OWN_PANELS.has(k)) out[k] = v
  return out
}

const nonEmpty = (o: Record<string, unknown> | null | undefined): o is Record<string, unknown> => o != null && Object.keys(o).length > 0

export function eventView (api: Api, p: EventPayload, backHash: string): HTMLElement {
  const e = p.event
  const g = p.group
  const raw = rawPanel(api, p.seq)
  const headline = eventHeadline(e)
  const nav = h('nav', { class: 'event-nav', 'aria-label': 'Event' },
    h('a', { href: backHash, class: 'back' }, '← All issues'),
    h('span', { class: 'position' }, `event ${count(g.position)} of ${count(g.count)} in this issue`),
    g.olderSeq === null ? h('span', { class: 'step disabled' }, 'Older') : h('a', { href: `#/event/${g.olderSeq}`, class: 'step', rel: 'prev' }, 'Older'),
    g.newerSeq === null ? h('span', { class: 'step disabled' }, 'Newer') : h('a', { href: `#/event/${g.newerSeq}`, class: 'step', rel: 'next' }, 'Newer'),
    raw.button)
  const tags = e.contexts.tags
  const ctx = otherContexts(e)
  const values = e.exception?.values ?? []
  const panels: Array<HTMLElement | null> = [
    values.length > 0 ? section('exception', values.length > 1 ? `Exception and ${values.length - 1} linked` : 'Exception', exceptionPanel(values)) : null,
    values.length === 0 || e.message !== headline ? section('message', 'Message', h('p', { class: 'message-text' }, e.message)) : null,
    section('breadcrumbs', `Breadcrumbs (${count(e.breadcrumbs.length)})`, breadcrumbTimeline(e)),
    nonEmpty(tags) ? section('tags', 'Tags', tagList(tags)) : null,
    nonEmpty(e.contexts.user) ? section('user', 'User', kvTable(e.contexts.user)) : null,
    nonEmpty(e.contexts.request) ? section('request', 'Request', kvTable(e.contexts.request)) : null,
    nonEmpty(ctx) ? section('contexts', 'Contexts', kvTable(ctx)) : null,
    nonEmpty(e.contexts.extra) ? section('extra', 'Extra', kvTable(e.contexts.extra)) : null,
    section('event-fields', 'Event', kvTable(eventFields(p))),
    nonEmpty(e.modules)
      ? section('modules', `Modules (${count(Object.keys(e.modules).length)})`, h('details', null, h('summary', null, 'Show the installed packages'), kvTable(e.modules)))
      : null,
    raw.panel
  ]
  return h('article', { class: `event-view level-${e.level}` },
    nav,
    h('header', { class: 'event-head' },
      h('h1', { tabindex: -1 }, headline),
      h('p', { class: 'event-meta' },
        h('span', { class: `badge level-${e.level}` }, e.level),
        h('span', null, `project ${p.project}`),
        h('span', null, e.contexts.environment),
        e.contexts.release === null ? null : h('span', null, `release ${e.contexts.release}`),
        h('span', null, h('time', { datetime: e.timestamp, title: e.timestamp }, dateTime(e.timestamp))),
        h('span', { class: 'muted' }, e.event_id))),
    ...panels)
}
