'use strict'
// GraphQL Yoga with its defaults, on Node's own HTTP server.
const { createServer } = require('node:http')
const { createSchema, createYoga } = require('graphql-yoga')
const { options } = require('./catalog')

const { typeDefs, resolvers, port } = options(process.argv)
const yoga = createYoga({ schema: createSchema({ typeDefs, resolvers }) })
const server = createServer((request, response) => {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end('{"status":"ok"}')
    return
  }
  yoga(request, response)
})
server.listen(port, '127.0.0.1')
