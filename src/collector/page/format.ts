// How the page writes times, sizes and values: the same way everywhere.

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** "4 s ago", "12 min ago", "3 h ago", "2 d ago"; "in the future" for clocks ahead of this one. */
export function ago (iso: string, now: number): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  const s = Math.round((now - t) / 1000)
  if (s < -5) return 'in the future'
  if (s < 60) return `${Math.max(s, 0)} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86400)} d ago`
}

/** Local "2026-11-24 01:38:02.123". */
export function dateTime (iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(iso)}`
}

/** Local "01:38:02.123". */
export function clock (iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

/** "-1.250 s" from the event's time to a breadcrumb's. */
export function offset (iso: string, fromIso: string): string {
  const ms = Date.parse(iso) - Date.parse(fromIso)
  if (Number.isNaN(ms)) return ''
  return `${ms > 0 ? '+' : ms < 0 ? '−' : ''}${(Math.abs(ms) / 1000).toFixed(3)} s`
}

export function bytes (n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(2)} MiB`
}

export const count = (n: number): string => n.toLocaleString('en-US')

/** A field's value as text: strings as they are, anything else as indented JSON. */
export function valueText (v: unknown): string {
  if (typeof v === 'string') return v
  if (v === undefined) return ''
  try {
    return JSON.stringify(v, null, 2) ?? String(v)
  } catch {
    return String(v)
  }
}
