import { ApiError, Unauthorized, createApi } from './api'
import { h } from './dom'
import { eventView } from './event-view'
import { count } from './format'
import { createListView, focusSearch, listHash, parseListRoute, type ListView } from './list'
import { startLive, type Live, type LiveState } from './live'
import { createTokenStore, tokenForm } from './token'

// The page's entry: routes on the address's fragment (#/ the list with its filters,
// #/event/{seq} one event), the live connection, the token when the collector wants one,
// and the keys that work everywhere (/ search, Escape back to the list).

/** Relative times ("12 s ago") are rewritten this often, ms: they stay right to a quarter-minute without redrawing every second. */
const TICK_MS = 15_000

function byId (id: string): HTMLElement {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`index.html has no #${id}`)
  return el
}

function start (): void {
  const tokens = createTokenStore()
  const api = createApi(() => tokens.get())
  const main = byId('app')
  const liveEl = byId('live')
  const countsEl = byId('counts')

  let list: ListView | null = null
  let listBack = '#/'
  let lastGroup: number | null = null
  let live: Live | null = null
  let render = 0

  function setLive (s: LiveState): void {
    liveEl.dataset.state = s
    liveEl.textContent = s === 'live' ? 'live' : s === 'refused' ? 'locked' : s === 'connecting' ? 'connecting' : 'reconnecting'
    liveEl.title = s === 'live' ? 'New events appear as they arrive' : s === 'refused' ? 'The collector wants its token' : 'The live connection is being opened again'
  }

  function setCounts (kept: number, received: number): void {
    countsEl.textContent = `${count(kept)} event${kept === 1 ? '' : 's'}` + (received > kept ? ` (${count(received)} received)` : '')
  }

  function connect (): void {
    live?.stop()
    live = startLive(api, (m) => {
      setCounts(m.kept, m.received)
      list?.refresh(m.lastSeq)
    }, (s) => {
      setLive(s)
      if (s === 'refused') askToken(tokens.get() !== null)
    })
  }

  function askToken (refused: boolean): void {
    render++
    list = null
    live?.stop()
    live = null
    setLive('refused')
    main.replaceChildren(tokenForm(refused, (token) => {
      tokens.set(token)
      connect()
      void show()
    }))
  }

  async function show (): Promise<void> {
    const mine = ++render
    const hash = location.hash === '' ? '#/' : location.hash
    const ev = /^#\/event\/(\d+)$/.exec(hash)
    if (ev !== null) {
      list = null
      const seq = Number(ev[1])
      try {
        const payload = await api.event(seq)
        if (mine !== render) return
        lastGroup = payload.group.id
        const view = eventView(api, payload, listBack)
        main.replaceChildren(view)
        document.title = `${payload.group.title} · xrayradar collector`
        view.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true })
        window.scrollTo(0, 0)
      } catch (err) {
        if (mine !== render) return
        if (err instanceof Unauthorized) { askToken(tokens.get() !== null); return }
        main.replaceChildren(h('section', { class: 'panel' },
          h('h1', null, err instanceof ApiError && err.status === 404 ? 'This event is no longer kept' : 'Could not load the event'),
          h('p', null, (err as Error).message),
          h('p', null, h('a', { href: listBack }, '← All issues'))))
      }
      return
    }
    const q = hash.indexOf('?')
    const route = parseListRoute(new URLSearchParams(q === -1 ? '' : hash.slice(q + 1)))
    document.title = 'xrayradar collector'
    list = createListView(api, route, {
      unauthorized: () => askToken(tokens.get() !== null),
      loaded: (page) => setCounts(page.kept, page.received),
      routed: (h) => { listBack = h }
    }, lastGroup)
    main.replaceChildren(list.element)
    listBack = listHash(route)
  }

  window.addEventListener('hashchange', () => { void show() })
  document.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return
    const target = e.target as HTMLElement | null
    const typing = target !== null && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')
    if (e.key === '/' && !typing && list !== null) {
      if (focusSearch(main)) e.preventDefault()
    } else if (e.key === 'Escape' && list === null && /^#\/event\//.test(location.hash)) {
      e.preventDefault()
      location.hash = listBack
    } else if ((e.key === 'ArrowDown' || e.key === 'j') && !typing && list !== null && (target === document.body || target === null)) {
      if (list.focusFirst()) e.preventDefault()
    }
  })
  setInterval(() => list?.tick(Date.now()), TICK_MS)
  setLive('connecting')
  connect()
  void show()
}

start()
