/** An error the server did not expect reaches the client as INTERNAL_SERVER_ERROR, and says nothing of the server's inside. */
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe("internal errors", () => {
  // Destructive: renames a table of this file's own database.
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
