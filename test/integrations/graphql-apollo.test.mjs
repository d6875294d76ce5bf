// apolloPlugin on real Apollo Server 5 and 4 (standalone, node:http on 127.0.0.1): which
// errors are reported and which are not, what an event carries (original stack, operation
// tags, resolver path, fingerprint), and that the GraphQL response is the same with and
// without the plugin.
import t from 'tap'
import { ApolloServer as Apollo5 } from '@apollo/server'
import { startStandaloneServer as standalone5 } from '@apollo/server/standalone'
import { ApolloServer as Apollo4 } from 'apollo4'
import { startStandaloneServer as standalone4 } from 'apollo4/standalone'
import { GraphQLError } from 'graphql'
import { apolloPlugin, ConfigurationError } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { stderrOf } from '../utils/stderr.mjs'
import { byMessage } from '../utils/events.mjs'
import { typeDefs, resolvers, gql, NOT_REPORTED, SCALAR_INPUT, RESPONSE_CASES, excOf, checkSameResponses } from './graphql-fixtures.mjs'

const VERSIONS = [
  ['Apollo Server 5', Apollo5, standalone5],
  ['Apollo Server 4', Apollo4, standalone4]
]

async function start (t, ApolloServer, startStandaloneServer, plugins, extra = {}) {
  const server = new ApolloServer({ typeDefs, resolvers, plugins, logger: quietLogger, ...extra.server })
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' }, ...extra.standalone })
  t.teardown(() => server.stop())
  return url
}

// Apollo logs unexpected processing errors itself: keep test output readable.
const quietLogger = { debug () {}, info () {}, warn () {}, error () {} }

