// One GraphQL response cannot choose the event count: the errors of one operation with one
// fingerprint (error type + field, list indices as *) are one event with their count and the
// first paths; the others are counted in stats() as dropped.grouped; an operation sends at most
// MAX_GRAPHQL_ERROR_EVENTS events. Real Apollo Server 5 and 4 (standalone) and GraphQL Yoga 5.
import t from 'tap'
import { ApolloServer as Apollo5 } from '@apollo/server'
import { startStandaloneServer as standalone5 } from '@apollo/server/standalone'
import { ApolloServer as Apollo4 } from 'apollo4'
import { startStandaloneServer as standalone4 } from 'apollo4/standalone'
import { createYoga, createSchema } from 'graphql-yoga'
import { apolloPlugin, useXrayRadar } from 'xrayradar'
import { setup } from '../helpers.mjs'
import { gql, excOf } from './graphql-fixtures.mjs'
import { listen } from '../utils/servers.mjs'

const PATHS = 10 // MAX_GRAPHQL_ERROR_PATHS
const EVENTS = 10 // MAX_GRAPHQL_ERROR_EVENTS

class PriceError extends Error { constructor (m) { super(m); this.name = 'PriceError' } }
class StockError extends Error { constructor (m) { super(m); this.name = 'StockError' } }

const typeDefs = /* GraphQL */ `
  type Item { id: Int!, price: Int, stock: Int, name: String, rate: Int }
  type Query { items(n: Int!): [Item] }
`
// Every PriceError thrown, to capture one again by another path; and one error object shared by
// every item, as a failed DataLoader batch rejects each of its keys with the same error.
const thrown = []
let shared = null

const resolvers = {
  Query: { items: (_, { n }) => Array.from({ length: n }, (_, id) => ({ id })) },
  Item: {
    // Each item fails with its own message: one field, one fingerprint, whatever the text.
    price: (item) => { const e = new PriceError(`no price for item ${item.id}`); thrown.push(e); throw e },
    rate: () => { throw shared },
    stock: async (item) => { await null; throw new StockError(`stock unknown for ${item.id}`) },
    name: (item) => `item ${item.id}`
  }
}

const quietLogger = { debug () {}, info () {}, warn () {}, error () {} }

async function apollo (t, ApolloServer, startStandaloneServer, client) {
  const server = new ApolloServer({ typeDefs, resolvers, plugins: [apolloPlugin({ client })], logger: quietLogger, includeStacktraceInErrorResponses: false })
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } })
  t.teardown(() => server.stop())
  return url
}

async function yoga (t, client) {
  const y = createYoga({ schema: createSchema({ typeDefs, resolvers }), plugins: [useXrayRadar({ client })], logging: false })
  const { base } = await listen(t, y)
  return `${base}/graphql`
}

const SERVERS = [
  ['Apollo Server 5', (t, client) => apollo(t, Apollo5, standalone5, client)],
  ['Apollo Server 4', (t, client) => apollo(t, Apollo4, standalone4, client)],
  ['Yoga 5', (t, client) => yoga(t, client)]
]

/** The exact accounting: every error counted once, nothing pending. */
function checkStats (t, s, { captured, delivered, grouped }) {
  t.equal(s.captured, captured, 'captured')
  t.equal(s.delivered, delivered, 'delivered')
  t.equal(s.dropped.grouped, grouped, 'dropped.grouped')
  t.equal(s.pending, 0)
  const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0)
  t.equal(s.captured, s.delivered + s.spooled + dropped + s.pending, 'captured = delivered + spooled + dropped + pending')
}

