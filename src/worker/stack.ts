import { parse } from 'stacktrace-parser'
import { fileURLToPath } from 'node:url'
import { relative, isAbsolute, sep } from 'node:path'
import type { WireFrame } from '../shared/types'

// V8 stack string → wire frames, oldest call first (the order the server expects).

function toPath (file: string): string {
  if (file.startsWith('file://')) {
    try { return fileURLToPath(file) } catch { return file }
  }
  return file
}

/** Dependencies and Node's own code are not the app's. */
export function isInApp (absPath: string | null): boolean {
  if (absPath === null || absPath === '' || absPath === '<anonymous>' || absPath === 'native') return false
  if (absPath.startsWith('node:') || absPath.startsWith('internal/')) return false
  if (absPath.includes(`${sep}node_modules${sep}`) || absPath.includes('/node_modules/')) return false
  return true
}

// No name: stacktrace-parser's '<unknown>' for V8's nameless frame, and '<anonymous>',
// which Node writes for the same frame when it maps the stack (--enable-source-maps),
// so both modes give the same frame. 'Object.<anonymous>' (a module's top-level code)
// is V8's own name in both and stays.
function cleanFunction (name: string | null): string | null {
  const bare = name !== null && name.startsWith('async ') ? name.slice(6) : name
  return bare === null || bare === '' || bare === '<unknown>' || bare === '<anonymous>' ? null : bare
}

export function parseStack (stack: string | null, cwd: string): WireFrame[] {
  if (stack === null || stack === '') return []
  let parsed: ReturnType<typeof parse>
  try { parsed = parse(stack) } catch { return [] }
  const frames: WireFrame[] = []
  for (let i = parsed.length - 1; i >= 0; i--) {
    const f = parsed[i]
    if (f === undefined) continue
    const abs = f.file === null ? null : toPath(f.file)
    const local = abs !== null && isAbsolute(abs)
    frames.push({
      filename: abs === null ? null : local && abs.startsWith(cwd + sep) ? relative(cwd, abs) : abs,
      function: cleanFunction(f.methodName),
      lineno: f.lineNumber,
      colno: f.column,
      abs_path: abs,
      in_app: isInApp(abs)
    })
  }
  return frames
}
