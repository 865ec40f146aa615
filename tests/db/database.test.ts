/**
 * The database as the server sees it: a schema this build does not know keeps /readyz at 503, and a
 * connection lost inside a transaction counts as the database being unavailable.
 */
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
