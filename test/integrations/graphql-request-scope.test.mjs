// Resolver events carry their own request's scope (httpIntegration, on by default) on every
// GraphQL server: N concurrent, interleaved requests each set a distinct user, tag and
// breadcrumb and fail; each event must hold that request's data and no other's.
import t from 'tap'
import { apolloPlugin, useXrayRadar, getIsolationScope, runWithIsolationScope, Scope } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { gql, excOf } from './graphql-fixtures.mjs'
import { SERVERS } from './graphql-servers.mjs'

const N = 12

for (const [label, kind, start] of SERVERS) {
  t.test(`${label}: ${N} concurrent requests, each event with its own request's scope`, async (t) => {
    const { client, collector } = await setup(t)
    const plugin = kind === 'apollo' ? apolloPlugin({ client }) : useXrayRadar({ client })
    const url = await start(t, [plugin])
    // A breadcrumb recorded outside any request must not reach request events (each
    // request starts with a fresh breadcrumb list; tags are inherited by design).
    getIsolationScope().addBreadcrumb({ message: 'background-crumb', category: 'test' }, 100)

    const who = Array.from({ length: N }, (_, i) => `user-${i}-${'x'.repeat(i % 4)}`)
    const answers = await Promise.all(who.map((w) => gql(url, 'query Who { whoami }', { headers: { 'x-who': w } })))
    t.ok(answers.every((a) => a.body.errors?.length === 1), 'every request answered with its error')
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(N, 5000))
    t.equal(collector.events.length, N, 'one event per request')

    const seen = new Set()
    for (const e of collector.events) {
      const w = /whoami failed for (\S+)/.exec(excOf(e).value)?.[1]
      seen.add(w)
      const mismatches = []
      if (e.contexts.user?.id !== w) mismatches.push(`user ${e.contexts.user?.id}`)
      if (e.contexts.tags.who !== w) mismatches.push(`tag ${e.contexts.tags.who}`)
      const crumbs = e.breadcrumbs.filter((b) => b.category === 'test').map((b) => b.message)
      if (crumbs.length !== 1 || crumbs[0] !== `crumb-${w}`) mismatches.push(`crumbs ${crumbs}`)
      const header = e.contexts.request?.headers?.['x-who'] ?? e.contexts.request?.headers?.['X-Who']
      if (header !== w) mismatches.push(`request header ${header}`)
      if (!String(e.contexts.request?.url).startsWith(new URL(url).origin)) mismatches.push(`request url ${e.contexts.request?.url}`)
      t.same(mismatches, [], `event for ${w} holds only its own request's data`)
      t.same(e.contexts.tags['graphql.operation'], 'Who')
    }
    t.equal(seen.size, N, 'every request reported once')
  })
}

t.test('the scope kept on the request in the GraphQL context wins over the current one', async (t) => {
  // Apollo reads the scope at requestDidStart; if that runs outside the request's async
  // context (a custom integration), the request object in contextValue still names it.
  const { client, collector } = await setup(t)
  const reqScope = new Scope()
  reqScope.setTag('from', 'request')
  const req = {}
  Object.defineProperty(req, Symbol.for('xrayradar.requestScope'), { value: reqScope })
  const other = new Scope()
  other.setTag('from', 'elsewhere')
  const plugin = apolloPlugin({ client })
  const listener = await runWithIsolationScope(() => plugin.requestDidStart({ contextValue: { req } }), other)
  const { GraphQLError } = await import('graphql')
  const err = new GraphQLError('wrapped', { path: ['a'], originalError: new Error('from the resolver') })
  await listener.didEncounterErrors({ operation: { operation: 'query', name: { value: 'Q' } }, errors: [err] })
  t.ok(await collector.waitForEvents(1, 5000))
  t.equal(collector.events[0].contexts.tags.from, 'request')
  const listener2 = await runWithIsolationScope(() => plugin.requestDidStart({ contextValue: {} }), other)
  await listener2.didEncounterErrors({ operation: { operation: 'query' }, errors: [new GraphQLError('w', { path: ['b'], originalError: new Error('second') })] })
  t.ok(await collector.waitForEvents(2, 5000))
  t.equal(collector.events[1].contexts.tags.from, 'elsewhere', 'no request object: the isolation scope current at requestDidStart')
})
