// The module-level stats(): always a Stats object, never null.
import t from 'tap'
import * as xr from 'xrayradar'

t.test('before init(): zero counts with every field and reason, not null', async (t) => {
  const before = xr.stats()
  t.not(before, null)
  t.equal(xr.captureMessage('before init'), undefined, 'a capture before init() is a no-op')
  const reasons = Object.keys(new xr.ErrorTracker({ transport: new xr.NullTransport() }).stats().dropped)
  t.same(xr.stats(), {
    captured: 0,
    delivered: 0,
    spooled: 0,
    pending: 0,
    dropped: Object.fromEntries(reasons.map((r) => [r, 0])),
    spool: { delivered: 0, rejected: 0, corrupt: 0, expired: 0 }
  })
})

t.test('after init(): the client\'s counts; after close(): its final counts', async (t) => {
  xr.init({ transport: new xr.NullTransport() })
  xr.captureMessage('one')
  xr.captureException(new Error('two'))
  t.equal(await xr.flush(5000), true)
  t.match(xr.stats(), { captured: 2, delivered: 2, pending: 0 })
  await xr.close()
  t.match(xr.stats(), { captured: 2, delivered: 2, pending: 0 }, 'what the closed client did, not zeros')
  xr.init({ transport: new xr.NullTransport() })
  t.match(xr.stats(), { captured: 0, delivered: 0 }, 'a new init() starts its own counts')
  await xr.close()
})
