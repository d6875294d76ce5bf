// The page as a person meets it: `xrayradar demo --keep-open`, the printed link opened in
// Chromium, the list of the sample service's issues, one of them opened. The two
// screenshots README.md shows are taken here: with COLLECTOR_SCREENSHOTS=1 they are
// written to docs/ (a plain run writes them to a temporary directory, so the tree
// stays clean, and checks them the same way).
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { launch, openPage } from './chromium.mjs'

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))
const docs = fileURLToPath(new URL('../../docs/', import.meta.url))
const WIDTH = 1200

/** Width and height from a PNG's header, after checking its signature. */
function pngSize (file) {
  const b = readFileSync(file)
  if (b.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error(`${file} is not a PNG`)
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), bytes: b.length }
}

t.test('the demo\'s page: its issues, one opened; the README\'s screenshots', async (t) => {
  const browser = await launch(t)
  const child = spawn(process.execPath, ['--enable-source-maps', cli, 'demo', '--keep-open'], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => child.kill('SIGKILL'))
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  const url = await new Promise((resolve, reject) => {
    let stdout = ''
    const timer = setTimeout(() => reject(new Error(`no page URL in 30 s; stdout: ${stdout}`)), 30000)
    child.stdout.on('data', (d) => {
      stdout += d
      const m = /The collector and its page stay up: (\S+)/.exec(stdout)
      if (m !== null) { clearTimeout(timer); resolve(m[1]) }
    })
  })
  const out = process.env.COLLECTOR_SCREENSHOTS === '1' ? docs : t.testdir({})
  const { page, requests, errors } = await openPage(browser, t, { width: WIDTH, height: 520 })
  await page.goto(url)
  await page.locator('a.row').nth(3).waitFor()
  t.same(await page.locator('a.row .count').allTextContents(), ['2', '1', '1', '1'])
  t.equal(await page.locator('a.row .title').first().textContent(), "TypeError: Cannot read properties of undefined (reading 'id')")
  // Focus away from the rows, so the picture shows the list as it opens.
  await page.locator('#live[data-state=live]').waitFor()
  const list = join(out, 'collector-list.png')
  await page.screenshot({ path: list })

  await page.setViewportSize({ width: WIDTH, height: 1100 })
  await page.locator('a.row').first().click()
  await page.locator('.event-view .exception').waitFor()
  t.equal(await page.locator('.event-head h1').textContent(), "TypeError: Cannot read properties of undefined (reading 'id')")
  const top = page.locator('.exception.caught details.frame').first()
  t.equal(await top.locator('.loc').textContent(), 'src/demo/sample-service.ts:14:47', 'the SDK\'s frames, source-mapped to the TypeScript')
  t.equal(await top.locator('.line.current .src').textContent(), '    return (order.customer as { id: string }).id // TypeError, as in production')
  t.ok(await page.locator('#request').innerText().then((s) => s.includes('http://shop.local/checkout') && !s.includes('sk_live_123')), 'the request as sent: query string stripped')
  await page.locator('.event-head h1').evaluate((h) => h.blur())
  const event = join(out, 'collector-event.png')
  await page.screenshot({ path: event })

  t.match(pngSize(list), { width: WIDTH, height: 520 })
  t.match(pngSize(event), { width: WIDTH, height: 1100 })
  t.ok(pngSize(event).bytes > 20_000, 'a picture with something in it')
  t.same(errors, [])
  t.same(requests.map((r) => r.url()).filter((u) => new URL(u).origin !== new URL(url).origin), [], 'no request to another origin')
  child.kill('SIGTERM')
  t.equal(await exited, 0)
})
