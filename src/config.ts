/**
 * The only module that reads the environment. Every variable is parsed and validated once, at
 * boot; a bad value stops the process with a message naming the variable. `.env.example` and
 * the README's configuration table list the same variables with the same defaults.
 */
import path from "node:path";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  /** HTTP port. Default 4000. */
  port: number;
  /** Interface the HTTP server binds to. Default 0.0.0.0 (all). */
  host: string;
  /** PostgreSQL server to use. Unset: an embedded PostgreSQL is started under `dataDir`. */
  databaseUrl: string | null;
  /** Streaming replicas for reads (comma-separated postgres:// URLs). Default none. Needs DATABASE_URL. */
  databaseReplicaUrls: string[];
  /** Where the embedded PostgreSQL keeps its files. Default ./data (resolved against the cwd). */
  dataDir: string;
  /** Apply pending migrations at start. Default true. When false, the server refuses to start on a schema with pending migrations. */
  migrationsRun: boolean;
  /** Load the plan's data from seeds/ when the registry is empty. Default true. */
  seedOnEmpty: boolean;
  /** Maximum connections in the pool. Default 10. */
  dbPoolMax: number;
  /** Per-statement timeout in milliseconds applied to every connection. Default 15000. */
  statementTimeoutMs: number;
  /** How long graceful shutdown waits for in-flight requests. Default 8000 ms. */
  shutdownTimeoutMs: number;
  /** Serve the GraphiQL IDE on GET /graphql (and /graphiql). Default true. */
  graphqlIde: boolean;
  /** Allow schema introspection. Default true (the registry is public). */
  introspection: boolean;
  /** Add `extensions.sqlStatements` (statements the request ran) to responses. Default false; for tests and benchmarks. */
  exposeSqlCount: boolean;
  /** Largest request body accepted, in bytes. Default 1 MiB (BODY_LIMIT accepts 1048576, 512kb, 1mb). */
  bodyLimitBytes: number;
  /** Origins allowed by CORS: "*" (default: a public read API that uses no cookies) or a comma-separated list; "" turns CORS off. */
  corsOrigins: "*" | string[];
  /** Requests per minute per client IP (without a token). Default 600; 0 = no limit. */
  rateLimitPerIp: number;
  /** Requests per minute per API token. Default 1200; 0 = no limit. */
  rateLimitPerToken: number;
  /** Open graphql-ws connections one client IP may hold. Default 20; 0 = no limit. */
  wsConnectionsPerIp: number;
  /** Operations (subscriptions included) one graphql-ws connection may run at once. Default 20. */
  wsOperationsPerConnection: number;
  /**
   * Which proxies to believe about the client's address, scheme and host (X-Forwarded-For, -Proto,
   * -Host): false (default: none; the socket's peer is the client), a hop count (1 = the nearest
   * proxy), or a comma-separated list of addresses/CIDR ranges ("loopback", "10.0.0.0/8", …).
   */
  trustProxy: false | number | string[];
  /** Serve Prometheus metrics at /metrics. Default true. */
  metrics: boolean;
  /** pino log level. Default info. */
  logLevel: LogLevel;
  /** Cache whole responses of anonymous GraphQL queries, emptied on every change (see src/http/response-cache.ts). Default true. */
  responseCache: boolean;
  /** Most bytes the response cache holds; least recently used answers go first. Default 64 MiB. */
  responseCacheMaxBytes: number;
  /** Longest an answer stays in the response cache, in seconds, even with no change. Default 300. */
  responseCacheTtlSeconds: number;
  /** Reads as named prepared statements (src/db/reader.ts); off behind a pooler that cannot keep them. Default true. */
  preparedStatements: boolean;
  /** Operations run as code compiled once per document (graphql-jit, src/graphql/executor.ts); false: graphql-js walks each. Default true. */
  graphqlJit: boolean;
  /** A GeoJSON file of district outlines (resolved against the cwd), served as /collections/districts and drawn by /map. Default none. */
  districtOutlines: string | null;
  /** The credit the outlines' licence asks for, shown on /map and in the collection, e.g. "© OpenStreetMap contributors (ODbL)". Default none. */
  districtOutlinesAttribution: string | null;
  /** How many times an embedded PostgreSQL that exited unexpectedly is restarted before the registry exits 1. Default 5. */
  embeddedRestarts: number;
  /** Time a client has to send a request's headers, in ms. Default 10000. */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request (headers and body), in ms. Default 30000. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open, in ms. Default 5000. */
  idleTimeoutMs: number;
  /** Open connections (HTTP and WebSocket) one client address may hold; IPv6 counted per /64. Default 256 (an office behind one NAT address shares it; a browser opens up to 6 per host); 0 = no limit. */
  connectionsPerIp: number;
  /** Bearer token that /metrics requires. Default none: /metrics answers loopback clients only (unless METRICS_PUBLIC). */
  metricsToken: string | null;
  /** Serve /metrics to any client without a token. Default false. */
  metricsPublic: boolean;
  /** The registry's public base URL, for absolute links (OGC API). Default none: the trusted proxy's X-Forwarded-Host, else the address the client connected to. */
  publicUrl: string | null;
  /** Accept automatic persisted queries (a query stored by its hash). Default true. */
  persistedQueries: boolean;
  /** Largest query text a client may store as a persisted query, in bytes. Default 16 KiB. */
  persistedQueryMaxBytes: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return def;
  const v = raw.toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function postgresUrl(env: Env, name: string): string | null {
  const raw = str(env, name);
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, "must be a URL such as postgres://user@host:5432/dbname");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(name, `must use the postgres:// scheme, got "${url.protocol}"`);
  }
  if (!url.hostname) throw new ConfigError(name, "must name a host");
  return raw;
}

