// The CommonJS path: require('xrayradar') with Apollo Server 5 and 4 and GraphQL Yoga 5 as
// required by a CommonJS app (their CJS builds, graphql's CJS build): an unexpected
// resolver error reported once with its operation and path, a deliberate one not, the
// response unchanged.
const t = require('tap')
const { GraphQLError } = require('graphql')
const { ApolloServer: Apollo5 } = require('@apollo/server')
const { startStandaloneServer: standalone5 } = require('@apollo/server/standalone')
const { ApolloServer: Apollo4 } = require('apollo4')
const { startStandaloneServer: standalone4 } = require('apollo4/standalone')
const { createYoga, createSchema } = require('graphql-yoga')
const { ErrorTracker, startCollector, apolloPlugin, useXrayRadar } = require('xrayradar')

const TOKEN = 'test-token-123456'
const typeDefs = 'type Query { ok: String, boom: String, deliberate: String }'
const resolvers = {
  Query: {
    ok: () => 'fine',
    boom: () => { throw new RangeError('cjs resolver failed') },
    deliberate: () => { throw new GraphQLError('no access', { extensions: { code: 'FORBIDDEN' } }) }
  }
}
const quietLogger = { debug () {}, info () {}, warn () {}, error () {} }

async function setup (t) {
  const collector = await startCollector({ token: TOKEN })
  const client = new ErrorTracker({ dsn: collector.dsn('42'), authToken: TOKEN, spool: false })
  t.teardown(async () => { await client.close(1000); await collector.close() })
  return { client, collector }
}

async function post (url, query) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })
  return { status: res.status, body: await res.json() }
}

const SERVERS = [
  ['Apollo 5', async (t, plugins) => {
    const s = new Apollo5({ typeDefs, resolvers, plugins, logger: quietLogger, includeStacktraceInErrorResponses: false })
    const { url } = await standalone5(s, { listen: { port: 0, host: '127.0.0.1' } })
    t.teardown(() => s.stop())
    return url
  }, apolloPlugin],
  ['Apollo 4', async (t, plugins) => {
    const s = new Apollo4({ typeDefs, resolvers, plugins, logger: quietLogger, includeStacktraceInErrorResponses: false })
    const { url } = await standalone4(s, { listen: { port: 0, host: '127.0.0.1' } })
    t.teardown(() => s.stop())
    return url
  }, apolloPlugin],
  ['Yoga 5', async (t, plugins) => {
    const { listen } = await import('../utils/servers.mjs')
    const { base } = await listen(t, createYoga({ schema: createSchema({ typeDefs, resolvers }), plugins, logging: false }))
    return `${base}/graphql`
  }, useXrayRadar]
]

for (const [label, start, factory] of SERVERS) {
  t.test(`CommonJS, ${label}: reported once, deliberate not, response unchanged`, async (t) => {
    const { client, collector } = await setup(t)
    const bare = await start(t, [])
    const url = await start(t, [factory({ client })])
    for (const q of ['query Deliberate { deliberate }', '{ ok }', 'query Boom { boom ok }']) {
      const a = await post(bare, q)
      const b = await post(url, q)
      t.equal(b.status, a.status, `${q}: status`)
      t.same(b.body, a.body, `${q}: body`)
    }
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(1, 5000))
    t.equal(client.stats().captured, 1, 'only the resolver failure')
    const e = collector.events[0]
    const exc = e.exception.values.at(-1)
    t.equal(exc.type, 'RangeError')
    t.equal(exc.value, 'cjs resolver failed')
    t.ok(exc.stacktrace.frames.some((f) => f.filename && f.filename.endsWith('graphql.test.cjs')), 'the resolver\'s own stack')
    t.same(e.contexts.tags, { 'graphql.operation': 'Boom', 'graphql.operation_type': 'query' })
    t.same(e.fingerprint, ['RangeError', 'graphql', 'boom'])
  })
}
