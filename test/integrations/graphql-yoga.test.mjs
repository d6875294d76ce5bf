// useXrayRadar on real GraphQL Yoga 5 (createYoga on node:http, 127.0.0.1): exactly the
// errors Yoga masks are reported, for queries, mutations and subscriptions over SSE; the
// masked response is the same with and without the plugin.
import t from 'tap'
import { createYoga, createSchema } from 'graphql-yoga'
import { GraphQLError } from 'graphql'
import { useXrayRadar, ConfigurationError } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { typeDefs, resolvers, gql, NOT_REPORTED, SCALAR_INPUT, RESPONSE_CASES, excOf, checkSameResponses } from './graphql-fixtures.mjs'
import { listen } from '../utils/servers.mjs'
import { byMessage } from '../utils/events.mjs'

async function start (t, plugins, options = {}) {
  const yoga = createYoga({ schema: createSchema({ typeDefs, resolvers }), plugins, logging: false, ...options })
  const { base } = await listen(t, yoga)
  return `${base}/graphql`
}

/** Runs a subscription over SSE to its end; resolves the data/error payloads Yoga sent. */
async function subscribe (url, query) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(10000)
  })
  const text = await res.text()
  const payloads = []
  for (const block of text.split('\n\n')) {
    const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('')
    if (data !== '') payloads.push(JSON.parse(data))
  }
  return { status: res.status, payloads }
}

t.test('Yoga 5: masked resolver errors reported once each; unmasked ones not', async (t) => {
  const { client, collector } = await setup(t)
  const url = await start(t, [useXrayRadar({ client })])

  for (const [name, r] of Object.entries(NOT_REPORTED)) {
    const res = await gql(url, r.query, r)
    t.ok(res.body.errors?.length > 0, `${name}: answered with errors`)
    t.notOk(res.body.errors.some((e) => e.message === 'Unexpected error.'), `${name}: not masked by Yoga`)
  }
  t.equal((await gql(url, '{ ok }')).body.data.ok, 'fine')

  const boom = await gql(url, 'query Boom { boom ok }')
  t.same(boom.body.errors.map((e) => e.message), ['Unexpected error.'], 'Yoga masked it: reportable')
  await gql(url, 'query Users { users { id email } }')
  await gql(url, 'mutation Save { save(v: "y1") }')
  await gql(url, 'query NonNull { nonNull }')
  const scalar = await gql(url, SCALAR_INPUT.query, SCALAR_INPUT)
  t.equal(scalar.body.errors?.[0]?.message, 'Unexpected error.', 'Yoga masks a scalar\'s plain TypeError (Apollo calls it BAD_USER_INPUT)')
  t.ok(await client.flush(5000))
  t.ok(await collector.waitForEvents(5, 5000))
  t.equal(client.stats().captured, 6, 'boom, two emails, save, nonNull, the scalar: nothing else')
  t.equal(client.stats().dropped.grouped, 1, 'the second email folded into the first one\'s event')
  t.equal(collector.events.length, 5)

  const byValue = byMessage(collector.events)
  for (const msg of ['you may not', 'outer', 'inner', 'n must be even', 'Syntax Error', 'noSuchField']) {
    t.notOk(Object.keys(byValue).some((v) => v.includes(msg)), `"${msg}" not reported`)
  }
  const b = byValue['boom in resolver']
  t.ok(excOf(b).stacktrace.frames.some((f) => f.filename?.endsWith('graphql-fixtures.mjs')), 'the resolver\'s own stack')
  t.same(b.contexts.tags, { 'graphql.operation': 'Boom', 'graphql.operation_type': 'query' })
  t.same(b.contexts.graphql, { operation_name: 'Boom', operation_type: 'query', path: ['boom'] })
  t.same(b.contexts.mechanism, { type: 'graphql', handled: false })
  t.same(b.fingerprint, ['Error', 'graphql', 'boom'])
  const emails = collector.events.filter((e) => excOf(e).value.startsWith('no email'))
  t.same(emails.map((e) => e.fingerprint[2]), ['users.*.email'])
  t.same(emails[0].contexts.extra, { graphql_error_count: 2, graphql_error_paths: ['users.0.email', 'users.1.email'] })
  t.same(byValue['could not save y1'].contexts.tags, { 'graphql.operation': 'Save', 'graphql.operation_type': 'mutation' })
  t.ok(collector.events.some((e) => excOf(e).value.includes('Cannot return null')))
  const half = byValue['not an even number: 3']
  t.equal(excOf(half).type, 'TypeError', 'the scalar\'s own error')
  t.same(half.contexts.graphql, { operation_name: 'Half', operation_type: 'query' }, 'no resolver path for a variable')
  t.notOk(half.fingerprint.includes('graphql'), 'no path: default grouping')
})

