'use strict'
// What both peer servers share: newsgraph's SDL, the articles newsgraph serves (exported by
// the benchmark, newest first, each with its cursor and its URL for every preference), and
// resolvers for the fields of the benchmark's page query. Fields without a resolver here
// read the property of the same name, as graphql-js does by default.
const { readFileSync } = require('node:fs')

function load (sdlPath, dataPath) {
  const typeDefs = readFileSync(sdlPath, 'utf8')
  const articles = JSON.parse(readFileSync(dataPath, 'utf8'))
  const positions = new Map(articles.map((article, index) => [article.cursor, index]))
  const DEFAULT_PAGE = 25

  function articlesPage (_, { first, after }) {
    const size = first ?? DEFAULT_PAGE
    const start = after == null ? 0 : positions.get(after) + 1
    if (Number.isNaN(start)) throw new Error('unknown cursor')
    const page = articles.slice(start, start + size)
    return {
      totalCount: articles.length,
      edges: page.map((node) => ({ cursor: node.cursor, node })),
      pageInfo: {
        hasNextPage: start + size < articles.length,
        hasPreviousPage: start > 0,
        startCursor: page.length ? page[0].cursor : null,
        endCursor: page.length ? page[page.length - 1].cursor : null
      }
    }
  }

  const resolvers = {
    Query: { articles: articlesPage },
    Article: { url: (article, { prefer }) => article.urls[prefer] }
  }
  return { typeDefs, resolvers }
}

// `node SERVER.js SDL DATA --port P`
function options (argv) {
  const [sdlPath, dataPath] = argv.slice(2, 4)
  const port = Number(argv[argv.indexOf('--port') + 1])
  if (!sdlPath || !dataPath || !Number.isInteger(port)) {
    throw new Error('usage: node SERVER.js SDL DATA --port P')
  }
  return { ...load(sdlPath, dataPath), port }
}

module.exports = { options }
