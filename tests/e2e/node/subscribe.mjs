// Subscribe to newsgraph with the npm graphql-ws or graphql-sse client, and print each event
// as one JSON line. Usage: node subscribe.mjs ws|sse URL FILTER_JSON [PREVIEW_TOKEN]
import { createClient as createWsClient } from "graphql-ws";
import { createClient as createSseClient } from "graphql-sse";
import WebSocket from "ws";

const [protocol, url, filter, token] = process.argv.slice(2);
const query = `subscription Follow($filter: ArticleFilter) {
  articleChanges(filter: $filter) { kind article { title } snapshot { version } }
}`;
const preview = token ? { "X-Newsgraph-Preview": token } : {};
const client =
  protocol === "ws"
    ? createWsClient({ url, webSocketImpl: WebSocket, connectionParams: preview, lazy: false })
    : createSseClient({ url, headers: preview, singleConnection: false });

try {
  for await (const event of client.iterate({ query, variables: { filter: JSON.parse(filter) } })) {
    process.stdout.write(JSON.stringify(event) + "\n");
  }
  process.stdout.write(JSON.stringify({ complete: true }) + "\n");
} catch (error) {
  process.stdout.write(JSON.stringify({ failed: String(error?.message ?? error) }) + "\n");
  process.exitCode = 1;
} finally {
  client.dispose();
}