for (const [label, ApolloServer, startStandaloneServer] of VERSIONS) {
  t.test(`${label}: resolver errors reported once each with the original stack, operation tags and path`, async (t) => {
    const { client, collector } = await setup(t)
    const url = await start(t, ApolloServer, startStandaloneServer, [apolloPlugin({ client })])

    // Every request that must not be reported goes first; the reported ones after.
    for (const [name, r] of Object.entries(NOT_REPORTED)) {
      const res = await gql(url, r.query, r)
      t.ok(res.body.errors?.length > 0, `${name}: answered with errors`)
    }
    const scalar = await gql(url, SCALAR_INPUT.query, SCALAR_INPUT)
    t.equal(scalar.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', 'a scalar refusing a variable with a TypeError: BAD_USER_INPUT')
    const pq = await gql(url, undefined, { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } })
    t.equal(pq.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND', 'persisted-query miss answered')
    t.ok((await gql(url, '{ ok }')).body.data.ok === 'fine', 'a query without errors')

    await gql(url, 'query Boom { boom ok }')
    await gql(url, 'query Users { users { id email } }')
    await gql(url, 'mutation Save { save(v: "x1") }')
    await gql(url, '{ typed }')
    await gql(url, 'query NonNull { nonNull }')
    t.ok(await client.flush(5000), 'flushed')
    t.ok(await collector.waitForEvents(5, 5000))

    // boom, users.0.email, users.1.email, save, typed, nonNull: nothing else was captured.
    t.equal(client.stats().captured, 6, 'six errors captured, none of the client errors')
    t.equal(client.stats().dropped.grouped, 1, 'users.1.email folded into the event of users.0.email')
    t.equal(collector.events.length, 5)
    const byValue = byMessage(collector.events)
    for (const msg of ['you may not', 'outer', 'inner', 'n must be even', 'Syntax Error', 'noSuchField', 'not an even number']) {
      t.notOk(Object.keys(byValue).some((v) => v.includes(msg)), `"${msg}" not reported`)
    }

    const boom = byValue['boom in resolver']
    t.ok(boom, 'the resolver error reported')
    t.equal(excOf(boom).type, 'Error')
    t.ok(excOf(boom).stacktrace.frames.some((f) => f.filename?.endsWith('graphql-fixtures.mjs')), 'stack is the resolver\'s own (originalError)')
    t.same(boom.contexts.tags, { 'graphql.operation': 'Boom', 'graphql.operation_type': 'query' })
    t.same(boom.contexts.graphql, { operation_name: 'Boom', operation_type: 'query', path: ['boom'] })
    t.same(boom.contexts.mechanism, { type: 'graphql', handled: false })
    t.same(boom.fingerprint, ['Error', 'graphql', 'boom'])

    const emails = collector.events.filter((e) => excOf(e).type === 'LedgerError' && excOf(e).value.startsWith('no email'))
    t.equal(emails.length, 1, 'the failing list items of one operation are one event')
    t.same(emails[0].contexts.graphql.path, ['users', 0, 'email'])
    t.same(emails[0].contexts.extra, { graphql_error_count: 2, graphql_error_paths: ['users.0.email', 'users.1.email'] })
    t.same(emails[0].fingerprint, ['LedgerError', 'graphql', 'users.*.email'], 'one fingerprint for the field, whatever the index')

    const save = byValue['could not save x1']
    t.same(save.contexts.tags, { 'graphql.operation': 'Save', 'graphql.operation_type': 'mutation' })
    const typed = collector.events.find((e) => excOf(e).type === 'TypeError')
    t.ok(typed, 'a TypeError in an async resolver')
    t.same(typed.contexts.tags, { 'graphql.operation_type': 'query' }, 'anonymous operation: no operation tag')
    t.same(typed.fingerprint, ['TypeError', 'graphql', 'typed'])
    const nonNull = collector.events.find((e) => excOf(e).value.includes('Cannot return null'))
    t.ok(nonNull, 'a non-null violation (a server bug) reported')
  })

  t.test(`${label}: one failing field in two requests has one fingerprint`, async (t) => {
    const { client, collector } = await setup(t)
    const url = await start(t, ApolloServer, startStandaloneServer, [apolloPlugin({ client })])
    await gql(url, 'query A { boom }')
    await gql(url, 'query B { ok boom }')
    t.ok(await collector.waitForEvents(2, 5000))
    t.equal(collector.events.length, 2, 'two events (two error objects)')
    t.same(collector.events[0].fingerprint, collector.events[1].fingerprint)
    t.same(collector.events[0].fingerprint, ['Error', 'graphql', 'boom'])
    t.not(collector.events[0].event_id, collector.events[1].event_id)
  })

  t.test(`${label}: the response is the same with and without the plugin`, async (t) => {
    const { client } = await setup(t)
    const bare = await start(t, ApolloServer, startStandaloneServer, [])
    const withPlugin = await start(t, ApolloServer, startStandaloneServer, [apolloPlugin({ client })])
    await checkSameResponses(t, bare, withPlugin, RESPONSE_CASES)
    t.ok(client.stats().captured > 0, 'and the plugin did report')
    t.ok(await client.flush(5000))
  })

  t.test(`${label}: shouldHandleError overrides the rule both ways`, async (t) => {
    const { client, collector } = await setup(t)
    const seen = []
    const url = await start(t, ApolloServer, startStandaloneServer, [apolloPlugin({
      client,
      shouldHandleError (err, byDefault) {
        seen.push([err.message, byDefault])
        if (err.extensions?.code === 'FORBIDDEN') return true
        if (err.message === 'boom in resolver') return false
        return byDefault
      }
    })])
    await gql(url, '{ boom }')
    await gql(url, 'query D { deliberate }')
    await gql(url, '{ noSuchField }')
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(1, 5000))
    t.equal(collector.events.length, 1, 'only the deliberate error, opted in')
    t.equal(excOf(collector.events[0]).value, 'you may not')
    t.equal(excOf(collector.events[0]).type, 'GraphQLError', 'a GraphQLError with no other cause is reported as itself')
    t.same(collector.events[0].contexts.graphql.path, ['deliberate'])
    t.same(seen.find(([m]) => m === 'boom in resolver'), ['boom in resolver', true], 'given the GraphQLError and the default decision')
    t.ok(seen.some(([m, d]) => m.includes('noSuchField') && d === false), 'validation error offered, false by default')
  })

  t.test(`${label}: context creation and request processing failures`, async (t) => {
    const { client, collector } = await setup(t)
    let mode = 'ok'
    const url = await start(t, ApolloServer, startStandaloneServer, [
      apolloPlugin({ client }),
      // A plugin that breaks Apollo's own processing (after the operation resolved).
      { async requestDidStart () { return { async willSendResponse () { if (mode === 'processing') throw new Error('plugin broke while sending') } } } }
    ], {
      standalone: {
        context: async () => {
          if (mode === 'context') throw new Error('database down while building context')
          if (mode === 'auth') throw new GraphQLError('not signed in', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } })
          return {}
        }
      }
    })
    mode = 'auth'
    const auth = await gql(url, '{ ok }')
    t.equal(auth.status, 401, 'the deliberate context error is the answer')
    mode = 'context'
    const ctx = await gql(url, '{ ok }')
    t.equal(ctx.status, 500)
    t.match(ctx.body.errors[0].message, /Context creation failed: database down/)
    mode = 'processing'
    const proc = await gql(url, 'query P { ok }')
    t.equal(proc.status, 500, 'Apollo answers 500 for a processing failure')
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(2, 5000))
    t.equal(collector.events.length, 2, 'context failure and processing failure; not the UNAUTHENTICATED answer')
    const byValue = byMessage(collector.events)
    const c = byValue['database down while building context']
    t.ok(c, 'context creation failure reported with the original error')
    t.same(c.contexts.graphql, { stage: 'context' })
    t.same(c.contexts.mechanism, { type: 'graphql', handled: false })
    const p = byValue['plugin broke while sending']
    t.ok(p, 'processing failure reported')
    t.same(p.contexts.graphql, { operation_name: 'P', operation_type: 'query', stage: 'processing' })
  })
}

