// newsgraph's GraphiQL page: GraphiQL 5 with the explorer, its Monaco workers served by
// newsgraph itself (the page never reaches another host).
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";
import "@graphiql/plugin-explorer/style.css";

const settings = JSON.parse(document.getElementById("newsgraph-graphiql").textContent);
const assets = new URL(settings.assets, document.baseURI);

globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    const name = label === "json" || label === "graphql" ? label : "editor";
    return new Worker(new URL(`${name}.worker.js`, assets));
  },
};

// `?query=` and `?variables=` open in the editor; nothing runs until Run is pressed.
const params = new URLSearchParams(window.location.search);
const explorer = explorerPlugin();

createRoot(document.getElementById("graphiql")).render(
  <GraphiQL
    fetcher={createGraphiQLFetcher({ url: settings.endpoint })}
    plugins={[explorer]}
    visiblePlugin={explorer}
    defaultQuery={settings.exampleQuery}
    initialQuery={params.get("query") ?? undefined}
    initialVariables={params.get("variables") ?? undefined}
    defaultEditorToolsVisibility="headers"
  />,
);
