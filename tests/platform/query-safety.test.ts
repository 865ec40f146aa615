/** A list page runs a fixed number of SQL statements; fan-out, depth and alias abuse are refused before running. */
import { col } from "../../src/modules/platform/platform.store";
import { createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

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
  const body = await s.gql(query, variables);
  expect(body.errors).toBeUndefined();
  return body.extensions!.sqlStatements;
}

describe("SQL per request (no N+1)", () => {
  it("runs the same small number of statements for a page of 50 as for a page of 5", async () => {
    // every node of both pages has a zone and a district, so every loader runs in both
    const five = await statements(EVERYTHING, { n: 5, f: { zone: "nansha-new-area" } });
    const fifty = await statements(EVERYTHING, { n: 50 });
    expect(fifty).toBe(five);
    // the page with its district, domains, agencies, mentions and history (one statement), the count,
    // then one batch each for zone and children
    expect(fifty).toBe(4);
  });

  it("reads a page, or one platform, and the relations it selects in one statement, fragments included", async () => {
    const S1 = `query($d: [String!], $dom: [ID!]) { platforms(filter: {districts: $d, domains: $dom}, first: 50) {
      nodes { id nameHans district { code nameHans } domains { id nameHans } agencies { id nameHans } } } }`;
    expect(await statements(S1, { d: ["440112"], dom: ["life-science"] })).toBe(1);
    const S4 = `query($id: ID!) { platform(id: $id) { id ...h } } fragment h on Platform { statusHistory { from to recordedAt source { title } } }`;
    expect(await statements(S4, { id: "guangzhou-international-bio-island" })).toBe(1);
    const edges = `{ platforms(first: 3) { edges { node { id ... on Platform { domains { id } agencies { id } } } } } }`;
    expect(await statements(edges)).toBe(1);
  });

  it("gives the same relations read with the page as read later through the DataLoaders", async () => {
    const RELS = `district { code nameHans centroidLng } domains { id nameHans nameHant nameEn isGroup note parent { id } }
      agencies { id nameHans abbreviations level } mentions { section excerpt offset }
      statusHistory { id from to effectiveDate recordedAt actor note correction source { title url publishedAt } }`;
    const gql = async (query: string) => {
      const res = await fetch(`${s.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as any;
      expect(body.errors).toBeUndefined();
      return body.data;
    };
    // read with the page
    const nodes: any[] = [];
    let after: string | null = null;
    do {
      const d: any = await gql(`{ platforms(first: 25${after ? `, after: "${after}"` : ""}) { pageInfo { endCursor hasNextPage } nodes { id ${RELS} } } }`);
      nodes.push(...d.platforms.nodes);
      after = d.platforms.pageInfo.hasNextPage ? d.platforms.pageInfo.endCursor : null;
    } while (after);
    const prefetched = new Map(nodes.map((n) => [n.id, n]));
    // read by the loaders: the children of every zone
    const zones: any = await gql(`{ platforms(first: 100, filter: { kinds: [INNOVATION_ZONE, HIGH_TECH_PARK, SCIENCE_TOWN] }) { nodes { id } } }`);
    let compared = 0;
    for (const { id } of zones.platforms.nodes) {
      const d: any = await gql(`{ platform(id: "${id}") { children { id ${RELS} } } }`);
      for (const child of d.platform.children) {
        expect(child).toEqual(prefetched.get(child.id));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });
});

describe("query limits", () => {
  it("refuses a fan-out of nested lists before running it", async () => {
    const r = await s.gql(`{ platforms(first: 100) { nodes { children { children { children { id domains { id } } } } } } }`);
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(r.data).toBeUndefined();
  });

  it("checks a query text asked again on its new variables, though what it decides of the text alone is kept", async () => {
    const nested = `query($n: Int, $q: String) { platforms(first: $n, filter: {search: $q}) { nodes { children { children { id domains { id } } } } } }`;
    const cases: Array<[Record<string, unknown>, string | null]> = [
      [{ n: 1, q: "广州" }, null],
      [{ n: 100, q: "广州" }, "QUERY_TOO_COMPLEX"],
      [{ n: 1, q: "广州\u0000" }, "BAD_USER_INPUT"],
      [{ n: 1, q: "广州" }, null],
    ];
    for (const [variables, code] of cases) {
      const r = await s.gql(nested, variables);
      expect(r.errors?.[0]?.extensions?.code ?? null).toBe(code);
      if (!code) expect(r.data!.platforms.nodes.length).toBe(1);
    }
    const literal = `{ platforms(filter: {search: "广州\\u0001"}) { nodes { id } } }`;
    for (let i = 0; i < 2; i++) expect((await s.gql(literal)).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const fixed = `{ platforms(first: 100) { nodes { children { children { children { id domains { id } } } } } } }`;
    for (let i = 0; i < 2; i++) expect((await s.gql(fixed)).errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
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
    expect(await plan(`p.${col.searchGrams} @> $1::text[]`, [["生物"]])).toContain("platform_grams_idx");
    expect(await plan(`p.${col.districtCode} = ANY($1::text[])`, [["440112"]])).toContain("platform_district_idx");
  });

  it("keep a status write's search grams in the search index itself, not in a list that every search would read", async () => {
    const ds = s.running.db.dataSource;
    const pending = async () => Number((await ds.query(`SELECT gin_clean_pending_list('platform_grams_idx'::regclass) AS pages`))[0].pages as string);
    await pending(); // whatever the seed left
    const { token } = await createToken(s);
    const id = "guangzhou-international-bio-island";
    const { version, status } = (await s.gql(`query($id: ID!) { platform(id: $id) { version status } }`, { id })).data!.platform;
    const r = await s.gql(
      `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { status version } }`,
      {
        input: {
          id,
          status: status === "SUSPENDED" ? "OPERATIONAL" : "SUSPENDED",
          effectiveDate: "2020-01-01",
          expectedVersion: version,
          source: { title: "广州日报", url: "https://example.org/news", publishedAt: "2020-01-02" },
        },
      },
      { token },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.updatePlatformStatus.version).toBe(version + 1);
    // a status write is not a HOT update (status and updated_at are indexed): its grams went to the index, none is pending
    expect(await pending()).toBe(0);
    const found = await s.gql(`query($q: String) { platforms(filter: {search: $q}) { nodes { id } } }`, { q: "生物岛" });
    expect(found.data!.platforms.nodes.map((n: { id: string }) => n.id)).toContain(id);
  });
});

describe("prepared statements (PREPARED_STATEMENTS)", () => {
  // one connection each, so that the session that ran the reads is the one asked about its statements
  const READS: Array<[string, Record<string, unknown>]> = [
    [`query($d: [String!]) { platforms(filter: {districts: $d}, first: 5) { nodes { id nameHans domains { id } agencies { id } } } }`, { d: ["440112"] }],
    [`query($q: String) { platforms(filter: {search: $q}, first: 5) { nodes { id nameHans } } }`, { q: "生物" }],
    [`query($id: ID!) { platform(id: $id) { id status statusHistory { to effectiveDate } } }`, { id: "guangzhou-international-bio-island" }],
  ];
  const preparedNames = async (t: TestServer): Promise<string[]> => {
    const pool = (t.running.db.dataSource.driver as unknown as { master: { query(sql: string): Promise<{ rows: Array<{ name: string }> }> } }).master;
    return (await pool.query(`SELECT name FROM pg_prepared_statements ORDER BY name`)).rows.map((r) => r.name);
  };

  it("runs reads as named statements, the same answers as unnamed ones, and none when turned off", async () => {
    const on = await startTestServer({ env: { DB_POOL_MAX: "1", RESPONSE_CACHE: "false" } });
    const off = await startTestServer({ env: { DB_POOL_MAX: "1", RESPONSE_CACHE: "false", PREPARED_STATEMENTS: "false" } });
    try {
      for (const [query, variables] of READS) {
        // twice on the server that prepares: the second run executes the statement the first one prepared
        const first = await on.gql(query, variables);
        const again = await on.gql(query, variables);
        const unnamed = await off.gql(query, variables);
        expect(first.errors).toBeUndefined();
        expect(again.data).toEqual(first.data);
        expect(unnamed.data).toEqual(first.data);
      }
      expect((await preparedNames(on)).filter((n) => n.startsWith("registry_read_")).length).toBeGreaterThanOrEqual(READS.length);
      expect((await preparedNames(off)).filter((n) => n.startsWith("registry_read_"))).toEqual([]);
    } finally {
      await Promise.all([on.close(), off.close()]);
    }
  });
});

describe("columns read for what a query selects", () => {
  // sub-selections of Platform's object fields; a new object field fails below until it is listed here
  const SUB: Record<string, string> = {
    location: "{ lng lat precision }",
    overseas: "{ city country }",
    district: "{ code nameHans }",
    zone: "{ id nameHans }",
    children: "{ id }",
    domains: "{ id }",
    agencies: "{ id }",
    mentions: "{ section offset }",
    statusHistory: "{ to effectiveDate }",
    laterNames: "{ name effectiveDate source { title } }",
    sourceSearches: "{ searchedOn queries result }",
  };
  const platformFields = async (): Promise<Array<{ name: string; object: boolean }>> => {
    const r = await s.gql(`{ __type(name: "Platform") { fields { name type { kind ofType { kind ofType { kind ofType { kind } } } } } } }`);
    const objectKind = (t: any): boolean => (t.kind === "NON_NULL" || t.kind === "LIST" ? objectKind(t.ofType) : t.kind === "OBJECT");
    return r.data!.__type.fields.map((f: any) => ({ name: f.name, object: objectKind(f.type) }));
  };
  const sel = (f: { name: string; object: boolean }) => `${f.name} ${f.object ? SUB[f.name] : ""}`;

  it("reads for each query text what it selects, when a text is asked again and when a field is asked twice", async () => {
    const id = "guangzhou-international-bio-island";
    const texts = [
      `query($id: ID!) { platform(id: $id) { id nameEn } }`,
      `query($id: ID!) { platform(id: $id) { id status district { code } } }`,
      `query($id: ID!) { platform(id: $id) { nameEn } platform(id: $id) { status domains { id } } }`,
      `{ platforms(first: 2) { nodes { id nameEn } } }`,
      `{ platforms(first: 2) { edges { node { id status } } } }`,
    ];
    const whole = (await s.gql(`query($id: ID!) { platform(id: $id) { id nameEn status district { code } domains { id } } }`, { id })).data!.platform;
    const page = (await s.gql(`{ platforms(first: 2) { nodes { id nameEn status } } }`)).data!.platforms.nodes;
    const expected = [
      { platform: { id, nameEn: whole.nameEn } },
      { platform: { id, status: whole.status, district: whole.district } },
      { platform: { nameEn: whole.nameEn, status: whole.status, domains: whole.domains } },
      { platforms: { nodes: page.map((p: any) => ({ id: p.id, nameEn: p.nameEn })) } },
      { platforms: { edges: page.map((p: any) => ({ node: { id: p.id, status: p.status } })) } },
    ];
    for (let round = 0; round < 2; round++) {
      for (const [i, text] of texts.entries()) expect([i, (await s.gql(text, { id })).data]).toEqual([i, expected[i]]);
    }
    // one document, two operations sharing a fragment: the same field node, merged with another in A only
    const shared = `query A($id: ID!) { ...F platform(id: $id) { status } } query B($id: ID!) { ...F } fragment F on Query { platform(id: $id) { nameEn } }`;
    const run = async (operationName: string) =>
      (
        (await (
          await fetch(`${s.url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: shared, operationName, variables: { id } }),
          })
        ).json()) as { data: unknown }
      ).data;
    for (const [op, data] of [
      ["B", { platform: { nameEn: whole.nameEn } }],
      ["A", { platform: { nameEn: whole.nameEn, status: whole.status } }],
      ["B", { platform: { nameEn: whole.nameEn } }],
    ] as const) {
      expect([op, await run(op)]).toEqual([op, data]);
    }
  });

  it("answers every Platform field alone as the whole row read gives it, for one platform and for a page", async () => {
    const fields = await platformFields();
    for (const f of fields) if (f.object) expect([f.name, SUB[f.name]]).toEqual([f.name, expect.any(String)]);
    const all = fields.map(sel).join("\n");
    // the reference: the same platform reached as a status event's platform, which the DataLoader reads whole
    const reference = async (id: string) =>
      (await s.gql(`query($id: ID!) { platform(id: $id) { statusHistory { platform { ${all} } } } }`, { id })).data!.platform.statusHistory[0].platform;

    // a zone with children and a district, and an overseas office
    const ids = ["guangzhou-international-bio-island", "nansha-new-area"];
    const overseas = await s.gql(`{ platforms(filter: {kinds: [OVERSEAS_OFFICE]}, first: 1) { nodes { id overseas { city } } } }`);
    expect(overseas.data!.platforms.nodes[0].overseas.city).toEqual(expect.any(String));
    ids.push(overseas.data!.platforms.nodes[0].id);
    for (const id of ids) {
      const whole = await reference(id);
      expect(whole.id).toBe(id);
      for (const f of fields) {
        const one = await s.gql(`query($id: ID!) { platform(id: $id) { ${sel(f)} } }`, { id });
        expect(one.errors).toBeUndefined();
        expect([id, f.name, one.data!.platform[f.name]]).toEqual([id, f.name, whole[f.name]]);
      }
    }

    // a page ordered by distance: each field alone against the whole rows (distanceMeters against the full page)
    const near = { near: { lng: 113.36, lat: 23.08, radiusMeters: 20000 } };
    const page = async (selection: string) => {
      const r = await s.gql(`query($f: PlatformFilter) { platforms(filter: $f, first: 10) { nodes { id ${selection} } } }`, { f: near });
      expect(r.errors).toBeUndefined();
      return r.data!.platforms.nodes as Array<Record<string, unknown>>;
    };
    const fullPage = await page(all);
    expect(fullPage.length).toBeGreaterThan(1);
    const wholes = new Map<string, Record<string, unknown>>();
    for (const n of fullPage) wholes.set(n.id as string, await reference(n.id as string));
    for (const f of fields) {
      const got = await page(sel(f));
      expect([f.name, got.map((n) => n.id)]).toEqual([f.name, fullPage.map((n) => n.id)]);
      const want = f.name === "distanceMeters" ? fullPage : fullPage.map((n) => wholes.get(n.id as string)!);
      expect([f.name, got.map((n) => n[f.name])]).toEqual([f.name, want.map((n) => n[f.name])]);
    }
    expect(fullPage.every((n) => typeof n.distanceMeters === "number")).toBe(true);
  });

  it("answers every field of a platform's district, domains and agencies alone as the whole record gives it", async () => {
    // sub-selections of the relations' own object fields; a new object field fails below until it is listed here
    const NESTED: Record<string, string> = { parent: "{ id }", children: "{ id }", groups: "{ id }", members: "{ id }", mentions: "{ section offset }" };
    // each relation, its type, and the top-level list that reads that table whole (the reference)
    const relations: Array<[string, string, string, string]> = [
      ["district", "District", "districts", "code"],
      ["domains", "Domain", "domains", "id"],
      ["agencies", "Agency", "agencies", "id"],
    ];
    const fieldsOf = async (type: string): Promise<string[]> => {
      const r = await s.gql(`query($t: String!) { __type(name: $t) { fields { name type { kind ofType { kind ofType { kind ofType { kind } } } } } } }`, {
        t: type,
      });
      const objectKind = (t: any): boolean => (t.kind === "NON_NULL" || t.kind === "LIST" ? objectKind(t.ofType) : t.kind === "OBJECT");
      return r.data!.__type.fields.map((f: any) => {
        if (objectKind(f.type)) expect([type, f.name, NESTED[f.name]]).toEqual([type, f.name, expect.any(String)]);
        return `${f.name} ${objectKind(f.type) ? NESTED[f.name] : ""}`;
      });
    };
    // platforms with a district, several domains and several agencies
    const page = await s.gql(`{ platforms(filter: { districts: ["440112"] }, first: 8) { nodes { id } } }`);
    const ids: string[] = page.data!.platforms.nodes.map((n: any) => n.id);
    expect(ids.length).toBeGreaterThan(3);
    for (const [relation, type, list, key] of relations) {
      const fields = await fieldsOf(type);
      const reference = await s.gql(`{ ${list} { ${fields.join("\n")} } }`);
      expect(reference.errors).toBeUndefined();
      const byKey = new Map<string, any>(reference.data![list].map((x: any) => [x[key], x]));
      // which records each platform has, in its order
      const keys = await s.gql(`{ platforms(filter: { districts: ["440112"] }, first: 8) { nodes { id ${relation} { ${key} } } } }`);
      const whole = new Map<string, unknown>();
      for (const n of keys.data!.platforms.nodes) {
        const v = n[relation];
        whole.set(n.id, Array.isArray(v) ? v.map((x) => byKey.get(x[key])) : v === null ? null : byKey.get(v[key]));
      }
      expect([...whole.values()].some((v) => (Array.isArray(v) ? v.length > 1 : v !== null))).toBe(true);
      for (const f of fields) {
        const name = f.split(" ")[0];
        const pick = (v: any) => (Array.isArray(v) ? v.map((x) => x[name]) : v === null ? null : v[name]);
        const one = await s.gql(`query($id: ID!) { platform(id: $id) { ${relation} { ${f} } } }`, { id: ids[0] });
        expect(one.errors).toBeUndefined();
        expect([relation, name, pick(one.data!.platform[relation])]).toEqual([relation, name, pick(whole.get(ids[0]))]);
        const got = await s.gql(`{ platforms(filter: { districts: ["440112"] }, first: 8) { nodes { id ${relation} { ${f} } } } }`);
        expect(got.errors).toBeUndefined();
        const nodes = got.data!.platforms.nodes as any[];
        expect(nodes.map((n) => n.id)).toEqual(ids);
        expect([relation, name, nodes.map((n) => pick(n[relation]))]).toEqual([relation, name, ids.map((id) => pick(whole.get(id)))]);
      }
    }
  });
});