t.test('the plugin reports to the active client by default; nothing without one', async (t) => {
  const url5 = await start(t, Apollo5, standalone5, [apolloPlugin()])
  const before = await gql(url5, '{ boom }')
  t.equal(before.body.errors[0].message, 'boom in resolver', 'no client: the server still answers')
  const { client, collector } = await setup(t)
  await gql(url5, 'query Later { boom }')
  t.ok(await collector.waitForEvents(1, 5000))
  t.ok(await client.flush(5000))
  t.equal(collector.events.length, 1, 'the error raised before any client existed was not kept for later')
  t.equal(collector.events[0].contexts.tags['graphql.operation'], 'Later')
})

t.test('a throwing shouldHandleError leaves the default rule, said once', async (t) => {
  const { client, collector } = await setup(t)
  const url = await start(t, Apollo5, standalone5, [apolloPlugin({ client, shouldHandleError () { throw new Error('filter bug') } })])
  const lines = await stderrOf(async () => {
    await gql(url, 'query D { deliberate }')
    await gql(url, 'query B1 { boom }')
    await gql(url, 'query B2 { boom }')
  })
  t.ok(await client.flush(5000))
  t.ok(await collector.waitForEvents(2, 5000))
  t.equal(collector.events.length, 2, 'both boom errors reported, the deliberate one not')
  t.ok(collector.events.every((e) => excOf(e).value === 'boom in resolver'))
  const said = lines.filter((l) => l.includes('shouldHandleError threw'))
  t.equal(said.length, 1, 'one stderr line for three throws')
  t.match(said[0], /shouldHandleError threw \(Error: filter bug\); the default rule decides/)
})

t.test('bad options are refused with the fix', async (t) => {
  t.throws(() => apolloPlugin('yes'), ConfigurationError)
  t.throws(() => apolloPlugin({ shouldHandleError: true }), { message: /shouldHandleError.*must be a function/, code: 'XRAYRADAR_CONFIG' })
  t.type(apolloPlugin().requestDidStart, 'function')
})
