// Node's --unhandled-rejections mode for this process, read from where Node reads
// it: NODE_OPTIONS first, then the command line (the last occurrence wins). Node
// offers no API for it, and the SDK must know it to leave Node's behaviour as is.

export type NodeRejectionMode = 'throw' | 'strict' | 'warn' | 'warn-with-error-code' | 'none'

const MODES: readonly string[] = ['throw', 'strict', 'warn', 'warn-with-error-code', 'none']
// Node's default since v15.
const DEFAULT_MODE: NodeRejectionMode = 'throw'
const FLAG = '--unhandled-rejections'

/** NODE_OPTIONS split as Node splits it: on spaces, double quotes group, backslash escapes inside them. */
export function splitNodeOptions (text: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  let started = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quoted && c === '\\' && i + 1 < text.length) { cur += text[++i] as string; continue }
    if (c === '"') { quoted = !quoted; started = true; continue }
    if (!quoted && /\s/.test(c)) {
      if (started) out.push(cur)
      cur = ''
      started = false
      continue
    }
    cur += c
    started = true
  }
  if (started) out.push(cur)
  return out
}

export function nodeRejectionMode (execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): NodeRejectionMode {
  let mode: NodeRejectionMode = DEFAULT_MODE
  const args = [...splitNodeOptions(nodeOptions), ...execArgv]
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    // Node treats _ and - alike in option names.
    const eq = a.indexOf('=')
    const name = (eq < 0 ? a : a.slice(0, eq)).replace(/_/g, '-')
    if (name !== FLAG) continue
    const value = eq < 0 ? args[++i] : a.slice(eq + 1)
    if (value !== undefined && MODES.includes(value)) mode = value as NodeRejectionMode
  }
  return mode
}
