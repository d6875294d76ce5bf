// One-shot lines on stderr from the main thread, process-wide: two clients (or a
// client made again by init()) that meet the same condition say it once. Printed
// without debug: each is something the user must act on or events were lost.

const said = new Set<string>()

/** Writes `[xrayradar] message` to stderr the first time `key` is said in this process. */
export function sayOnce (key: string, message: string): void {
  if (said.has(key)) return
  said.add(key)
  process.stderr.write(`[xrayradar] ${message}\n`)
}