function bytes(env: Env, name: string, def: number, maxMb = 100): number {
  const raw = str(env, name);
  if (raw === undefined) return def;
  const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw);
  if (!m) throw new ConfigError(name, `must be a size such as 1048576, 512kb or 1mb, got "${raw}"`);
  const n = Number(m[1]) * ({ b: 1, kb: 1024, mb: 1024 * 1024 } as Record<string, number>)[(m[2] ?? "b").toLowerCase()];
  if (n < 1024 || n > maxMb * 1024 * 1024) throw new ConfigError(name, `must be between 1kb and ${maxMb}mb`);
  return n;
}

function origins(env: Env, name: string): "*" | string[] {
  const raw = env[name];
  if (raw === undefined) return "*";
  if (raw.trim() === "*") return "*";
  const list = raw
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  for (const o of list) {
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      throw new ConfigError(name, `must be "*" or a comma-separated list of origins such as https://map.example.org, got "${o}"`);
    }
    if (u.origin !== o) throw new ConfigError(name, `"${o}" is not an origin (scheme://host[:port], no path)`);
  }
  return list;
}

function replicaUrls(env: Env): string[] {
  const raw = str(env, "DATABASE_REPLICA_URLS");
  if (raw === undefined) return [];
  if (!str(env, "DATABASE_URL")) throw new ConfigError("DATABASE_REPLICA_URLS", "needs DATABASE_URL (the primary) to be set");
  return raw.split(",").map((u, i) => postgresUrl({ [`DATABASE_REPLICA_URLS[${i}]`]: u }, `DATABASE_REPLICA_URLS[${i}]`)!);
}

function trustProxy(env: Env): false | number | string[] {
  const raw = str(env, "TRUST_PROXY");
  if (raw === undefined || ["false", "0", "off", "no"].includes(raw.toLowerCase())) return false;
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n > 100) throw new ConfigError("TRUST_PROXY", `hop count must be at most 100, got ${n}`);
    return n;
  }
  const list = raw
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  const NAMED = ["loopback", "linklocal", "uniquelocal"];
  for (const a of list) {
    if (!NAMED.includes(a) && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a)) {
      throw new ConfigError(
        "TRUST_PROXY",
        `must be false, a hop count, or a comma-separated list of addresses/CIDR ranges (or loopback, linklocal, uniquelocal), got "${a}"`,
      );
    }
  }
  return list;
}

function publicUrl(env: Env): string | null {
  const raw = str(env, "PUBLIC_URL");
  if (raw === undefined) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError("PUBLIC_URL", `must be an http(s) URL such as https://registry.example.org, got "${raw}"`);
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.search || u.hash || u.username || u.password) {
    throw new ConfigError("PUBLIC_URL", `must be an http(s) URL without query, fragment or credentials, got "${raw}"`);
  }
  return (u.origin + u.pathname).replace(/\/+$/, "");
}

