/** GraphiQL, served from node_modules so the IDE works with no internet access. */
import fs from "node:fs";
import path from "node:path";

/** A file inside an installed package, found from the package's main entry (exports maps hide the UMD builds). */
export function packageFile(spec: string): string {
  const [scopeOrName, ...rest] = spec.split("/");
  const name = scopeOrName.startsWith("@") ? `${scopeOrName}/${rest.shift()}` : scopeOrName;
  let dir = path.dirname(require.resolve(name));
  while (!fs.existsSync(path.join(dir, "package.json")) || path.basename(dir) !== name.split("/").pop()) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${name} not found`);
    dir = up;
  }
  return path.join(dir, ...rest);
}

export const IDE_ASSETS: Record<string, string> = {
  "react.production.min.js": packageFile("react/umd/react.production.min.js"),
  "react-dom.production.min.js": packageFile("react-dom/umd/react-dom.production.min.js"),
  "graphiql.min.js": packageFile("graphiql/graphiql.min.js"),
  "graphiql.min.css": packageFile("graphiql/graphiql.min.css"),
};

const DEFAULT_QUERY = `# Guangzhou innovation platform registry
{
  platforms(filter: { search: "生物岛" }, first: 5) {
    totalCount
    nodes { id nameHans nameHant nameEn kind status district { nameHans } location { lng lat precision } }
  }
}
`;

/** The script that starts GraphiQL, served as a file so that the page's CSP allows no inline script. */
export function graphiqlStartJs(endpoint: string): string {
  return `"use strict";
const fetcher = GraphiQL.createFetcher({ url: ${JSON.stringify(endpoint)} });
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, { fetcher, defaultQuery: ${JSON.stringify(DEFAULT_QUERY)} })
);
`;
}

/**
 * GraphiQL's Content-Security-Policy: scripts from this server only (no inline script), styles
 * from it and inline (GraphiQL sets style attributes), its fonts as data: URLs, requests to this
 * server only, and never inside a frame.
 */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function graphiqlHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL · Guangzhou innovation platform registry</title>
<link rel="stylesheet" href="/ide/graphiql.min.css">
<style>html,body,#graphiql{height:100%;margin:0}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/ide/react.production.min.js"></script>
<script src="/ide/react-dom.production.min.js"></script>
<script src="/ide/graphiql.min.js"></script>
<script src="/ide/start.js"></script>
</body>
</html>`;
}
