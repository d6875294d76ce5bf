// Koa's own error logging (app.onerror: server errors to console.error) is kept: an 'error'
// listener silences Koa's default one, so ours calls app.onerror while it is the only one.
// Logged lines equal those of the same app without the SDK: set up before the server starts
// (ours alone), after it started (Koa's default listener already there: no second line), and
// next to the app's own listener (Koa does not log then, with or without us).
import t from 'tap'
import { createRequire } from 'node:module'
import { setupKoaErrorHandler } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { buildKoaApp, KOA_MAJORS } from './koa-app.mjs'
import { get, settle } from './framework-helpers.mjs'
import { listen } from '../utils/servers.mjs'

const require = createRequire(import.meta.url)
const PATHS = ['/api/users/7', '/api/missing', '/api/bad', '/api/server', '/api/exposed', '/mw']

/** Requests every path; returns what console.error printed, with this app's port taken out. */
async function logsOf (t, app, { sdkAfterStart = false } = {}) {
  const logged = []
  const error = console.error
  console.error = (...args) => { logged.push(args.join(' ').split('\n').find((l) => /Error/.test(l))?.trim()) }
  try {
    const s = await listen(t, app.callback())
    if (sdkAfterStart) setupKoaErrorHandler(app)
    try {
      for (const path of PATHS) await get(s.base + path)
    } finally { await s.close() }
  } finally { console.error = error }
  return logged
}

for (const [pkg, major] of KOA_MAJORS) {
  const Koa = require(pkg)
  t.test(`Koa ${major}: logging as without the SDK`, async (t) => {
    const { client, collector } = await setup(t)
    const without = await logsOf(t, buildKoaApp(Koa))
    t.same(without, ['Error: user 7', 'InternalServerError: server', 'Error: middleware'], 'Koa alone logs its server errors')
    t.same(await logsOf(t, buildKoaApp(Koa, { sdk: (a) => setupKoaErrorHandler(a) })), without, 'set up before the server starts')
    t.same(await logsOf(t, buildKoaApp(Koa), { sdkAfterStart: true }), without, 'set up after: Koa\'s listener logs, ours does not again')
    const twice = await logsOf(t, buildKoaApp(Koa, { sdk: (a) => { setupKoaErrorHandler(a); setupKoaErrorHandler(a) } }))
    t.same(twice, without, 'set up twice: still once')
    const silent = buildKoaApp(Koa, { sdk: (a) => setupKoaErrorHandler(a) })
    silent.silent = true
    t.same(await logsOf(t, silent), [], 'app.silent still silences')
    const ownListener = (a) => a.on('error', () => {})
    const ownWithout = await logsOf(t, buildKoaApp(Koa, { sdk: ownListener }))
    t.same(ownWithout, [], 'with its own listener Koa does not log')
    t.same(await logsOf(t, buildKoaApp(Koa, { sdk: (a) => { ownListener(a); setupKoaErrorHandler(a) } })), ownWithout, 'nor with ours next to it')
    // The handler ran in the SDK apps: 3 server errors each in the 5 SDK apps, with the
    // duplicate setup seeing each error object once.
    await settle(client, collector, 15, t)
    t.equal(collector.events.length, 15, 'each server error reported once per SDK app')
  })
}
