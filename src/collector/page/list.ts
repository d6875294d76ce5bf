import { Unauthorized, type Api } from './api'
import type { GroupPage, GroupSummary } from '../page-api'
import { h } from './dom'
import { ago, count } from './format'

// The issues list: one row per group (project + fingerprint), newest activity first, a
// page at a time, filtered by project, level and text. Rows are links to the group's
// newest event; the arrow keys (or j/k), Home and End move between them, PageDown and
// PageUp between pages, "/" goes to the search box.

export interface ListRoute {
  project: string | null
  level: string | null
  q: string
  page: number
}

/** Groups per page: a screenful or two, so a page renders at once whatever the total. */
export const PAGE_SIZE = 50
const LEVELS = ['fatal', 'error', 'warning', 'info', 'debug']
/** Typing in the search box refetches after this pause, ms: below what reads as lag, above the gap between keystrokes. */
const SEARCH_DEBOUNCE_MS = 150

export function parseListRoute (query: URLSearchParams): ListRoute {
  const page = Number(query.get('page') ?? '1')
  return {
    project: query.get('project') || null,
    level: LEVELS.includes(query.get('level') ?? '') ? query.get('level') : null,
    q: query.get('q') ?? '',
    page: Number.isInteger(page) && page >= 1 ? page : 1
  }
}

export function listHash (r: ListRoute): string {
  const p = new URLSearchParams()
  if (r.project !== null) p.set('project', r.project)
  if (r.level !== null) p.set('level', r.level)
  if (r.q !== '') p.set('q', r.q)
  if (r.page > 1) p.set('page', String(r.page))
  const s = p.toString()
  return s === '' ? '#/' : `#/?${s}`
}

export interface ListHooks {
  unauthorized (): void
  loaded (page: GroupPage): void
  /** The list's address changed (filters, page): for the way back from an event. */
  routed (hash: string): void
}

export interface ListView {
  readonly element: HTMLElement
  /** Fetches the shown page again unless it already shows up to lastSeq, keeping focus on the same issue. */
  refresh (lastSeq: number): void
  /** Focuses the row of this group if it is shown; false if it is not. */
  focusGroup (id: number | null): boolean
  /** Focuses the first row; false when there is none. */
  focusFirst (): boolean
  /** Rewrites the rows' relative times. */
  tick (now: number): void
}

function row (g: GroupSummary, now: number, fresh: boolean): HTMLLIElement {
  const meta = [`project ${g.project}`, g.environment, g.release === null ? null : `release ${g.release}`].filter((s) => s !== null && s !== '')
  const link = h('a', { class: `row level-${g.level}${fresh ? ' fresh' : ''}`, href: `#/event/${g.latestSeq}`, 'data-group': g.id, tabindex: -1 },
    h('span', { class: 'cell level' }, h('span', { class: `badge level-${g.level}` }, g.level)),
    h('span', { class: 'cell issue' },
      h('span', { class: 'title' }, g.title),
      g.culprit === null ? null : h('span', { class: 'culprit' }, g.culprit),
      h('span', { class: 'meta' }, meta.join(' · '))
    ),
    h('span', { class: 'cell count', title: `${g.count} events kept` }, count(g.count)),
    h('span', { class: 'cell seen' }, h('time', { datetime: g.lastSeen, title: g.lastSeen, class: 'ago' }, ago(g.lastSeen, now))),
    h('span', { class: 'cell seen first' }, h('time', { datetime: g.firstSeen, title: g.firstSeen, class: 'ago' }, ago(g.firstSeen, now)))
  )
  return h('li', null, link)
}

