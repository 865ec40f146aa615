/**
 * What became of the plan, through GraphQL over HTTP and the OGC endpoint on a real database:
 * the status on any date (asOf, OGC datetime), the data set's dated history and how db:seed treats
 * what officials have recorded since, targets stated twice, and seed:validate on bad events.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadSeed, readSeedData, type SeedData, type SeedEvent } from "../../src/modules/dataset/dataset";
import { todayInGuangzhou } from "../../src/dates";
import { createPlatform, createToken, recordStatus } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

const PLAN_DATE = "2018-09-14";
const ALL = `query($asOf: Date, $after: String) { platforms(first: 100, after: $after, filter: { includeArchived: true }, asOf: $asOf) {
  pageInfo { hasNextPage endCursor } nodes { id status } } }`;
const UPDATE = `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { id status version } }`;

let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await startTestServer();
  admin = (await createToken(s, { role: "ADMIN" })).token;
});
afterAll(async () => {
  await s?.close();
});

/** Every platform's status (id → status), on a date or now. */
async function statuses(asOf?: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let after: string | null = null;
  do {
    const r: any = await s.gql(ALL, { asOf: asOf ?? null, after });
    expect(r.errors).toBeUndefined();
    for (const n of r.data.platforms.nodes) out.set(n.id, n.status);
    after = r.data.platforms.pageInfo.hasNextPage ? r.data.platforms.pageInfo.endCursor : null;
  } while (after);
  return out;
}

async function statusOn(id: string, asOf: string | null): Promise<string> {
  // with a token: computed, never the response cache's (loadSeed's writes reach it by notice, a moment later)
  const r = await s.gql(`query($id: ID!, $asOf: Date) { platform(id: $id, asOf: $asOf) { status } }`, { id, asOf }, { token: admin });
  expect(r.errors).toBeUndefined();
  return r.data!.platform.status;
}

async function version(id: string): Promise<number> {
  return (await s.gql(`query($id: ID!) { platform(id: $id) { version } }`, { id })).data!.platform.version;
}

const SOURCE = { title: "测试来源", publishedAt: "2021-03-02" };

