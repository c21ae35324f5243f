// graphql-http's GraphQL-over-HTTP conformance audit against a running server.
// Usage: node audit.mjs URL; prints one JSON line per audit: {id, name, status, reason}.
import { serverAudits } from "graphql-http";

const url = process.argv[2];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  console.log(
    JSON.stringify({
      id: result.id,
      name: result.name,
      status: result.status,
      reason: result.status === "ok" ? null : result.reason,
    }),
  );
}
