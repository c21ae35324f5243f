// Apollo Client core with PersistedQueryLink against a running server.
// Usage: node apollo_apq.mjs URL [get]; runs one query with two fresh clients (the second finds
// the document already persisted) and prints one JSON object: each client's data, and every
// HTTP exchange (method, whether the document was sent, status, error codes).
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url, method] = process.argv.slice(2);
const exchanges = [];

async function recordingFetch(input, init) {
  const response = await fetch(input, init);
  const body = await response.clone().json();
  const sent = init.method === "GET" ? new URL(input).searchParams.get("query") : JSON.parse(init.body).query;
  exchanges.push({
    method: init.method,
    sentDocument: Boolean(sent),
    status: response.status,
    codes: (body.errors ?? []).map((error) => error.extensions?.code),
  });
  return response;
}

function client() {
  const persisted = new PersistedQueryLink({
    sha256: (text) => createHash("sha256").update(text).digest("hex"),
    useGETForHashedQueries: method === "get",
  });
  return new ApolloClient({
    link: persisted.concat(new HttpLink({ uri: url, fetch: recordingFetch })),
    cache: new InMemoryCache(),
  });
}

const query = gql`
  query Newest($n: Int!) {
    articles(first: $n) {
      totalCount
      edges { node { id title } }
    }
  }
`;
const results = [];
for (let round = 0; round < 2; round++) {
  const { data, error } = await client().query({ query, variables: { n: 2 }, fetchPolicy: "network-only" });
  results.push({ data, error: error ? String(error) : null });
}
console.log(JSON.stringify({ results, exchanges }));
