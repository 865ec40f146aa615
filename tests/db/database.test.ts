/**
 * The database as the server sees it: a schema this build does not know keeps /readyz at 503, and a
 * connection lost inside a transaction counts as the database being unavailable; the embedded
 * PostgreSQL never takes the port the registry is about to listen on.
 */
import fs from "node:fs";
import { freePort } from "../../src/db/embedded";
import { isDatabaseUnavailable } from "../../src/errors";
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ seed: false });
});
afterAll(async () => {
  await s?.close();
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
    const err = await qr.query("SELECT 1").then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as Error)?.name).toBe("QueryRunnerAlreadyReleasedError");
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(isDatabaseUnavailable(new Error("some other failure"))).toBe(false);
  });
});

describe("the embedded PostgreSQL's port", () => {
  it("is never the registry's own PORT, which is still free while the database starts", async () => {
    // leave the kernel only about a hundred ports of its ephemeral range to hand out, so that a port
    // choice that ignored the registry's PORT would land on one of the avoided ports at once
    const [low, high] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    const avoid: number[] = [];
    for (let p = low; p <= high; p++) if (p % 128 !== 1) avoid.push(p); // Linux hands out odd ports first
    for (let i = 0; i < 5; i++) {
      const port = await freePort(avoid);
      expect(port % 128).toBe(1);
      expect(port).toBeGreaterThanOrEqual(low);
      expect(port).toBeLessThanOrEqual(high);
    }
  });
});
