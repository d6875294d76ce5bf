// Sampling and beforeSend: what is dropped is counted, what is changed arrives changed.
import t from 'tap'
import { setup } from '../helpers.mjs'

t.test('sampleRate 0 sends nothing and counts every event as sampled', async (t) => {
  const { collector, client } = await setup(t, { sampleRate: 0 })
  for (let i = 0; i < 50; i++) t.equal(client.captureException(new Error('x')), undefined)
  t.equal(await client.flush(2000), true)
  t.equal(collector.events.length, 0)
  t.same(client.stats(), {
    captured: 50,
    delivered: 0,
    spooled: 0,
    pending: 0,
    dropped: { sampled: 50, before_send: 0, queue_full: 0, rate_limited: 0, network_error: 0, rejected: 0, too_large: 0, disabled: 0, internal_error: 0, worker_crashed: 0, spool_full: 0, worker_unavailable: 0, spool_error: 0, shutdown_timeout: 0, grouped: 0 },
    spool: { delivered: 0, rejected: 0, corrupt: 0, expired: 0 }
  })
})

t.test('sampleRate 0.5 keeps about half, and the counts add up', async (t) => {
  const { collector, client } = await setup(t, { sampleRate: 0.5 })
  for (let i = 0; i < 400; i++) client.captureMessage(`m${i}`)
  t.equal(await client.flush(10000), true)
  const s = client.stats()
  t.equal(s.delivered + s.dropped.sampled, 400)
  t.equal(collector.events.length, s.delivered)
  t.ok(s.delivered > 120 && s.delivered < 280, `about half delivered (${s.delivered})`)
})

t.test('beforeSend can drop, modify, or throw (dropped, counted)', async (t) => {
  const seen = []
  const { collector, client } = await setup(t, {
    beforeSend (event) {
      seen.push(event)
      if (event.message.includes('drop me')) return null
      if (event.message.includes('throw')) throw new Error('callback bug')
      event.contexts.tags.processed_by = 'before_send'
      event.fingerprint = ['from-callback']
      return event
    }
  })
  client.setTag('k', 'v')
  client.captureMessage('drop me')
  client.captureMessage('throw please')
  const id = client.captureException(new Error('keep me'))
  t.equal(await client.flush(5000), true)
  t.equal(collector.events.length, 1)
  const e = collector.events[0]
  t.equal(e.event_id, id)
  t.same(e.contexts.tags, { k: 'v', processed_by: 'before_send' })
  t.same(e.fingerprint, ['from-callback'])
  t.ok(e.exception.values[0].stacktrace.frames.length > 0, 'frames are parsed after beforeSend')
  t.equal(typeof seen[2].exception.values[0].stack, 'string', 'beforeSend sees the raw stack')
  t.equal(client.stats().dropped.before_send, 2)
})

t.test('captures after close are no-ops', async (t) => {
  const { collector, client } = await setup(t)
  client.captureMessage('before')
  t.equal(await client.close(5000), true)
  t.equal(client.captureMessage('after'), undefined)
  t.equal(client.captureException(new Error('after')), undefined)
  t.equal(collector.events.length, 1)
  t.equal(client.stats().captured, 1)
})
