// Whether Node itself maps stack traces in this process (--enable-source-maps, in
// execArgv or NODE_OPTIONS, or process.setSourceMapsEnabled(true) before init()).
// Then the stacks the main thread captures already name the sources, and the
// workers must not map them again. Asked on the main thread: a worker's own
// execArgv is filtered and says nothing about the host's.

const FLAG = /^--enable-source-maps(=true)?$/

function flagIn (args: readonly string[]): boolean {
  let on = false
  for (const a of args) {
    if (FLAG.test(a)) on = true
    else if (a === '--no-enable-source-maps' || a === '--enable-source-maps=false') on = false
  }
  return on
}

export function nodeMapsStacks (proc: NodeJS.Process = process): boolean {
  const enabled = (proc as { sourceMapsEnabled?: unknown }).sourceMapsEnabled
  if (typeof enabled === 'boolean') return enabled // Node 20.7+: also sees process.setSourceMapsEnabled()
  return flagIn([...(proc.env.NODE_OPTIONS ?? '').split(/\s+/), ...proc.execArgv])
}
