// One schema for the GraphQL integration tests (Apollo 4/5, Yoga 5): each field fails
// in one of the ways the plugins must tell apart, and requests that exercise them.
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql'
import { getIsolationScope } from 'xrayradar'

export const typeDefs = /* GraphQL */ `
  scalar Even
  type User { id: Int!, email: String }
  type Query {
    ok: String
    boom: String
    typed: String
    users: [User]
    deliberate: String
    wrappedDeliberate: String
    badInput: String
    nonNull: String!
    echo(n: Int!): Int
    half(n: Even!): Int
    whoami: String
  }
  type Mutation { save(v: String): String }
  type Subscription {
    ticks: Int
    badTick: Int
    tickFails: Int
    noStream: Int
  }
`

/** Thrown by resolvers that fail unexpectedly; its stack names this file. */
export class LedgerError extends Error {
  constructor (message) { super(message); this.name = 'LedgerError' }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// A custom scalar whose parser throws a plain TypeError: graphql-js keeps it as the
// variable error's originalError (Apollo: BAD_USER_INPUT; Yoga masks it).
const Even = new GraphQLScalarType({
  name: 'Even',
  serialize: (v) => v,
  parseValue: (v) => { if (typeof v !== 'number' || v % 2 !== 0) throw new TypeError(`not an even number: ${v}`); return v },
  parseLiteral: (ast) => ast.kind === Kind.INT && Number(ast.value) % 2 === 0 ? Number(ast.value) : undefined
})

export const resolvers = {
  Even,
  Query: {
    ok: () => 'fine',
    boom: () => { throw new Error('boom in resolver') },
    typed: async () => { await sleep(1); return null.missing },
    users: () => [{ id: 1 }, { id: 2 }],
    deliberate: () => { throw new GraphQLError('you may not', { extensions: { code: 'FORBIDDEN' } }) },
    // A GraphQLError wrapping another GraphQLError: still on purpose.
    wrappedDeliberate: () => { throw new GraphQLError('outer', { originalError: new GraphQLError('inner') }) },
    badInput: () => { throw new GraphQLError('n must be even', { extensions: { code: 'BAD_USER_INPUT' } }) },
    nonNull: () => null,
    echo: (_, { n }) => n,
    half: (_, { n }) => n / 2,
    // Sets the request's user on the isolation scope, waits (interleaving with other
    // requests), then fails: the event must carry this request's user and no other's.
    whoami: async (_, __, ctx) => {
      const who = ctx?.who ?? 'nobody'
      getIsolationScope().setUser({ id: who })
      getIsolationScope().setTag('who', who)
      getIsolationScope().addBreadcrumb({ message: `crumb-${who}`, category: 'test' }, 100)
      await sleep(5 + (who.length % 3) * 3)
      throw new LedgerError(`whoami failed for ${who}`)
    }
  },
  User: {
    email: (u) => { throw new LedgerError(`no email for user ${u.id}`) }
  },
  Mutation: {
    save: async (_, { v }) => { await sleep(1); throw new LedgerError(`could not save ${v}`) }
  },
  Subscription: {
    ticks: { subscribe: async function * () { yield 1; yield 2 }, resolve: (v) => v },
    badTick: { subscribe: async function * () { yield 1; yield 2 }, resolve: (v) => { throw new LedgerError(`tick ${v} broke`) } },
    tickFails: { subscribe: async function * () { yield 1; throw new LedgerError('source stream broke') }, resolve: (v) => v },
    noStream: { subscribe: () => { throw new LedgerError('subscribe broke') } }
  }
}

/** POSTs a GraphQL request; resolves { status, body } (body parsed as JSON when it is). */
export async function gql (url, query, { variables, extensions, headers = {}, operationName } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...headers },
    body: JSON.stringify({ query, variables, extensions, operationName })
  })
  const text = await res.text()
  let body = text
  try { body = JSON.parse(text) } catch {}
  return { status: res.status, body }
}

/** A response body to compare across servers: Apollo's extensions.stacktrace cut to its first line (async frames differ run to run). */
export function comparable (body) {
  if (body === null || typeof body !== 'object' || !Array.isArray(body.errors)) return body
  return {
    ...body,
    errors: body.errors.map((e) => Array.isArray(e.extensions?.stacktrace) ? { ...e, extensions: { ...e.extensions, stacktrace: e.extensions.stacktrace[0] } } : e)
  }
}

/** Requests that must not be reported, by name (each answered with errors). */
export const NOT_REPORTED = {
  parse: { query: '{ boom' },
  validation: { query: '{ noSuchField }' },
  variables: { query: 'query Vars($n: Int!) { echo(n: $n) }', variables: { n: 'x' } },
  deliberate: { query: 'query Deliberate { deliberate }' },
  wrappedDeliberate: { query: '{ wrappedDeliberate }' },
  badInput: { query: 'query BadInput { badInput }' }
}

/** A variable its custom scalar refuses with a plain TypeError: Apollo's BAD_USER_INPUT, masked by Yoga. */
export const SCALAR_INPUT = { query: 'query Half($n: Even!) { half(n: $n) }', variables: { n: 3 } }

/** Requests of every kind, reported or not, whose responses the plugins must leave as they are. */
export const RESPONSE_CASES = [
  ...Object.values(NOT_REPORTED), SCALAR_INPUT,
  { query: '{ ok }' }, { query: 'query Boom { boom ok }' }, { query: '{ users { id email } }' },
  { query: 'mutation { save(v: "y") }' }, { query: '{ nonNull }' }
]

/** Sends each case to the server without the plugin and the one with it: the same status and body. */
export async function checkSameResponses (t, bare, withPlugin, cases) {
  for (const c of cases) {
    const a = await gql(bare, c.query, c)
    const b = await gql(withPlugin, c.query, c)
    t.equal(b.status, a.status, `${c.query}: status`)
    t.same(comparable(b.body), comparable(a.body), `${c.query}: body`)
  }
}

/** The exception values of an event, innermost last. */
export const excOf = (e) => e.exception?.values?.at(-1)
