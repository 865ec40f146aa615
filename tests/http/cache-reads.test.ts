/**
 * The response cache keeps what a change cannot alter (src/src/reads.ts, src/http/response-cache.ts):
 * a status change drops the answers that show the platform, and the lists its change can reorder or
 * refill, and nothing else; the database's triggers say what each change touched.
 */
import pg from "pg";
import fc from "fast-check";
import { addReads, alters, parseChange, ReadsIndex, type Change, type Reads } from "../../src/reads";
import { statusChangeTouches } from "../../src/modules/status/status.service";
import { createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
let admin: string;
const A = "guangzhou-intelligent-engineering-research-institute"; // Huangpu (440112)
const SOURCE = { title: "黄埔区2019年重点项目进展通报", url: "https://example.gov.cn/notice/1", publishedAt: "2019-06-30" };
const UPDATE = `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { status version } }`;

/** Reads a query; `cache` is the X-Cache header. */
async function read(query: string): Promise<{ cache: string | null; data: any }> {
  const r = await s.gql(query);
  expect(r.errors).toBeUndefined();
  return { cache: r.headers.get("x-cache"), data: r.data };
}

/** Reads twice: the second answer comes from the cache. */
async function warm(query: string): Promise<any> {
  await read(query);
  const again = await read(query);
  expect(again.cache).toBe("HIT");
  return again.data;
}

async function changeStatus(id: string, status: string, effectiveDate: string): Promise<void> {
  const { data } = await read(`{ platform(id: "${id}") { version } }`);
  const w = await s.gql(UPDATE, { input: { id, status, effectiveDate, expectedVersion: data.platform.version, source: SOURCE } }, { token: admin });
  expect(w.errors).toBeUndefined();
}

/** The notices on registry_changed while `act` runs (and shortly after), as changes. */
async function heard(act: () => Promise<void>): Promise<Change[]> {
  const c = new pg.Client({ connectionString: s.db.url });
  await c.connect();
  const out: Change[] = [];
  c.on("notification", (m) => out.push(parseChange(m.payload ?? "")));
  try {
    await c.query("LISTEN registry_changed");
    await act();
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await c.end();
  }
  return out;
}

const sorted = (changes: Change[]) =>
  changes
    .map((c) => ({ table: c.table, platforms: c.platforms && [...c.platforms].sort(), columns: c.columns && [...c.columns].sort() }))
    .sort((x, y) => x.table.localeCompare(y.table));

let B: string; // a platform in another district
let districtB: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await createToken(s, { name: "city admin", role: "ADMIN" })).token;
  [{ id: B, district_code: districtB }] = await s.running.db.dataSource.query(
    `SELECT id, district_code FROM platform WHERE district_code IS NOT NULL AND district_code <> '440112' AND archived_at IS NULL
     AND status = 'PLANNED' ORDER BY id LIMIT 1`,
  );
});
afterAll(async () => {
  await s?.close();
});

describe("what the database says a change touched", () => {
  it("a status change: the platform's status, version and time, and a new event, exactly as the service declares", async () => {
    const notices = await heard(() => changeStatus(A, "TRIAL_OPERATION", "2019-06-30"));
    expect(sorted(notices)).toEqual(sorted(statusChangeTouches(A)));
  });

  it("names the platforms of a related row, and falls back to the table alone for a large statement", async () => {
    const [{ id: domain }] = await s.running.db.dataSource.query(
      `SELECT id FROM domain WHERE id NOT IN (SELECT domain_id FROM platform_domain WHERE platform_id = $1) ORDER BY id LIMIT 1`,
      [A],
    );
    const tagged = await heard(async () => {
      await s.running.db.dataSource.query(`INSERT INTO platform_domain (platform_id, domain_id) VALUES ($1, $2)`, [A, domain]);
      await s.running.db.dataSource.query(`DELETE FROM platform_domain WHERE platform_id = $1 AND domain_id = $2`, [A, domain]);
    });
    expect(tagged).toEqual([
      { table: "platform_domain", platforms: [A], columns: null },
      { table: "platform_domain", platforms: [A], columns: null },
    ]);
    const renamed = await heard(() => s.running.db.dataSource.query(`UPDATE platform SET name_en = name_en || ' ' WHERE id = $1`, [A]));
    expect(renamed).toHaveLength(1);
    expect(renamed[0].platforms).toEqual([A]);
    expect(renamed[0].columns).toContain("name_en");
    expect(renamed[0].columns).not.toContain("status");
    const bulk = await heard(() => s.running.db.dataSource.query(`UPDATE platform SET name_en = rtrim(name_en)`));
    expect(bulk).toEqual([{ table: "platform", platforms: null, columns: null }]);
  });
});

