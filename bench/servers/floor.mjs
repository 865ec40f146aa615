/**
 * The raw-SQL floor: the registry's own SQL, run through pg, serialised with JSON.stringify (with
 * the registry's splice for JSON that PostgreSQL wrote as text, see src/raw-json.ts), on
 * node:http. No GraphQL, no Express, no TypeORM DataSource, no DataLoader, no validation beyond
 * what the services do. It answers S1–S5 with the same data shape as the GraphQL responses.
 *
 * "The same SQL": the statements come from the registry's compiled services (dist/), called on
 * a shim that has only `query` and `transaction` on a pg Pool; so the floor follows whatever SQL
 * the services build (compileFilter, keyset paging, the GeoJSON statement, the status write).
 * S1 and S4 read the page (or the platform) with the relations they select in one statement, as the
 * registry's resolvers do (PlatformService.page/findById with `include`), and S1, S2 and S4 read only
 * the columns their GraphQL selection needs, as the resolvers do (lookahead.platformSelection).
 *
 * Env: DATABASE_URL, PORT, HOST (default 127.0.0.1), DB_POOL_MAX (default 10).
 * Endpoints: POST /s1 … /s5 with {"variables": {...}} (the GraphQL operations' variables).
 */
import http from "node:http";
import pg from "pg";
import { dist } from "../lib/dist.mjs";

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write("DATABASE_URL is required\n");
  process.exit(2);
}
const port = Number(process.env.PORT ?? 5680);
const host = process.env.HOST ?? "127.0.0.1";

const pool = new pg.Pool({
  connectionString: url,
  max: Number(process.env.DB_POOL_MAX ?? 10),
  application_name: "bench-floor",
  statement_timeout: 15000,
});

/** Enough of a TypeORM DataSource for the services: query() and transaction(). */
const ds = {
  query: (sql, params) => pool.query(sql, params).then((r) => r.rows),
  async transaction(a, b) {
    const work = typeof a === "function" ? a : b;
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work({ query: (sql, params) => client.query(sql, params).then((r) => r.rows) });
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  },
};

const { PlatformService } = dist("src/modules/platform/platform.service.js");
const { GeoService } = dist("src/modules/geo/geo.service.js");
const { ClusterService } = dist("src/modules/geo/clusters.js");
const { SearchInterpreter } = dist("src/modules/platform/search-interpretation.js");
const { TokenService } = dist("src/modules/auth/token.service.js");
const { StatusService } = dist("src/modules/status/status.service.js");
const { AppError } = dist("src/errors.js");
const { bearerToken } = dist("src/modules/auth/auth.js");
const { platformRead } = dist("src/modules/platform/lookahead.js");
// JSON that PostgreSQL wrote (the GeoJSON) is spliced in as text, as the registry does
const { stringifyWithRaw } = dist("src/raw-json.js");

const platforms = new PlatformService(ds);
const geo = new GeoService(ds);
const cells = new ClusterService(ds, new SearchInterpreter(ds));
const tokens = new TokenService(ds);
const status = new StatusService(ds);

// what the scenarios' GraphQL selections read (bench/lib/scenarios.mjs): relations and columns, as the resolvers derive them
const S1_READ = platformRead(["id", "nameHans", "nameEn", "kind", "status", "version", "location", "district", "domains", "agencies"], {
  district: ["code", "nameHans"],
  domains: ["id", "nameHans"],
  agencies: ["id", "nameHans"],
});
const S2_READ = platformRead(["id", "nameHans", "nameEn", "kind", "status"]);
const S4_READ = platformRead(["id", "nameHans", "nameEn", "kind", "status", "version", "statusHistory"]);

const location = (p) => (p.lng === null || p.lat === null || !p.precision ? null : { lng: p.lng, lat: p.lat, precision: p.precision });