t.test('Yoga 5: one failing field in two requests has one fingerprint', async (t) => {
  const { client, collector } = await setup(t)
  const url = await start(t, [useXrayRadar({ client })])
  await gql(url, '{ users { email } }')
  await gql(url, 'query Again { users { id email } }')
  t.ok(await collector.waitForEvents(2, 5000))
  t.equal(collector.events.length, 2, 'one event per operation')
  t.equal(new Set(collector.events.map((e) => JSON.stringify(e.fingerprint))).size, 1, 'two events, one fingerprint')
  t.same(collector.events[0].fingerprint, ['LedgerError', 'graphql', 'users.*.email'])
})

t.test('Yoga 5: subscriptions over SSE: per-event resolver errors, a broken source stream, a failing subscribe', async (t) => {
  const { client, collector } = await setup(t)
  const url = await start(t, [useXrayRadar({ client })])

  const fine = await subscribe(url, 'subscription Ticks { ticks }')
  t.same(fine.payloads, [{ data: { ticks: 1 } }, { data: { ticks: 2 } }], 'a working subscription streams')

  const bad = await subscribe(url, 'subscription BadTick { badTick }')
  t.equal(bad.payloads.length, 2, 'two events, each with an error')
  t.ok(bad.payloads.every((p) => p.errors?.[0]?.message === 'Unexpected error.'), 'masked by Yoga')

  const broken = await subscribe(url, 'subscription TickFails { tickFails }')
  t.same(broken.payloads[0], { data: { tickFails: 1 } })
  t.ok(broken.payloads.some((p) => p.errors?.[0]?.message === 'Unexpected error.'), 'the stream error is masked')

  const none = await subscribe(url, 'subscription NoStream { noStream }')
  t.ok(none.payloads.some((p) => p.errors?.[0]?.message === 'Unexpected error.'), 'subscribe failure masked')

  t.ok(await client.flush(5000))
  t.ok(await collector.waitForEvents(4, 5000))
  t.equal(client.stats().captured, 4, 'tick 1, tick 2, source stream, subscribe: nothing from Ticks')
  const byValue = byMessage(collector.events)
  const tick = byValue['tick 1 broke']
  t.same(tick.contexts.tags, { 'graphql.operation': 'BadTick', 'graphql.operation_type': 'subscription' })
  t.same(tick.contexts.graphql.path, ['badTick'])
  t.same(tick.fingerprint, ['LedgerError', 'graphql', 'badTick'])
  t.ok(byValue['tick 2 broke'])
  const source = byValue['source stream broke']
  t.ok(source, 'the async iterator\'s error reported')
  t.same(source.contexts.tags, { 'graphql.operation': 'TickFails', 'graphql.operation_type': 'subscription' })
  t.same(source.fingerprint, ['LedgerError', 'graphql', 'tickFails'])
  const sub = byValue['subscribe broke']
  t.ok(sub, 'the subscribe function\'s error reported')
  t.same(sub.fingerprint, ['LedgerError', 'graphql', 'noStream'])
})

t.test('Yoga 5: the response is the same with and without the plugin (masking kept)', async (t) => {
  const { client } = await setup(t)
  const bare = await start(t, [])
  const withPlugin = await start(t, [useXrayRadar({ client })])
  await checkSameResponses(t, bare, withPlugin, RESPONSE_CASES)
  for (const q of ['subscription { badTick }', 'subscription { tickFails }', 'subscription { ticks }']) {
    t.same((await subscribe(withPlugin, q)).payloads, (await subscribe(bare, q)).payloads, `${q}: same stream`)
  }
  t.ok(client.stats().captured > 0, 'and the plugin did report')
  t.ok(await client.flush(5000))
})

t.test('Yoga 5: context factory failures; shouldHandleError overrides', async (t) => {
  const { client, collector } = await setup(t)
  let mode = 'ok'
  const url = await start(t, [useXrayRadar({
    client,
    shouldHandleError: (err, byDefault) => err.extensions?.code === 'FORBIDDEN' ? true : byDefault
  })], {
    context: () => {
      if (mode === 'context') throw new Error('session store down')
      if (mode === 'auth') throw new GraphQLError('not signed in', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } })
      return {}
    }
  })
  mode = 'auth'
  t.equal((await gql(url, '{ ok }')).status, 401, 'the deliberate context error is the answer')
  mode = 'context'
  const ctx = await gql(url, '{ ok }')
  t.equal(ctx.body.errors[0].message, 'Unexpected error.', 'Yoga masked the context failure')
  mode = 'ok'
  await gql(url, 'query D { deliberate }')
  t.ok(await client.flush(5000))
  t.ok(await collector.waitForEvents(2, 5000))
  t.equal(collector.events.length, 2, 'context failure and the opted-in FORBIDDEN; not UNAUTHENTICATED')
  const byValue = byMessage(collector.events)
  t.same(byValue['session store down']?.contexts.graphql, { stage: 'context' })
  t.same(byValue['you may not']?.contexts.graphql.path, ['deliberate'])
})

t.test('useXrayRadar: bad options are refused with the fix', async (t) => {
  t.throws(() => useXrayRadar(7), ConfigurationError)
  t.throws(() => useXrayRadar({ shouldHandleError: 'no' }), { message: /useXrayRadar\(\{ shouldHandleError \}\) must be a function/ })
})