describe("a status change keeps the answers it cannot alter", () => {
  it("drops the platform's own answers, the lists it is on and the lists it can enter or leave; keeps the rest", async () => {
    const q = {
      a: `{ platform(id: "${A}") { id status version statusHistory { to } } }`,
      b: `{ platform(id: "${B}") { id status version } }`,
      otherDistrict: `{ platforms(filter: { districts: ["${districtB}"] }, first: 5) { totalCount nodes { id status district { nameEn } domains { id } } } }`,
      withA: `{ platforms(filter: { districts: ["440112"] }, first: 100) { nodes { id status } } }`,
      byStatus: `{ platforms(filter: { statuses: [TRIAL_OPERATION] }, first: 1) { totalCount } }`,
      geoOther: `{ platformsGeoJSON(filter: { districts: ["${districtB}"] }) }`,
      asOf: `{ platforms(asOf: "2019-12-31", filter: { districts: ["${districtB}"] }, first: 5) { nodes { id status } } }`,
      targets: `{ targets { id } }`,
    };
    const before: Record<string, any> = {};
    for (const [k, query] of Object.entries(q)) before[k] = await warm(query);
    expect(before.withA.platforms.nodes.map((n: { id: string }) => n.id)).toContain(A);
    expect(before.otherDistrict.platforms.nodes.map((n: { id: string }) => n.id)).not.toContain(A);
    expect(JSON.stringify(before.geoOther)).not.toContain(A);

    await changeStatus(A, "OPERATIONAL", "2020-01-15");

    const after: Record<string, { cache: string | null; data: any }> = {};
    for (const [k, query] of Object.entries(q)) after[k] = await read(query);
    // kept: nothing in them can differ
    expect(after.b).toEqual({ cache: "HIT", data: before.b });
    expect(after.otherDistrict).toEqual({ cache: "HIT", data: before.otherDistrict });
    expect(after.geoOther).toEqual({ cache: "HIT", data: before.geoOther });
    // dropped, and fresh
    expect(after.a.cache).toBe("MISS");
    expect(after.a.data.platform.status).toBe("OPERATIONAL");
    expect(after.a.data.platform.statusHistory[0].to).toBe("OPERATIONAL");
    expect(after.withA.cache).toBe("MISS");
    expect(after.withA.data.platforms.nodes.find((n: { id: string }) => n.id === A).status).toBe("OPERATIONAL");
    expect(after.byStatus.cache).toBe("MISS");
    expect(after.byStatus.data.platforms.totalCount).toBe(before.byStatus.platforms.totalCount - 1);
    // a status as of a date comes from the events, which changed
    expect(after.asOf.cache).toBe("MISS");
    // a read that does not say what it depends on depends on everything
    expect(after.targets.cache).toBe("MISS");
  });

  it("another change, by SQL, that moves a platform into a list or tags it with a domain drops that list", async () => {
    const inDistrict = `{ platforms(filter: { districts: ["${districtB}"] }, first: 1) { totalCount } }`;
    const [{ id: domain }] = await s.running.db.dataSource.query(
      `SELECT d.id FROM domain d WHERE NOT EXISTS (SELECT 1 FROM domain c WHERE c.parent_id = d.id OR d.id = ANY(c.also_in))
       AND d.id NOT IN (SELECT domain_id FROM platform_domain WHERE platform_id = $1) ORDER BY d.id LIMIT 1`,
      [A],
    );
    const inDomain = `{ platforms(filter: { domains: ["${domain}"] }, first: 1) { totalCount } }`;
    const b = `{ platform(id: "${B}") { id nameEn } }`;
    const n1 = (await warm(inDistrict)).platforms.totalCount;
    const n2 = (await warm(inDomain)).platforms.totalCount;
    await warm(b);

    await s.write(`UPDATE platform SET district_code = $1 WHERE id = $2`, [districtB, A]);
    await s.write(`INSERT INTO platform_domain (platform_id, domain_id) VALUES ($1, $2)`, [A, domain]);

    expect(await read(inDistrict)).toEqual({ cache: "MISS", data: { platforms: { totalCount: n1 + 1 } } });
    expect(await read(inDomain)).toEqual({ cache: "MISS", data: { platforms: { totalCount: n2 + 1 } } });
    expect((await read(b)).cache).toBe("HIT");
  });
  it("a spreadsheet import drops the answers of the platforms its rows changed, and keeps the others", async () => {
    const [{ id: C, version }] = await s.running.db.dataSource.query(
      `SELECT id, version FROM platform WHERE status = 'PLANNED' AND archived_at IS NULL AND id NOT IN ($1, $2) ORDER BY id LIMIT 1`,
      [A, B],
    );
    const qb = `{ platform(id: "${B}") { id status version } }`;
    const qc = `{ platform(id: "${C}") { id status version } }`;
    const b = await warm(qb);
    await warm(qc);
    const csv = `id,status,effectiveDate,sourceTitle,sourceUrl,sourcePublishedAt,expectedVersion\n${C},PREPARING,2019-03-01,${SOURCE.title},${SOURCE.url},${SOURCE.publishedAt},${version}\n`;
    const r = await s.gql(`mutation($csv: String!) { importStatusUpdates(csv: $csv) { applied problems { row column code } } }`, { csv }, { token: admin });
    expect(r.errors).toBeUndefined();
    expect(r.data!.importStatusUpdates).toEqual({ applied: true, problems: [] });
    expect(await read(qb)).toEqual({ cache: "HIT", data: b });
    expect(await read(qc)).toEqual({ cache: "MISS", data: { platform: { id: C, status: "PREPARING", version: version + 1 } } });
  });

  it("a platform given a point, by SQL, joins the GeoJSON answers of its district", async () => {
    const [p] = await s.running.db.dataSource.query(
      `SELECT id, district_code, lng, lat, precision FROM platform WHERE lng IS NOT NULL AND district_code IS NOT NULL AND archived_at IS NULL
       AND id NOT IN ($1, $2) ORDER BY id LIMIT 1`,
      [A, B],
    );
    await s.write(`UPDATE platform SET lng = NULL, lat = NULL, precision = NULL WHERE id = $1`, [p.id]);
    const q = `{ platformsGeoJSON(filter: { districts: ["${p.district_code}"] }) }`;
    const before = (await warm(q)).platformsGeoJSON;
    await s.write(`UPDATE platform SET lng = $2, lat = $3, precision = $4 WHERE id = $1`, [p.id, p.lng, p.lat, p.precision]);
    const after = await read(q);
    expect(after.cache).toBe("MISS");
    expect(after.data.platformsGeoJSON.features.length).toBe(before.features.length + 1);
    expect(after.data.platformsGeoJSON.numberWithoutLocation).toBe(before.numberWithoutLocation - 1);
  });
});

