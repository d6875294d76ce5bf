// The main-thread pipeline's lines on stderr. A line said only with debug describes
// what happened; one said always (`always`) is a condition the user must act on or a
// loss of events, and its caller makes sure it is said once.

export type Diagnose = (message: string, always?: boolean) => void

export function diagnoser (debug: boolean): Diagnose {
  return (message, always = false) => {
    if (always || debug) process.stderr.write(`[xrayradar] ${message}\n`)
  }
}