for (const [label, start] of SERVERS) {
  t.test(`${label}: 2,000 items failing one field are one event with a count`, async (t) => {
    const { client, collector } = await setup(t)
    const url = await start(t, client)
    const res = await gql(url, 'query Items { items(n: 2000) { id price name } }')
    t.equal(res.body.errors?.length, 2000, 'the response still carries every error (the plugin only reads)')
    t.equal(res.body.data.items[1999].name, 'item 1999')
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(1, 5000))
    await new Promise((resolve) => setTimeout(resolve, 200)) // room for any further event to show up
    t.equal(collector.events.length, 1, 'exactly one event')
    const e = collector.events[0]
    t.equal(excOf(e).type, 'PriceError')
    t.equal(excOf(e).value, 'no price for item 0', 'the first error is the one sent')
    t.same(e.fingerprint, ['PriceError', 'graphql', 'items.*.price'])
    t.same(e.contexts.graphql.path, ['items', 0, 'price'])
    t.equal(e.contexts.extra.graphql_error_count, 2000, 'with the count')
    t.same(e.contexts.extra.graphql_error_paths, Array.from({ length: PATHS }, (_, i) => `items.${i}.price`), `and the first ${PATHS} paths, no more`)
    t.same(e.contexts.tags, { 'graphql.operation': 'Items', 'graphql.operation_type': 'query' })
    checkStats(t, client.stats(), { captured: 2000, delivered: 1, grouped: 1999 })
    // A folded error captured again by another path (a logger, a handler) sends nothing more.
    t.equal(client.captureException(thrown.at(-5)), e.event_id, 'returns the event it was folded into')
    t.ok(await client.flush(5000))
    t.equal(collector.events.length, 1)
    checkStats(t, client.stats(), { captured: 2000, delivered: 1, grouped: 1999 })
  })

  t.test(`${label}: one error object behind every item (a failed batch) is one event, counted once`, async (t) => {
    const { client, collector } = await setup(t)
    const url = await start(t, client)
    shared = new StockError('batch load failed')
    const res = await gql(url, 'query Rates { items(n: 100) { rate } }')
    t.equal(res.body.errors?.length, 100)
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(1, 5000))
    t.equal(collector.events.length, 1)
    t.equal(collector.events[0].contexts.extra.graphql_error_count, 100, 'the count is of the response\'s errors')
    checkStats(t, client.stats(), { captured: 1, delivered: 1, grouped: 0 })
  })

  t.test(`${label}: two failing fields are two events; a second operation has its own`, async (t) => {
    const { client, collector } = await setup(t)
    const url = await start(t, client)
    await gql(url, 'query Both { items(n: 50) { id price stock } }')
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(2, 5000))
    t.equal(collector.events.length, 2, 'one event per field')
    const price = collector.events.find((e) => excOf(e).type === 'PriceError')
    const stock = collector.events.find((e) => excOf(e).type === 'StockError')
    t.equal(price?.contexts.extra.graphql_error_count, 50)
    t.equal(stock?.contexts.extra.graphql_error_count, 50)
    t.same(stock?.fingerprint, ['StockError', 'graphql', 'items.*.stock'])
    t.equal(stock?.contexts.extra.graphql_error_paths.length, PATHS)
    checkStats(t, client.stats(), { captured: 100, delivered: 2, grouped: 98 })

    // The same failure in another operation (another request) is reported again, with its own count.
    await gql(url, 'query Again { items(n: 3) { price } }')
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(3, 5000))
    t.equal(collector.events.length, 3)
    const again = collector.events[2]
    t.equal(again.contexts.tags['graphql.operation'], 'Again')
    t.equal(again.contexts.extra.graphql_error_count, 3)
    t.same(again.contexts.extra.graphql_error_paths, ['items.0.price', 'items.1.price', 'items.2.price'])
    t.same(again.fingerprint, price.fingerprint, 'the same issue')
    // A single error is an event as before, without a count.
    await gql(url, 'query One { items(n: 1) { stock } }')
    t.ok(await collector.waitForEvents(4, 5000))
    t.notOk('graphql_error_count' in (collector.events[3].contexts.extra ?? {}), 'no count on a lone error')
    t.ok(await client.flush(5000))
    checkStats(t, client.stats(), { captured: 104, delivered: 4, grouped: 100 })
  })

  t.test(`${label}: aliases cannot multiply the events: ${EVENTS} per operation at most`, async (t) => {
    const { client, collector } = await setup(t)
    const url = await start(t, client)
    const fields = Array.from({ length: 30 }, (_, i) => `a${i}: items(n: 3) { price }`).join(' ')
    const res = await gql(url, `query Aliased { ${fields} }`)
    t.equal(res.body.errors?.length, 90)
    t.ok(await client.flush(5000))
    t.ok(await collector.waitForEvents(EVENTS, 5000))
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.equal(collector.events.length, EVENTS, `${EVENTS} events, not 30`)
    t.ok(collector.events.every((e) => e.contexts.extra.graphql_error_count === 3), 'each with its own count')
    checkStats(t, client.stats(), { captured: 90, delivered: EVENTS, grouped: 90 - EVENTS })
  })
}
