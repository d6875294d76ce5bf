// Chromium for the collector page's tests: Debian's `chromium` found on PATH, driven by
// playwright-core, headless. A machine without it fails these tests with what to install.
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { chromium } from 'playwright-core'

export const MISSING = 'Chromium is not on PATH: the collector page\'s tests drive a real browser. ' +
  'Install Debian\'s package as root (apt-get update && apt-get install -y chromium); .ci/run does this when it is missing.'

/** The first executable `chromium` on PATH, or null. */
export function chromiumPath () {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const file = join(dir, 'chromium')
    try { accessSync(file, constants.X_OK); return file } catch {}
  }
  return null
}

/**
 * Launches Chromium for this test file (closed at its teardown); throws MISSING when there is
 * none. args are added to Chromium's command line (e.g. --host-resolver-rules, to give a test
 * name the address 127.0.0.1 the way a rebound DNS name would).
 */
export async function launch (t, { args = [] } = {}) {
  const executablePath = chromiumPath()
  if (executablePath === null) throw new Error(MISSING)
  // Bounded: a browser that cannot start fails the file instead of hanging it.
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', ...args], timeout: 60_000 })
  t.teardown(() => browser.close())
  return browser
}

/**
 * A fresh page (own context: own sessionStorage) that records every request it makes and
 * every error and CSP violation it sees; actions wait at most 15 s.
 */
export async function openPage (browser, t, { width = 1200, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const requests = []
  const errors = []
  page.on('request', (r) => requests.push(r))
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  await page.addInitScript(() => {
    window.__violations = []
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  return { page, requests, errors }
}