describe("the index of what answers read", () => {
  it("offers every answer a change alters (checked on random answers and changes)", () => {
    const tables = ["platform", "platform_domain", "status_event", "district"];
    const columns = ["status", "version", "district_code", "lng", "*"];
    const ids = ["a", "b", "c", "d"];
    const decl = fc.record({
      everything: fc.boolean(),
      columns: fc.array(
        fc.tuple(fc.constantFrom(...tables), fc.constantFrom(...columns)).map(([t, c]) => `${t}.${c}`),
        { maxLength: 4 },
      ),
      platforms: fc.array(fc.constantFrom(...ids), { maxLength: 3 }),
    });
    const change = fc.record({
      table: fc.constantFrom(...tables),
      platforms: fc.array(fc.constantFrom(...ids), { minLength: 1, maxLength: 3 }),
      columns: fc.option(fc.array(fc.constantFrom(...columns.filter((c) => c !== "*")), { maxLength: 3 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(decl, { maxLength: 12 }), fc.array(fc.nat(11), { maxLength: 4 }), change, (decls, removed, c) => {
        const index = new ReadsIndex();
        const held = new Map<string, Reads>();
        decls.forEach((d, i) => {
          const r = addReads(undefined, d.everything ? undefined : { columns: d.columns, platforms: d.platforms });
          held.set(`k${i}`, r);
          index.add(`k${i}`, r);
        });
        for (const i of removed) {
          const r = held.get(`k${i}`);
          if (r) index.remove(`k${i}`, r);
          held.delete(`k${i}`);
        }
        const offered = index.candidates(c as Change);
        for (const [key, r] of held) if (alters(c as Change, r)) expect(offered.has(key)).toBe(true);
        for (const key of offered) expect(held.has(key)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
