/** A list page runs a fixed number of SQL statements; fan-out, depth and alias abuse are refused before running. */
import { startTestServer, type TestServer } from "./support/server";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const EVERYTHING = `query($n: Int, $f: PlatformFilter) { platforms(first: $n, filter: $f) { totalCount nodes {
  id nameHans district { code nameHans } zone { id nameHans } children { id } domains { id nameEn } agencies { id nameHans }
  mentions { section excerpt offset } statusHistory { to effectiveDate source { title } } location { lng lat precision } } } }`;

async function statements(query: string, variables?: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${s.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as any;
  expect(body.errors).toBeUndefined();
  return body.extensions.sqlStatements;
}

describe("SQL per request (no N+1)", () => {
  it("runs the same small number of statements for a page of 50 as for a page of 5", async () => {
    // every node of both pages has a zone and a district, so every loader runs in both
    const five = await statements(EVERYTHING, { n: 5, f: { zone: "nansha-new-area" } });
    const fifty = await statements(EVERYTHING, { n: 50 });
    expect(fifty).toBe(five);
    // page + count + district + zone + children + domains + agencies + mentions + history
    expect(fifty).toBeLessThanOrEqual(9);
  });
});

describe("query limits", () => {
  it("refuses a fan-out of nested lists before running it", async () => {
    const r = await s.gql(`{ platforms(first: 100) { nodes { children { children { children { id domains { id } } } } } } }`);
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(r.data).toBeUndefined();
  });

  it("refuses a too-deep query", async () => {
    const deep = `{ platforms(first: 1) { nodes { ${"zone { ".repeat(14)}id${" }".repeat(14)} } } }`;
    const r = await s.gql(deep);
    expect(r.status).toBe(400);
    expect(r.errors?.[0].message).toMatch(/depth/i);
  });

  it("refuses too many aliases", async () => {
    const many = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: districts { code }`).join(" ")} }`;
    const r = await s.gql(many);
    expect(r.status).toBe(400);
    expect(r.errors?.[0].message).toMatch(/alias/i);
  });

  it("lets an ordinary full page through", async () => {
    const r = await s.gql(EVERYTHING, { n: 100 });
    expect(r.errors).toBeUndefined();
  });
});

describe("indexes", () => {
  const plan = async (where: string, params: unknown[] = []) => {
    const ds = s.running.db.dataSource;
    return ds.transaction(async (m) => {
      await m.query("SET LOCAL enable_seqscan = off"); // the table is small; ask whether an index CAN serve the filter
      const rows: Array<{ "QUERY PLAN": string }> = await m.query(`EXPLAIN SELECT id FROM platform p WHERE ${where}`, params);
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
  };
  it("serve the bbox, near, search and district filters", async () => {
    expect(await plan(`p.lng IS NOT NULL AND point(p.lng, p.lat) <@ box(point(113.3, 23.0), point(113.6, 23.3))`)).toContain("platform_point_idx");
    expect(await plan(`p.search_grams @> $1::text[]`, [["生物"]])).toContain("platform_grams_idx");
    expect(await plan(`p.district_code = ANY($1::text[])`, [["440112"]])).toContain("platform_district_idx");
  });
});
