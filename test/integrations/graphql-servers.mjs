// The GraphQL servers the integration tests run, each on 127.0.0.1 port 0, with the same
// schema and the same context ({ who } from the x-who header). Each start() resolves the
// endpoint URL and registers its own teardown.
import { ApolloServer as Apollo5 } from '@apollo/server'
import { startStandaloneServer as standalone5 } from '@apollo/server/standalone'
import { expressMiddleware as expressMiddleware5 } from '@as-integrations/express5'
import { ApolloServer as Apollo4 } from 'apollo4'
import { startStandaloneServer as standalone4 } from 'apollo4/standalone'
import { expressMiddleware as expressMiddleware4 } from 'apollo4/express4'
import express5 from 'express'
import express4 from 'express4'
import { createYoga, createSchema } from 'graphql-yoga'
import { typeDefs, resolvers } from './graphql-fixtures.mjs'
import { listen } from '../utils/servers.mjs'

// Apollo logs unexpected processing errors itself: keep test output readable.
const quietLogger = { debug () {}, info () {}, warn () {}, error () {} }

const whoOf = (req) => ({ who: req.headers['x-who'] ?? 'nobody' })

async function apolloStandalone (t, ApolloServer, startStandaloneServer, plugins) {
  const server = new ApolloServer({ typeDefs, resolvers, plugins, logger: quietLogger })
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' }, context: async ({ req }) => whoOf(req) })
  t.teardown(() => server.stop())
  return url
}

async function apolloExpress (t, ApolloServer, express, expressMiddleware, plugins) {
  const server = new ApolloServer({ typeDefs, resolvers, plugins, logger: quietLogger })
  await server.start()
  t.teardown(() => server.stop())
  const app = express()
  app.use('/api/graphql', express.json(), expressMiddleware(server, { context: async ({ req }) => whoOf(req) }))
  const { base } = await listen(t, app)
  return `${base}/api/graphql`
}

async function yoga (t, plugins) {
  const y = createYoga({
    schema: createSchema({ typeDefs, resolvers }),
    plugins,
    logging: false,
    context: ({ request }) => ({ who: request.headers.get('x-who') ?? 'nobody' })
  })
  const { base } = await listen(t, y)
  return `${base}/graphql`
}

/** [label, start(t, plugin) → url]; plugin is 'apollo' or 'envelop' to pick the SDK plugin kind. */
export const SERVERS = [
  ['Apollo 5 standalone', 'apollo', (t, plugins) => apolloStandalone(t, Apollo5, standalone5, plugins)],
  ['Apollo 4 standalone', 'apollo', (t, plugins) => apolloStandalone(t, Apollo4, standalone4, plugins)],
  ['Apollo 5 + Express 5', 'apollo', (t, plugins) => apolloExpress(t, Apollo5, express5, expressMiddleware5, plugins)],
  ['Apollo 4 + Express 4', 'apollo', (t, plugins) => apolloExpress(t, Apollo4, express4, expressMiddleware4, plugins)],
  ['Yoga 5', 'envelop', (t, plugins) => yoga(t, plugins)]
]
