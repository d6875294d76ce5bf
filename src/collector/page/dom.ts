// Building the page's DOM. Every string becomes a text node or an attribute value, never
// markup: event fields (messages, tag values, frame names, breadcrumb data) can hold
// "<script>" or "onerror=", and here they stay text. Event handlers are attached with
// addEventListener, never as attributes; styles come from app.css only (the CSP forbids
// inline ones).

export type Child = Node | string | number | null | undefined | false
export type Attrs = Record<string, string | number | boolean | null | undefined>

/** Sets attributes from a literal map; refuses handler and style attributes, which never come from here. */
function setAttrs (el: Element, attrs: Attrs): void {
  for (const [name, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue
    if (/^on/i.test(name) || name.toLowerCase() === 'style') throw new Error(`the page never sets ${name} attributes`)
    el.setAttribute(name, v === true ? '' : String(v))
  }
}

export function append (parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c)
  }
}

export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  if (attrs !== null) setAttrs(el, attrs)
  append(el, children)
  return el
}