function secret(env: Env, name: string): string | null {
  const raw = str(env, name);
  if (raw === undefined) return null;
  if (raw.length < 16) throw new ConfigError(name, "must be at least 16 characters");
  return raw;
}

const LOG_LEVELS: LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function loadConfig(env: Env = process.env): Config {
  const logLevel = (str(env, "LOG_LEVEL") ?? "info").toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const config: Config = {
    port: int(env, "PORT", 4000, 0, 65535),
    host: str(env, "HOST") ?? "0.0.0.0",
    databaseUrl: postgresUrl(env, "DATABASE_URL"),
    databaseReplicaUrls: replicaUrls(env),
    dataDir: path.resolve(str(env, "DATA_DIR") ?? "data"),
    migrationsRun: bool(env, "MIGRATIONS_RUN", true),
    seedOnEmpty: bool(env, "SEED_ON_EMPTY", true),
    dbPoolMax: int(env, "DB_POOL_MAX", 10, 1, 1000),
    statementTimeoutMs: int(env, "STATEMENT_TIMEOUT_MS", 15000, 100, 3_600_000),
    shutdownTimeoutMs: int(env, "SHUTDOWN_TIMEOUT_MS", 8000, 0, 600_000),
    graphqlIde: bool(env, "GRAPHQL_IDE", true),
    introspection: bool(env, "INTROSPECTION", true),
    exposeSqlCount: bool(env, "EXPOSE_SQL_COUNT", false),
    bodyLimitBytes: bytes(env, "BODY_LIMIT", 1024 * 1024),
    corsOrigins: origins(env, "CORS_ORIGINS"),
    rateLimitPerIp: int(env, "RATE_LIMIT_PER_IP", 600, 0, 1_000_000),
    rateLimitPerToken: int(env, "RATE_LIMIT_PER_TOKEN", 1200, 0, 1_000_000),
    wsConnectionsPerIp: int(env, "WS_CONNECTIONS_PER_IP", 20, 0, 1_000_000),
    wsOperationsPerConnection: int(env, "WS_OPERATIONS_PER_CONNECTION", 20, 1, 10_000),
    trustProxy: trustProxy(env),
    metrics: bool(env, "METRICS", true),
    logLevel,
    responseCache: bool(env, "RESPONSE_CACHE", true),
    responseCacheMaxBytes: bytes(env, "RESPONSE_CACHE_MAX_BYTES", 64 * 1024 * 1024, 4096),
    responseCacheTtlSeconds: int(env, "RESPONSE_CACHE_TTL", 300, 1, 86_400),
    preparedStatements: bool(env, "PREPARED_STATEMENTS", true),
    graphqlJit: bool(env, "GRAPHQL_JIT", true),
    // read and checked at start (src/modules/geo/outlines.ts), where a bad file stops the start
    districtOutlines: str(env, "DISTRICT_OUTLINES") === undefined ? null : path.resolve(str(env, "DISTRICT_OUTLINES")!),
    districtOutlinesAttribution: str(env, "DISTRICT_OUTLINES_ATTRIBUTION") ?? null,
    embeddedRestarts: int(env, "EMBEDDED_PG_RESTARTS", 5, 0, 100),
    headersTimeoutMs: int(env, "HTTP_HEADERS_TIMEOUT_MS", 10_000, 1000, 600_000),
    requestTimeoutMs: int(env, "HTTP_REQUEST_TIMEOUT_MS", 30_000, 1000, 3_600_000),
    idleTimeoutMs: int(env, "HTTP_IDLE_TIMEOUT_MS", 5000, 100, 600_000),
    connectionsPerIp: int(env, "CONNECTIONS_PER_IP", 256, 0, 1_000_000),
    metricsToken: secret(env, "METRICS_TOKEN"),
    metricsPublic: bool(env, "METRICS_PUBLIC", false),
    publicUrl: publicUrl(env),
    persistedQueries: bool(env, "PERSISTED_QUERIES", true),
    persistedQueryMaxBytes: bytes(env, "PERSISTED_QUERY_MAX_BYTES", 16 * 1024, 1),
  };
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError("HTTP_HEADERS_TIMEOUT_MS", `must not exceed HTTP_REQUEST_TIMEOUT_MS (${config.requestTimeoutMs})`);
  }
  return Object.freeze(config);
}
