import { loadConfig, ConfigError } from "../src/config";
import { isDatabaseUnavailable } from "../src/errors";
import { startTestServer, type TestServer } from "./support/server";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe("HTTP surface", () => {
  it("answers /healthz and /readyz", async () => {
    const h = await fetch(`${s.url}/healthz`);
    expect(h.status).toBe(200);
    const r = await fetch(`${s.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: "ready" });
  });

  it("answers { __typename }", async () => {
    const r = await s.gql("{ __typename }");
    expect(r.status).toBe(200);
    expect(r.data).toEqual({ __typename: "Query" });
  });

  it("rejects an unknown field with 400 and a validation code", async () => {
    const r = await s.gql("{ platforms { nodes { noSuchField } } }");
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("serves GraphiQL from its own origin only (no CDN)", async () => {
    const res = await fetch(`${s.url}/graphql`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("graphiql.min.js");
    expect(html).not.toMatch(/(src|href)="https?:\/\//);
    for (const asset of ["graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"]) {
      const a = await fetch(`${s.url}/ide/${asset}`);
      expect(a.status).toBe(200);
      expect((await a.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });

  it("gives malformed JSON a 400, not a 500", async () => {
    const res = await fetch(`${s.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
  });
});

describe("configuration", () => {
  it("names the variable that is wrong", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x@y/z" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ MIGRATIONS_RUN: "maybe" })).toThrow(/MIGRATIONS_RUN/);
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
  });

  it("has documented defaults", () => {
    const c = loadConfig({});
    expect(c.port).toBe(4000);
    expect(c.databaseUrl).toBeNull();
    expect(c.dataDir.endsWith("data")).toBe(true);
    expect(c.migrationsRun).toBe(true);
  });
});

describe("schema guard", () => {
  it("reports 503 on /readyz when the database has a migration this build does not know", async () => {
    const ds = s.running.db.dataSource;
    await ds.query(`INSERT INTO typeorm_migrations (timestamp, name) VALUES (9999999999999, 'FromTheFuture9999999999999')`);
    try {
      const r = await fetch(`${s.url}/readyz`);
      expect(r.status).toBe(503);
    } finally {
      await ds.query(`DELETE FROM typeorm_migrations WHERE name = 'FromTheFuture9999999999999'`);
    }
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  });
});

describe("a connection lost inside a transaction", () => {
  it("is the database being unavailable, not an internal error", async () => {
    // TypeORM releases a transaction's query runner when its connection errors; the next statement then fails so
    const qr = s.running.db.dataSource.createQueryRunner();
    await qr.connect();
    await qr.release();
    const err = await qr.query("SELECT 1").then(() => null, (e: unknown) => e);
    expect((err as Error)?.name).toBe("QueryRunnerAlreadyReleasedError");
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(isDatabaseUnavailable(new Error("some other failure"))).toBe(false);
  });
});

describe("internal errors", () => {
  // Destructive: runs last in this file.
  it("reach the client as INTERNAL_SERVER_ERROR without SQL, stack or paths", async () => {
    await s.running.db.dataSource.query(`ALTER TABLE platform_mention RENAME TO platform_mention_gone`);
    const r = await s.gql(`{ platforms(first: 2) { nodes { id mentions { excerpt } } } }`);
    expect(r.errors?.length).toBeGreaterThan(0);
    const text = JSON.stringify(r.errors);
    expect(r.errors?.[0].extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    expect(r.errors?.[0].message).toBe("Internal server error");
    expect(text).not.toMatch(/platform_mention|relation|SELECT|at .*\.(ts|js)|\/work\/|stacktrace/i);
  });
});
