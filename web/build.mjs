// Bundles GraphiQL, the explorer, React and Monaco's editor workers into the folder given as
// the one argument (tools/graphiql_assets.py passes server/static/graphiql).
import { build } from "esbuild";

const [outdir] = process.argv.slice(2);
const common = {
  bundle: true,
  minify: true,
  format: "iife",
  legalComments: "linked",
  logLevel: "warning",
  outdir,
};
await build({
  ...common,
  entryPoints: { graphiql: "src/main.jsx" },
  jsx: "automatic",
  loader: { ".ttf": "file" },
  assetNames: "[name]",
  define: { "process.env.NODE_ENV": '"production"' },
});
// Monaco runs its language services in web workers; src/main.jsx points it at these files.
await build({
  ...common,
  entryPoints: {
    "editor.worker": "monaco-editor/esm/vs/editor/editor.worker.js",
    "json.worker": "monaco-editor/esm/vs/language/json/json.worker.js",
    "graphql.worker": "monaco-graphql/esm/graphql.worker.js",
  },
});
