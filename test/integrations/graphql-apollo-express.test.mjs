// apolloPlugin behind Express: Apollo 5 with @as-integrations/express5, Apollo 4 with its
// own express4 middleware (mounted at /api/graphql): the same reported / not reported
// split as standalone, and the Express response unchanged by the plugin.
import t from 'tap'
import { apolloPlugin } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { gql, NOT_REPORTED, excOf, checkSameResponses } from './graphql-fixtures.mjs'
import { SERVERS } from './graphql-servers.mjs'

const EXPRESS = SERVERS.filter(([label]) => label.includes('Express'))

const REPORTED = [
  { query: 'query Boom { boom ok }' },
  { query: 'mutation Save { save(v: "e1") }' },
  { query: '{ users { id email } }' }
]

for (const [label, , start] of EXPRESS) {
  t.test(`${label}: unexpected resolver errors reported, client errors not`, async (t) => {
    const { client, collector } = await setup(t)
    const url = await start(t, [apolloPlugin({ client })])
    for (const [name, r] of Object.entries(NOT_REPORTED)) {
      t.ok((await gql(url, r.query, r)).body.errors?.length > 0, `${name}: answered with errors`)
    }
    for (const r of REPORTED) await gql(url, r.query, r)
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(3, 5000))
    t.equal(client.stats().captured, 4, 'boom, save, two emails; none of the client errors')
    t.equal(client.stats().dropped.grouped, 1, 'the second email folded into the first one\'s event')
    t.equal(collector.events.find((e) => excOf(e).value.startsWith('no email'))?.contexts.extra.graphql_error_count, 2)
    const boom = collector.events.find((e) => excOf(e).value === 'boom in resolver')
    t.same(boom.contexts.tags['graphql.operation'], 'Boom')
    t.same(boom.contexts.graphql.path, ['boom'])
    t.ok(excOf(boom).stacktrace.frames.some((f) => f.filename?.endsWith('graphql-fixtures.mjs')), 'the resolver\'s stack')
    t.match(boom.contexts.request.url, /\/api\/graphql$/, 'the request data of the Express request')
    const save = collector.events.find((e) => excOf(e).value === 'could not save e1')
    t.same(save.contexts.tags['graphql.operation_type'], 'mutation')
  })

  t.test(`${label}: the response is the same with and without the plugin`, async (t) => {
    const { client } = await setup(t)
    const bare = await start(t, [])
    const withPlugin = await start(t, [apolloPlugin({ client })])
    await checkSameResponses(t, bare, withPlugin, [...Object.values(NOT_REPORTED), ...REPORTED, { query: '{ ok }' }])
    t.ok(client.stats().captured > 0, 'and the plugin did report')
    t.ok(await client.flush(5000))
  })
}