/** focusOnLoad: the group to put focus on once the rows are there (coming back from its event). */
export function createListView (api: Api, initial: ListRoute, hooks: ListHooks, focusOnLoad: number | null): ListView {
  const route: ListRoute = { ...initial }
  const projectSelect = h('select', { id: 'f-project', 'aria-label': 'Project' })
  const levelSelect = h('select', { id: 'f-level', 'aria-label': 'Level' },
    h('option', { value: '' }, 'All levels'), ...LEVELS.map((l) => h('option', { value: l }, l)))
  levelSelect.value = route.level ?? ''
  const search = h('input', { type: 'search', id: 'f-q', placeholder: 'Search issues ( / )', 'aria-label': 'Search issues', autocomplete: 'off', spellcheck: 'false' })
  search.value = route.q
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' })
  const rows = h('ol', { class: 'groups', 'aria-label': 'Issues' })
  const head = h('div', { class: 'groups-head', 'aria-hidden': 'true' },
    h('span', { class: 'cell level' }, 'Level'), h('span', { class: 'cell issue' }, 'Issue'), h('span', { class: 'cell count' }, 'Events'),
    h('span', { class: 'cell seen' }, 'Last seen'), h('span', { class: 'cell seen first' }, 'First seen'))
  const note = h('div', { class: 'empty', hidden: true })
  const newer = h('button', { type: 'button', class: 'newer' }, '← Newer')
  const older = h('button', { type: 'button', class: 'older' }, 'Older →')
  const position = h('span', { class: 'position' })
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' }, newer, position, older)
  const element = h('section', { class: 'list-view' },
    h('div', { class: 'filters' }, projectSelect, levelSelect, search, summary),
    h('div', { class: 'groups-box' }, head, rows),
    note, pager)

  let shown: GroupPage | null = null
  let seenCounts = new Map<number, number>()
  let inFlight = false
  let again = false
  /**
   * The newest event the live stream announced: a page that differs is fetched again. The
   * latest message wins, not the highest number: a collector started again on the same port
   * numbers its events from 1.
   */
  let wanted = 0
  let chased = -1
  let debounce: ReturnType<typeof setTimeout> | undefined

  function routed (): void {
    const hash = listHash(route)
    if (location.hash !== hash && !(hash === '#/' && location.hash === '')) history.replaceState(null, '', hash)
    hooks.routed(hash)
  }

  function setProjects (page: GroupPage): void {
    const ids = page.projects.map((p) => p.id)
    if (route.project !== null && !ids.includes(route.project)) ids.push(route.project)
    const options = [h('option', { value: '' }, 'All projects'), ...ids.map((id) => {
      const n = page.projects.find((p) => p.id === id)?.events ?? 0
      return h('option', { value: id }, `project ${id} (${count(n)})`)
    })]
    projectSelect.replaceChildren(...options)
    projectSelect.value = route.project ?? ''
  }

  function render (page: GroupPage): void {
    const now = Date.now()
    const focusedId = (document.activeElement as HTMLElement | null)?.closest?.('a.row')?.getAttribute('data-group') ?? null
    const firstRender = shown === null
    const nextCounts = new Map<number, number>()
    const items = page.groups.map((g) => {
      nextCounts.set(g.id, g.count)
      return row(g, now, !firstRender && seenCounts.get(g.id) !== g.count)
    })
    seenCounts = nextCounts
    shown = page
    rows.replaceChildren(...items)
    const firstLink = rows.querySelector<HTMLAnchorElement>('a.row')
    if (firstLink !== null) firstLink.tabIndex = 0
    setProjects(page)

    const filtered = route.project !== null || route.level !== null || route.q.trim() !== ''
    summary.textContent = `${filtered ? `${count(page.total)} of ${count(page.groupCount)}` : count(page.groupCount)} issue${page.groupCount === 1 ? '' : 's'} · ${count(page.kept)} event${page.kept === 1 ? '' : 's'}` +
      (page.received > page.kept ? ` (${count(page.received - page.kept)} older dropped beyond keep ${count(page.keep)})` : '')
    note.hidden = page.groups.length > 0
    if (page.kept === 0) {
      const dsn = `${location.origin}/1`
      note.replaceChildren(h('p', null, 'No events yet. New ones appear here as they arrive.'),
        h('p', null, 'Point the SDK at this collector: ', h('code', null, `init({ dsn: '${dsn}' })`)))
    } else {
      note.replaceChildren(h('p', null, page.total === 0 ? 'No issue matches these filters.' : 'Nothing on this page.'))
    }
    const from = page.total === 0 ? 0 : page.offset + 1
    const to = Math.min(page.offset + page.groups.length, page.total)
    position.textContent = `${count(from)}–${count(to)} of ${count(page.total)}`
    newer.disabled = page.offset === 0
    older.disabled = page.offset + page.limit >= page.total
    pager.hidden = page.total <= page.limit && page.offset === 0
    // Keyboard users stay in the list: on the same issue, or at the top of a new page.
    const keep = firstRender ? focusOnLoad : focusedId === null ? null : Number(focusedId)
    if (keep !== null && !focusGroup(keep) && firstLink !== null) focusRow(firstLink)
    hooks.loaded(page)
  }

  async function load (): Promise<void> {
    if (inFlight) { again = true; return }
    inFlight = true
    const asked = listHash(route)
    let next = false
    try {
      const page = await api.groups({ project: route.project, level: route.level, q: route.q }, (route.page - 1) * PAGE_SIZE, PAGE_SIZE)
      // Filters changed meanwhile, or more events arrived: one more fetch shows them.
      if (asked === listHash(route)) render(page)
      // Behind the stream: fetch once more for that message (not again and again if the
      // collector went away in between; its next message says where it stands).
      const behind = page.lastSeq < wanted && chased !== wanted
      if (behind) chased = wanted
      next = again || asked !== listHash(route) || behind
    } catch (err) {
      if (err instanceof Unauthorized) hooks.unauthorized()
      else {
        note.hidden = false
        note.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Could not load the issues: ${(err as Error).message}`))
        // A filter changed while this failed: try that one; a failure alone waits for the next event or change.
        next = asked !== listHash(route)
      }
    }
    inFlight = false
    again = false
    if (next) void load()
  }

  function changed (): void {
    routed()
    void load()
  }

  function focusGroup (id: number | null): boolean {
    if (id === null || !Number.isInteger(id)) return false
    const link = rows.querySelector<HTMLAnchorElement>(`a.row[data-group="${id}"]`)
    if (link === null) return false
    focusRow(link)
    return true
  }

  function focusRow (link: HTMLAnchorElement): void {
    for (const a of rows.querySelectorAll<HTMLAnchorElement>('a.row')) a.tabIndex = a === link ? 0 : -1
    link.focus()
  }

  function turn (by: number): boolean {
    if (shown === null) return false
    const next = route.page + by
    if (next < 1 || (next - 1) * PAGE_SIZE >= shown.total) return false
    route.page = next
    changed()
    return true
  }

  projectSelect.addEventListener('change', () => { route.project = projectSelect.value === '' ? null : projectSelect.value; route.page = 1; changed() })
  levelSelect.addEventListener('change', () => { route.level = levelSelect.value === '' ? null : levelSelect.value; route.page = 1; changed() })
  search.addEventListener('input', () => {
    clearTimeout(debounce)
    debounce = setTimeout(() => { route.q = search.value; route.page = 1; changed() }, SEARCH_DEBOUNCE_MS)
  })
  search.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      const first = rows.querySelector<HTMLAnchorElement>('a.row')
      if (first !== null) { e.preventDefault(); focusRow(first) }
    }
  })
  newer.addEventListener('click', () => { turn(-1) })
  older.addEventListener('click', () => { turn(1) })
  rows.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return
    const links = [...rows.querySelectorAll<HTMLAnchorElement>('a.row')]
    const i = links.indexOf(document.activeElement as HTMLAnchorElement)
    if (i === -1) return
    let to: number | null = null
    switch (e.key) {
      case 'ArrowDown': case 'j': to = Math.min(i + 1, links.length - 1); break
      case 'ArrowUp': case 'k':
        if (i === 0) { e.preventDefault(); search.focus(); return }
        to = i - 1
        break
      case 'Home': to = 0; break
      case 'End': to = links.length - 1; break
      case 'PageDown': if (turn(1)) e.preventDefault(); return
      case 'PageUp': if (turn(-1)) e.preventDefault(); return
      default: return
    }
    e.preventDefault()
    const link = links[to]
    if (link !== undefined) focusRow(link)
  })

  routed()
  void load()

  return {
    element,
    refresh (lastSeq) {
      wanted = lastSeq
      if (!inFlight && (shown === null || shown.lastSeq !== wanted)) void load()
    },
    focusGroup,
    focusFirst () {
      const first = rows.querySelector<HTMLAnchorElement>('a.row')
      if (first === null) return false
      focusRow(first)
      return true
    },
    tick (now) {
      for (const t of rows.querySelectorAll('time.ago')) {
        const iso = t.getAttribute('datetime')
        if (iso !== null) t.textContent = ago(iso, now)
      }
    }
  }
}

/** Puts the cursor in the list's search box (the "/" key). */
export function focusSearch (root: ParentNode): boolean {
  const input = root.querySelector<HTMLInputElement>('#f-q')
  if (input === null) return false
  input.focus()
  input.select()
  return true
}
