// CommonJS consumers: require('xrayradar') works end to end.
const t = require('tap')
const xr = require('xrayradar')

t.test('require() and a capture through the global API', async (t) => {
  const collector = await xr.startCollector()
  t.teardown(() => collector.close())
  xr.init({ dsn: collector.dsn('3') })
  const id = xr.captureException(new TypeError('from cjs'))
  t.equal(await xr.flush(5000), true)
  t.equal(collector.events[0].event_id, id)
  t.equal(collector.events[0].message, 'TypeError: from cjs')
  await xr.close()
})
