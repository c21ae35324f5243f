'use strict'
// Mercurius on Fastify, with graphql-jit compiling each query after its first call.
const Fastify = require('fastify')
const mercurius = require('mercurius')
const { options } = require('./catalog')

const { typeDefs, resolvers, port } = options(process.argv)
const app = Fastify({ logger: false })
app.register(mercurius, { schema: typeDefs, resolvers, jit: 1 })
app.get('/healthz', async () => ({ status: 'ok' }))
app.listen({ host: '127.0.0.1', port }).catch((error) => {
  console.error(error)
  process.exit(1)
})
