// One real event of the bench's shape (the scope of figure 1, a 10-frame error), as our
// workers build it (frames, context lines, scope, breadcrumbs), captured through a custom
// transport and never sent by the SDK: the body every bare sender POSTs.
import { applyScope, makeError } from './data.mjs'

export async function buildEventBody (oursModule, dsn) {
  const xr = await import(oursModule ?? 'xrayradar')
  let event = null
  xr.init({ dsn, transport: { send: (e) => { event = e } } })
  applyScope(xr)
  xr.captureException(makeError())
  await xr.flush(10000)
  await xr.close(2000)
  if (event === null) throw new Error('the SDK built no event for the bare sender')
  return JSON.stringify(event)
}
