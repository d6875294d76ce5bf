// Runs one scenario in a fresh process and returns the JSON it prints last.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** nodeArgs: Node flags for the scenario's process (--enable-source-maps, --expose-gc). */
export function runScenario (name, args, { timeoutMs = 180000, nodeArgs = [], execPath = process.execPath } = {}) {
  const file = fileURLToPath(new URL(`../scenarios/${name}.mjs`, import.meta.url))
  return new Promise((resolve, reject) => {
    const child = spawn(execPath, [...nodeArgs, file, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { err += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      const last = out.trim().split('\n').pop()
      try {
        resolve({ ...JSON.parse(last), exitCode: code, signal })
      } catch {
        reject(new Error(`${name} (${args.subject}) printed no result (exit ${code ?? signal}): ${err.slice(0, 800)}`))
      }
    })
  })
}

/** Events the collector stored for a project (Sentry envelopes count under "sentry:{id}"). */
export async function delivered (collectorUrl, key) {
  const counts = await (await fetch(`${collectorUrl}/__xrayradar/counts`)).json()
  return counts[key] ?? 0
}

/** Waits until the count stops moving for `quietMs`; returns it and when it last moved. */
export async function settledCount (collectorUrl, key, { quietMs = 1000, limitMs = 60000, since = Date.now() } = {}) {
  let last = await delivered(collectorUrl, key)
  let lastChange = Date.now()
  const end = Date.now() + limitMs
  while (Date.now() - lastChange < quietMs && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const n = await delivered(collectorUrl, key)
    if (n !== last) { last = n; lastChange = Date.now() }
  }
  return { count: last, lastChangeMs: lastChange - since }
}