const handlers = {
  /** S1: platforms(filter: {districts, domains}, first: 50) with district, domains, agencies (one statement, as ours). */
  async s1({ districts: ds_, domains }) {
    const page = await platforms.page({ filter: { districts: ds_, domains }, first: 50 }, S1_READ);
    return {
      platforms: {
        nodes: page.edges.map(({ node: p }) => {
          const d = p.prefetched.district;
          return {
            id: p.id,
            nameHans: p.nameHans,
            nameEn: p.nameEn,
            kind: p.kind,
            status: p.status,
            version: p.version,
            location: location(p),
            district: d ? { code: d.code, nameHans: d.nameHans } : null,
            domains: p.prefetched.domains.map((x) => ({ id: x.id, nameHans: x.nameHans })),
            agencies: p.prefetched.agencies.map((x) => ({ id: x.id, nameHans: x.nameHans })),
          };
        }),
      },
    };
  },

  /** S2: platforms(filter: {search}, first: 20). */
  async s2({ search }) {
    const page = await platforms.page({ filter: { search }, first: 20 }, S2_READ);
    return { platforms: { nodes: page.edges.map(({ node: p }) => ({ id: p.id, nameHans: p.nameHans, nameEn: p.nameEn, kind: p.kind, status: p.status })) } };
  },

  /** S3: platformsGeoJSON(filter: {bbox}). */
  async s3({ bbox }) {
    return { platformsGeoJSON: await geo.featureCollection({ bbox }, "WGS84") };
  },

  /** S3a beyond platformsGeoJSON's most: platformClusters(filter: {bbox}, zoom). */
  async s3c({ bbox, zoom }) {
    const c = await cells.clusters({ bbox }, zoom, "WGS84", null);
    return { platformClusters: { located: c.located, clusters: c.clusters } };
  },

  /** S4: platform(id) with statusHistory (one statement, as ours). */
  async s4({ id }) {
    const p = await platforms.findById(id, S4_READ);
    if (!p) return { platform: null };
    return {
      platform: {
        id: p.id,
        nameHans: p.nameHans,
        nameEn: p.nameEn,
        kind: p.kind,
        status: p.status,
        version: p.version,
        statusHistory: p.prefetched.statusHistory.map((e) => ({
          from: e.from,
          to: e.to,
          effectiveDate: e.effectiveDate,
          recordedAt: e.recordedAt,
          actor: e.actor,
          note: e.note,
          source: e.sourceTitle ? { title: e.sourceTitle, url: e.sourceUrl, publishedAt: e.sourcePublishedAt } : null,
          correction: e.correction,
        })),
      },
    };
  },

  /** S5: updatePlatformStatus(input) → { id status version }, with the bearer token checked like the API does. */
  async s5({ input }, authorization) {
    const token = bearerToken(authorization);
    const viewer = token ? await tokens.authenticate(token) : null;
    if (!viewer) throw new AppError("UNAUTHENTICATED", "this operation needs a token");
    const { platformId } = await status.updateStatus(viewer, { correction: false, ...input });
    const p = await platforms.findById(platformId);
    return { updatePlatformStatus: { id: p.id, status: p.status, version: p.version } };
  },
};

const send = (res, code, body) => {
  const json = stringifyWithRaw(body);
  res.writeHead(code, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(json) });
  res.end(json);
};

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") return send(res, 200, { status: "ok" });
  const handler = req.method === "POST" ? handlers[req.url.slice(1)] : undefined;
  if (!handler) return send(res, 404, { errors: [{ message: "not found" }] });
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    let variables;
    try {
      variables = JSON.parse(Buffer.concat(chunks).toString("utf8")).variables ?? {};
    } catch {
      return send(res, 400, { errors: [{ message: "bad JSON", extensions: { code: "BAD_REQUEST" } }] });
    }
    try {
      send(res, 200, { data: await handler(variables, req.headers.authorization) });
    } catch (err) {
      if (err instanceof AppError || err?.extensions?.code) {
        send(res, 200, { errors: [{ message: err.message, extensions: { code: err.extensions?.code ?? err.code } }] });
      } else {
        process.stderr.write(`floor: ${err?.stack ?? err}\n`);
        send(res, 500, { errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
      }
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, host, () => process.stdout.write(`READY ${port}\n`));

const stop = () => {
  server.close();
  pool.end().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