describe("asOf", () => {
  it("at the plan's date equals every platform's baseline in the data set", async () => {
    const data = readSeedData();
    const on = await statuses(PLAN_DATE);
    for (const x of data.platforms) expect([x.id, on.get(x.id)]).toEqual([x.id, x.status]);
  });

  it("today equals the current status of every platform", async () => {
    const now = await statuses();
    const today = await statuses(todayInGuangzhou());
    expect(today.size).toBe(now.size);
    expect([...today].sort()).toEqual([...now].sort());
  });

  it("of every loaded platform: status is its latest event by effective date, version its number of events", async () => {
    const rows: Array<{ id: string; status: string; version: number; latest: string; n: number }> = await s.running.db.dataSource.query(
      `SELECT p.id, p.status, p.version, count(e.*)::int AS n,
         (SELECT e2.to_status FROM status_event e2 WHERE e2.platform_id = p.id ORDER BY e2.effective_date DESC, e2.recorded_at DESC, e2.id DESC LIMIT 1) AS latest
       FROM platform p JOIN status_event e ON e.platform_id = p.id GROUP BY p.id`,
    );
    const data = readSeedData();
    const seeded = new Set(data.platforms.map((x) => x.id));
    const mine = rows.filter((r) => seeded.has(r.id));
    expect(mine).toHaveLength(data.platforms.length);
    for (const r of mine) expect({ id: r.id, status: r.status, version: r.version }).toEqual({ id: r.id, status: r.latest, version: r.n });
  });

  it("an event recorded through the API moves platform, platforms, facets, GeoJSON and target counts from its effective date on", async () => {
    const lab = await createPlatform(s, admin, {
      kind: "LABORATORY",
      level: "PROVINCIAL",
      status: "UNDER_CONSTRUCTION",
      effectiveDate: "2019-01-01",
      location: { lng: 113.44, lat: 23.16, precision: "APPROXIMATE" },
    });
    const before = "2021-02-28",
      on = "2021-03-01";
    const count = async (asOf: string) => {
      const r = await s.gql(`query($asOf: Date) { target(id: "2020-guangdong-laboratories-end", asOf: $asOf) { registryCount } }`, { asOf });
      expect(r.errors).toBeUndefined();
      return r.data!.target.registryCount as number;
    };
    const operational = async (asOf: string) => {
      const r = await s.gql(
        `query($asOf: Date) { platforms(filter: { statuses: [OPERATIONAL], kinds: [LABORATORY] }, asOf: $asOf, first: 100) {
           totalCount nodes { id status } facets { status { value count } } } }`,
        { asOf },
      );
      expect(r.errors).toBeUndefined();
      return r.data!.platforms;
    };
    const geoStatus = async (asOf: string) => {
      const r = await s.gql(`query($asOf: Date) { platformsGeoJSON(filter: { kinds: [LABORATORY] }, asOf: $asOf) }`, { asOf });
      expect(r.errors).toBeUndefined();
      return r.data!.platformsGeoJSON.features.find((f: any) => f.id === lab.id)?.properties.status;
    };
    const countBefore = await count(on);
    const opBefore = await operational(on);
    expect(opBefore.nodes.map((n: any) => n.id)).not.toContain(lab.id);

    await recordStatus(s, admin, { id: lab.id, status: "OPERATIONAL", effectiveDate: on, source: SOURCE });

    expect(await statusOn(lab.id, PLAN_DATE)).toBe("UNDER_CONSTRUCTION"); // before its first event: its baseline
    expect(await statusOn(lab.id, before)).toBe("UNDER_CONSTRUCTION");
    expect(await statusOn(lab.id, on)).toBe("OPERATIONAL");
    expect(await statusOn(lab.id, null)).toBe("OPERATIONAL");
    const opAfter = await operational(on);
    expect(opAfter.totalCount).toBe(opBefore.totalCount + 1);
    expect(opAfter.nodes.map((n: any) => n.id)).toContain(lab.id);
    expect(opAfter.facets.status).toEqual([{ value: "OPERATIONAL", count: opBefore.totalCount + 1 }]);
    expect((await operational(before)).totalCount).toBe(opBefore.totalCount);
    expect(await geoStatus(before)).toBe("UNDER_CONSTRUCTION");
    expect(await geoStatus(on)).toBe("OPERATIONAL");
    expect(await count(before)).toBe(countBefore);
    expect(await count(on)).toBe(countBefore + 1);
  });

  it("reads a page with its relations on a date in as many statements as without a date, whatever its size", async () => {
    const q = `query($n: Int, $asOf: Date) { platforms(first: $n, asOf: $asOf) { totalCount nodes { id status district { code }
      domains { id } agencies { id } mentions { offset } statusHistory { to } } } }`;
    const count = async (n: number, asOf: string | null) => {
      const r = await s.gql(q, { n, asOf });
      expect(r.errors).toBeUndefined();
      return r.extensions!.sqlStatements as number;
    };
    const plain = await count(5, null);
    expect(await count(5, "2020-12-31")).toBe(plain);
    expect(await count(50, "2020-12-31")).toBe(plain);
    const one = `query($asOf: Date) { platform(id: "hkust-guangzhou", asOf: $asOf) { status domains { id } statusHistory { to } } }`;
    const r = await s.gql(one, { asOf: "2020-12-31" });
    expect(r.data!.platform.status).toBe("UNDER_CONSTRUCTION");
    expect(r.extensions!.sqlStatements).toBe((await s.gql(one, { asOf: null })).extensions!.sqlStatements);
  });

  it("refuses a change dated before the platform's latest event, and a malformed date", async () => {
    const p = await createPlatform(s, admin, { status: "PLANNED", effectiveDate: "2020-05-01" });
    const r = await s.gql(
      UPDATE,
      { input: { id: p.id, status: "PREPARING", effectiveDate: "2020-04-30", source: SOURCE, expectedVersion: p.version } },
      { token: admin },
    );
    expect(r.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(await version(p.id)).toBe(p.version);
    const bad = await s.gql(`{ platforms(asOf: "2020-02-30") { totalCount } }`);
    expect(bad.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("OGC datetime", () => {
  const get = async (q: string) => {
    const res = await fetch(`${s.url}/collections/platforms/items?limit=10000&${q}`);
    return { status: res.status, body: (await res.json()) as any };
  };

  it("an instant: every feature with its status on that date, as platformsGeoJSON(asOf) answers", async () => {
    for (const [param, asOf] of [
      ["2018-09-14", "2018-09-14"],
      ["2020-12-31T23:00:00%2B08:00", "2020-12-31"],
      ["2020-12-31T16:00:00Z", "2021-01-01"],
    ]) {
      const ogc = await get(`datetime=${param}`);
      expect(ogc.status).toBe(200);
      const gql = await s.gql(`query($asOf: Date) { platformsGeoJSON(asOf: $asOf) }`, { asOf });
      const want = new Map(gql.data!.platformsGeoJSON.features.map((f: any) => [f.id, f.properties.status]));
      expect(new Map(ogc.body.features.map((f: any) => [f.id, f.properties.status]))).toEqual(want);
    }
  });

  it("an interval: the platforms whose status changed within it, with their status at its end", async () => {
    const p = await createPlatform(s, admin, {
      status: "UNDER_CONSTRUCTION",
      effectiveDate: "2019-01-01",
      location: { lng: 113.45, lat: 23.1, precision: "APPROXIMATE" },
    });
    await recordStatus(s, admin, { id: p.id, status: "TRIAL_OPERATION", effectiveDate: "2022-06-15", source: SOURCE, expectedVersion: p.version });
    // the expected set, from GraphQL: platforms with a non-correction change effective in 2022
    const nodes: any[] = [];
    let after: string | null = null;
    do {
      const page: any = await s.gql(
        `query($after: String) { platforms(first: 100, after: $after) { pageInfo { hasNextPage endCursor }
        nodes { id location { lng } statusHistory { from effectiveDate correction } } } }`,
        { after },
      );
      expect(page.errors).toBeUndefined();
      nodes.push(...page.data.platforms.nodes);
      after = page.data.platforms.pageInfo.hasNextPage ? page.data.platforms.pageInfo.endCursor : null;
    } while (after);
    const changedIn = (from: string, to: string) =>
      nodes
        .filter((n: any) => n.location && n.statusHistory.some((e: any) => e.from && !e.correction && e.effectiveDate >= from && e.effectiveDate <= to))
        .map((n: any) => n.id)
        .sort();
    const in2022 = await get("datetime=2022-01-01/2022-12-31");
    expect(in2022.status).toBe(200);
    expect(in2022.body.features.map((f: any) => f.id).sort()).toEqual(changedIn("2022-01-01", "2022-12-31"));
    expect(in2022.body.features.find((f: any) => f.id === p.id).properties.status).toBe("TRIAL_OPERATION");
    const before = await get("datetime=../2022-06-14");
    expect(before.body.features.map((f: any) => f.id)).not.toContain(p.id);
    const open = await get("datetime=2022-06-15/..");
    expect(open.body.features.map((f: any) => f.id)).toContain(p.id);
    expect((await get("datetime=2022-12-31/2022-01-01")).status).toBe(400);
  });
});

describe("targets", () => {
  it("a target stated in two clauses is one target with both mentions; its former id resolves", async () => {
    const r = await s.gql(
      `{ targets { id year scope metricEn valueMin valueMax unit mentions { section excerpt offset } formerIds reported { year } progress } }`,
    );
    expect(r.errors).toBeUndefined();
    const ts: any[] = r.data!.targets;
    const keys = ts.map((t) => [t.metricEn, t.year, t.valueMin, t.valueMax, t.unit].join("|"));
    expect(new Set(keys).size).toBe(ts.length);
    const labs = ts.find((t) => t.id === "2020-guangdong-laboratories-end");
    expect(labs.mentions).toHaveLength(2);
    expect(labs.formerIds).toEqual(["2020-guangdong-laboratories-yearly"]);
    expect(ts.map((t) => t.id)).not.toContain("2020-guangdong-laboratories-yearly");
    const old = await s.gql(`{ target(id: "2020-guangdong-laboratories-yearly") { id } }`);
    expect(old.data!.target.id).toBe("2020-guangdong-laboratories-end");
    for (const t of ts) {
      const figure = t.reported.find((f: any) => f.year === t.year);
      if (!figure) expect(t.progress).toBe("NO_PUBLIC_FIGURE");
    }
  });
});

describe("reported figures against the plan's", () => {
  it("MET when the figure for the target's year reaches the plan's, BEHIND below it; another measure is shown, not compared", async () => {
    const ds = s.running.db.dataSource;
    const d = readSeedData();
    const src = { title: "测试统计公报", publisher: "测试统计局", publishedAt: "2021-03-01", url: null };
    const t = d.targets.find((x) => x.id === "2020-national-incubators-end")!; // 41 家
    const progress = async () => {
      // with a token: the answer is computed, never the response cache's (which hears loadSeed's writes by notice, a moment later)
      const r = await s.gql(
        `{ target(id: "2020-national-incubators-end") { valueMin progress reported { year value comparable source { title publisher publishedAt url } } } }`,
        {},
        { token: admin },
      );
      expect(r.errors).toBeUndefined();
      return r.data!.target;
    };
    const keep = d.figures.filter((f) => f.target !== t.id);
    try {
      await loadSeed(ds, { ...d, figures: [...keep, { target: t.id, year: 2020, value: 39, unit: "家", note: null, source: src }] });
      expect(await progress()).toMatchObject({ progress: "BEHIND", reported: [{ year: 2020, value: 39, comparable: true, source: src }] });
      await loadSeed(ds, { ...d, figures: [...keep, { target: t.id, year: 2020, value: 41, unit: "家", note: null, source: src }] });
      expect((await progress()).progress).toBe("MET");
      await loadSeed(ds, {
        ...d,
        figures: [...keep, { target: t.id, year: 2020, value: 60, unit: "家", note: "所有孵化器，不仅国家级", comparable: false, source: src }],
      });
      expect(await progress()).toMatchObject({ progress: "NO_PUBLIC_FIGURE", reported: [{ value: 60, comparable: false }] });
      await loadSeed(ds, { ...d, figures: [...keep, { target: t.id, year: 2019, value: 50, unit: "家", note: null, source: src }] });
      expect((await progress()).progress).toBe("NO_PUBLIC_FIGURE"); // a figure for another year is not the target's
    } finally {
      await loadSeed(ds, d);
    }
    expect((await progress()).reported).toHaveLength(d.figures.filter((f) => f.target === t.id).length);
  });
});

describe("db:seed and the data set's history", () => {
  const SRC = { title: "测试用来源", publisher: "测试出版者", publishedAt: "2019-05-02", url: null };
  const withEvents = (events: SeedEvent[]): SeedData => {
    const d = readSeedData();
    return { ...d, events: [...d.events, ...events] };
  };
  /** A platform of the data set with baseline UNDER_CONSTRUCTION and no history of its own. */
  const pick = () => {
    const d = readSeedData();
    const withHistory = new Set(d.events.map((e) => e.platform));
    return d.platforms.filter((x) => x.status === "UNDER_CONSTRUCTION" && !withHistory.has(x.id)).map((x) => x.id);
  };
  const history = async (id: string) =>
    (
      await s.gql(
        `query($id: ID!) { platform(id: $id) { status version statusHistory { to effectiveDate actor datePrecision source { title publisher } } } }`,
        { id },
        { token: admin },
      )
    ).data!.platform;

  it("records the data set's events (actor seed, precision kept); an official's later event survives db:seed; a newer data-set event is held back", async () => {
    const [id] = pick();
    const ds = s.running.db.dataSource;
    const first = await loadSeed(
      ds,
      withEvents([{ platform: id, status: "TRIAL_OPERATION", effectiveDate: "2019-05-01", datePrecision: "MONTH", note: "试运行", source: SRC }]),
    );
    expect(first.heldBack).toEqual([]);
    let h = await history(id);
    expect(h).toMatchObject({ status: "TRIAL_OPERATION", version: 2 });
    expect(h.statusHistory[0]).toEqual({
      to: "TRIAL_OPERATION",
      effectiveDate: "2019-05-01",
      actor: "seed",
      datePrecision: "MONTH",
      source: { title: SRC.title, publisher: SRC.publisher },
    });
    expect(await statusOn(id, "2019-04-30")).toBe("UNDER_CONSTRUCTION");

    // again: nothing new
    const again = await loadSeed(
      ds,
      withEvents([{ platform: id, status: "TRIAL_OPERATION", effectiveDate: "2019-05-01", datePrecision: "MONTH", note: "试运行", source: SRC }]),
    );
    expect(again.written.status_event ?? 0).toBe(0);

    await recordStatus(s, admin, { id, status: "OPERATIONAL", effectiveDate: "2020-01-01", source: SOURCE, expectedVersion: 2 });

    const later = await loadSeed(
      ds,
      withEvents([
        { platform: id, status: "TRIAL_OPERATION", effectiveDate: "2019-05-01", datePrecision: "MONTH", note: "试运行", source: SRC },
        { platform: id, status: "SUSPENDED", effectiveDate: "2023-01-01", datePrecision: "YEAR", note: "暂停", source: { ...SRC, publishedAt: "2023-02-01" } },
      ]),
    );
    expect(later.heldBack).toEqual([{ platform: id, status: "SUSPENDED", effectiveDate: "2023-01-01" }]);
    h = await history(id);
    expect(h).toMatchObject({ status: "OPERATIONAL", version: 3 });
    expect(h.statusHistory.map((e: any) => [e.to, e.effectiveDate, e.actor === "seed"])).toEqual([
      ["OPERATIONAL", "2020-01-01", false],
      ["TRIAL_OPERATION", "2019-05-01", true],
      ["UNDER_CONSTRUCTION", PLAN_DATE, true],
    ]);
  });
});

describe("seed:validate", () => {
  function validate(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [path.join(__dirname, "..", "..", "dist", "scripts", "validate-seed.js"), dir], { timeout: 60000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
      );
    });
  }
  /** A copy of seeds/ with extra events. */
  function seedsWith(events: unknown[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seeds-"));
    fs.cpSync(path.join(__dirname, "..", "..", "seeds"), dir, { recursive: true });
    const file = path.join(dir, "data", "history", "events.json");
    fs.writeFileSync(file, JSON.stringify([...JSON.parse(fs.readFileSync(file, "utf8")), ...events], null, 2));
    return dir;
  }

  it("accepts the data set as it is", async () => {
    const r = await validate(path.join(__dirname, "..", "..", "seeds"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^seed data valid: .* events on \d+ platforms/);
  });

  it("refuses an event without a source, one in the future, and one against the lifecycle, naming each", async () => {
    const d = readSeedData();
    const operational = d.platforms.find((x) => x.status === "OPERATIONAL" && !d.events.some((e) => e.platform === x.id))!.id;
    const planned = d.platforms.find((x) => x.status === "UNDER_CONSTRUCTION" && !d.events.some((e) => e.platform === x.id))!.id;
    const src = { title: "某报道", publisher: "广州日报", publishedAt: "2020-01-02", url: null };
    const dir = seedsWith([
      {
        platform: planned,
        status: "OPERATIONAL",
        effectiveDate: "2020-01-01",
        datePrecision: "DAY",
        note: "opened",
        source: { title: "无出版者", publishedAt: "2020-01-02", url: null },
      },
      { platform: operational, status: "OPERATIONAL", effectiveDate: "2021-01-01", datePrecision: "DAY", note: "again", source: src },
      { platform: planned, status: "PREPARING", effectiveDate: "2021-06-01", datePrecision: "MONTH", note: "backwards", source: src },
      { platform: planned, status: "SUSPENDED", effectiveDate: "2999-01-01", datePrecision: "YEAR", note: "future", source: src },
    ]);
    try {
      const r = await validate(dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`(${planned} OPERATIONAL 2020-01-01): source.publisher is required`);
      expect(r.stderr).toContain(`(${operational} OPERATIONAL 2021-01-01): OPERATIONAL → OPERATIONAL is not a lifecycle step`);
      expect(r.stderr).toContain(`(${planned} PREPARING 2021-06-01): OPERATIONAL → PREPARING is not a lifecycle step`);
      expect(r.stderr).toContain(`(${planned} SUSPENDED 2999-01-01): effectiveDate 2999-01-01 is in the future`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
