import { h } from './dom'

// The collector's token, when it was started with one: asked for once per browser tab
// and kept in sessionStorage (gone when the tab closes). A link may carry it in its
// fragment (#token=...), which browsers never send to a server; the page takes it from
// there and removes it from the address bar at once.

const KEY = 'xrayradar.collector.token'

export interface TokenStore {
  get (): string | null
  set (token: string): void
  clear (): void
}

export function createTokenStore (): TokenStore {
  const m = /^#token=([^&]*)/.exec(location.hash)
  if (m !== null) {
    // A malformed escape (#token=%E0) is taken as written rather than stopping the page.
    let token = m[1] ?? ''
    try { token = decodeURIComponent(token) } catch {}
    sessionStorage.setItem(KEY, token)
    history.replaceState(null, '', location.pathname + location.search + '#/')
  }
  return {
    get: () => sessionStorage.getItem(KEY),
    set: (token) => sessionStorage.setItem(KEY, token),
    clear: () => sessionStorage.removeItem(KEY)
  }
}

/** The form that asks for the token; refused says the last one given was wrong. */
export function tokenForm (refused: boolean, onToken: (token: string) => void): HTMLElement {
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' })
  const form = h('form', { class: 'token-form' },
    h('h1', null, 'This collector asks for its token'),
    h('p', null, 'It was started with a token (', h('code', null, '--token'), ' or the ', h('code', null, 'token'), ' option). ',
      'Enter it to see its events; it is kept in this tab only and sent as the X-Xrayradar-Token header.'),
    refused ? h('p', { class: 'error', role: 'alert' }, 'The collector refused that token.') : null,
    h('label', { for: 'token' }, 'Token'),
    h('div', { class: 'token-row' }, input, h('button', { type: 'submit' }, 'Open'))
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    if (input.value !== '') onToken(input.value)
  })
  queueMicrotask(() => input.focus())
  return form
}
