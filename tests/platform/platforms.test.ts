/** Querying platforms by area and by industry; every filter is checked against a recomputation over all platforms. */
import { col } from "../../src/modules/platform/platform.store";
import { startTestServer, type TestServer } from "../support/server";

const FIELDS = `id nameHans nameHant nameEn aliases kind level status district { code } zone { id }
  domains { id } agencies { id } location { lng lat precision }`;

let s: TestServer;
let all: any[] = [];
let domains: any[] = [];

async function walk(filter: Record<string, unknown> | null, opts: { pageSize?: number; orderBy?: string; backward?: boolean } = {}) {
  const n = opts.pageSize ?? 100;
  const seen: any[] = [];
  let cursor: string | null = null;
  let total = -1;
  for (let guard = 0; guard < 500; guard++) {
    const r: any = await s.gql(
      `query($f: PlatformFilter, $o: PlatformOrder, $n: Int, $c: String) {
        platforms(filter: $f, orderBy: $o, ${opts.backward ? "last: $n, before: $c" : "first: $n, after: $c"}) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { ${FIELDS} distanceMeters } } } }`,
      { f: filter, o: opts.orderBy ?? null, n, c: cursor },
    );
    expect(r.errors).toBeUndefined();
    const c = r.data.platforms;
    total = c.totalCount;
    const nodes = c.edges.map((e: any) => e.node);
    if (opts.backward) seen.unshift(...nodes);
    else seen.push(...nodes);
    const more = opts.backward ? c.pageInfo.hasPreviousPage : c.pageInfo.hasNextPage;
    if (!more) break;
    cursor = opts.backward ? c.pageInfo.startCursor : c.pageInfo.endCursor;
  }
  return { nodes: seen, total };
}

const ids = (xs: any[]) => xs.map((x) => x.id).sort();

function haversine(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  const R = 6371008.8,
    rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad,
    dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

/** A domain and everything under it: tree children and, for groups, members (recursively). */
function expandDomain(id: string): Set<string> {
  const out = new Set<string>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of domains) {
      if (out.has(d.id)) continue;
      if ((d.parent && out.has(d.parent.id)) || d.groups.some((g: any) => out.has(g.id))) {
        out.add(d.id);
        grew = true;
      }
    }
  }
  return out;
}

beforeAll(async () => {
  s = await startTestServer();
  all = (await walk(null)).nodes;
  const r: any = await s.gql(`{ domains { id parent { id } groups { id } } }`);
  domains = r.data.domains;
});
afterAll(async () => {
  await s?.close();
});

describe("filters agree with a recomputation over all platforms", () => {
  const cases: Array<[string, Record<string, unknown>, (p: any) => boolean]> = [
    ["district Huangpu", { districts: ["440112"] }, (p) => p.district?.code === "440112"],
    ["two districts", { districts: ["440113", "440115"] }, (p) => ["440113", "440115"].includes(p.district?.code)],
    ["kinds", { kinds: ["LABORATORY", "UNIVERSITY"] }, (p) => ["LABORATORY", "UNIVERSITY"].includes(p.kind)],
    ["levels", { levels: ["NATIONAL"] }, (p) => p.level === "NATIONAL"],
    ["statuses", { statuses: ["PLANNED", "OPERATIONAL"] }, (p) => ["PLANNED", "OPERATIONAL"].includes(p.status)],
    ["agency", { agencies: ["gz-iit"] }, (p) => p.agencies.some((a: any) => a.id === "gz-iit")],
    ["AND of fields", { districts: ["440115"], kinds: ["RESEARCH_INSTITUTE"] }, (p) => p.district?.code === "440115" && p.kind === "RESEARCH_INSTITUTE"],
  ];
  it.each(cases)("%s", async (_name, filter, predicate) => {
    const expected = all.filter(predicate);
    expect(expected.length).toBeGreaterThan(0);
    const got = await walk(filter, { pageSize: 13 });
    expect(ids(got.nodes)).toEqual(ids(expected));
    expect(got.total).toBe(expected.length);
  });

  it.each(["biomed", "iab", "sei", "ngit", "cluster-bio-health"])("domain %s matches its subdomains and members", async (id) => {
    const wanted = expandDomain(id);
    const expected = all.filter((p) => p.domains.some((d: any) => wanted.has(d.id)));
    expect(expected.length).toBeGreaterThan(0);
    expect(ids((await walk({ domains: [id] })).nodes)).toEqual(ids(expected));
  });

  it("zone matches platforms inside it at any depth", async () => {
    const inside = (p: any, zone: string): boolean => {
      for (let z = p.zone?.id, i = 0; z && i < 20; i++) {
        if (z === zone) return true;
        z = all.find((q) => q.id === z)?.zone?.id;
      }
      return false;
    };
    for (const zone of ["nansha-new-area", "guangzhou-hi-tech-industrial-development-zone"]) {
      const expected = all.filter((p) => inside(p, zone));
      expect(expected.length).toBeGreaterThan(0);
      expect(ids((await walk({ zone })).nodes)).toEqual(ids(expected));
    }
    // depth: the high-tech zone's parks and what lies in them (廣州科學城 → CAS institute)
    expect(
      all.filter((p) => inside(p, "guangzhou-hi-tech-industrial-development-zone")).some((p) => p.zone.id !== "guangzhou-hi-tech-industrial-development-zone"),
    ).toBe(true);
  });

  it("bbox agrees with a point-in-box computation", async () => {
    const bbox = [113.3, 23.0, 113.6, 23.3];
    const expected = all.filter(
      (p) => p.location && p.location.lng >= bbox[0] && p.location.lng <= bbox[2] && p.location.lat >= bbox[1] && p.location.lat <= bbox[3],
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(ids((await walk({ bbox })).nodes)).toEqual(ids(expected));
  });

  it("near agrees with haversine, and orders by distance", async () => {
    const near = { lng: 113.37, lat: 23.06, radiusMeters: 15000 };
    const expected = all.filter((p) => p.location && haversine(near, p.location) <= near.radiusMeters);
    expect(expected.length).toBeGreaterThan(0);
    const got = await walk({ near }, { orderBy: "DISTANCE", pageSize: 7 });
    expect(ids(got.nodes)).toEqual(ids(expected));
    const dists = got.nodes.map((p: any) => p.distanceMeters);
    expect([...dists].sort((a, b) => a - b)).toEqual(dists);
    for (const p of got.nodes) expect(p.distanceMeters).toBeCloseTo(haversine(near, p.location), 0);
  });
});

describe("Relay pagination", () => {
  it.each(["NAME", "STATUS", "UPDATED_AT"])("walks forward and backward by %s, each match once, in order", async (orderBy) => {
    const fwd = await walk(null, { pageSize: 9, orderBy });
    const bwd = await walk(null, { pageSize: 9, orderBy, backward: true });
    expect(fwd.nodes.length).toBe(fwd.total);
    expect(new Set(fwd.nodes.map((p: any) => p.id)).size).toBe(fwd.total);
    expect(bwd.nodes.map((p: any) => p.id)).toEqual(fwd.nodes.map((p: any) => p.id));
    expect(fwd.total).toBe(all.length);
  });

  it("stays stable while rows are inserted", async () => {
    const first: any = await s.gql(`{ platforms(first: 10) { pageInfo { endCursor } nodes { id } } }`);
    // a platform that sorts first ("aaa") would shift an offset-based page
    await s.write(
      `INSERT INTO platform (id, ${col.nameHans}, ${col.nameHant}, ${col.nameEn}, kind, status, ${col.sortKey}) VALUES ('zz-test', '阿', '阿', 'A', 'OTHER', 'PLANNED', 'a1')`,
    );
    try {
      const next: any = await s.gql(`query($c: String) { platforms(first: 10, after: $c) { nodes { id } } }`, { c: first.data.platforms.pageInfo.endCursor });
      const expected = (await walk(null)).nodes.map((p: any) => p.id);
      const from = expected.indexOf(first.data.platforms.nodes[9].id) + 1;
      expect(next.data.platforms.nodes.map((p: any) => p.id)).toEqual(expected.slice(from, from + 10));
    } finally {
      await s.write(`DELETE FROM platform WHERE id = 'zz-test'`);
    }
  });

  it("defaults to 20 and refuses more than 100", async () => {
    const d: any = await s.gql(`{ platforms { nodes { id } } }`);
    expect(d.data.platforms.nodes).toHaveLength(20);
    const r = await s.gql(`{ platforms(first: 101) { nodes { id } } }`);
    expect(r.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const bad = await s.gql(`{ platforms(after: "bm90LWEtY3Vyc29y") { nodes { id } } }`);
    expect(bad.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("search", () => {
  const cases: Array<[string, string]> = [
    ["生物岛", "guangzhou-international-bio-island"],
    ["生物島", "guangzhou-international-bio-island"],
    ["shengwudao", "guangzhou-international-bio-island"],
    ["Bio Island", "guangzhou-international-bio-island"],
    ["gzgjswd", "guangzhou-international-bio-island"],
    ["知识城", "sino-singapore-guangzhou-knowledge-city"],
    ["KNOWLEDGE CITY", "sino-singapore-guangzhou-knowledge-city"],
    ["中山大学", "sun-yat-sen-university"],
    ["Sun Yat-sen University", "sun-yat-sen-university"],
    ["超级计算", "national-supercomputer-center-in-guangzhou"],
    ["nansha", "nansha-new-area"],
    ["硅谷", "guangzhou-silicon-valley-science-technology-innovation-cooperation-office"],
    ["矽谷", "guangzhou-silicon-valley-science-technology-innovation-cooperation-office"],
    ["南方海洋实验室", "southern-marine-science-and-engineering-guangdong-laboratory-guangzhou"],
    ["海洋科学领域省实验室", "southern-marine-science-and-engineering-guangdong-laboratory-guangzhou"],
  ];
  it.each(cases)("%s finds %s", async (q, id) => {
    const r: any = await s.gql(`query($q: String) { platforms(filter: { search: $q }, first: 100) { nodes { id } } }`, { q });
    expect(r.errors).toBeUndefined();
    expect(r.data.platforms.nodes.map((p: any) => p.id)).toContain(id);
  });

  it("ranks an exact name before prefixes before containment", async () => {
    const r: any = await s.gql(`{ platforms(filter: { search: "华南理工大学" }, first: 100) { nodes { id nameHans } } }`);
    const names = r.data.platforms.nodes.map((p: any) => p.nameHans);
    expect(names[0]).toBe("华南理工大学");
    expect(names.length).toBeGreaterThan(2);
    const rank = (n: string) => (n === "华南理工大学" ? 0 : n.startsWith("华南理工大学") ? 1 : 2);
    const ranks = r.data.platforms.nodes.map((p: any) => Math.min(rank(p.nameHans), 2));
    expect([...ranks].sort()).toEqual(ranks);
  });

  it("counts and facets a search", async () => {
    const r: any = await s.gql(`{ platforms(filter: { search: "广州" }, first: 1) { totalCount facets { kind { count } status { count } } } }`);
    expect(r.errors).toBeUndefined();
    const expected = all.filter((p) => [p.nameHans, p.nameHant, ...p.aliases].some((n: string) => n.includes("广州") || n.includes("廣州"))).length;
    expect(r.data.platforms.totalCount).toBeGreaterThanOrEqual(expected);
    expect(r.data.platforms.facets.kind.reduce((a: number, f: any) => a + f.count, 0)).toBe(r.data.platforms.totalCount);
  });

  it("refuses an empty or overlong query clearly", async () => {
    const e = await s.gql(`{ platforms(filter: { search: "、、" }) { nodes { id } } }`);
    expect(e.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const long = await s.gql(`query($q: String) { platforms(filter: { search: $q }) { nodes { id } } }`, { q: "岛".repeat(100_000) });
    expect(long.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("facets", () => {
  it.each([{}, { districts: ["440112"] }, { domains: ["biomed"] }])("kind, status and district each sum to totalCount (%j)", async (filter) => {
    const r: any = await s.gql(
      `query($f: PlatformFilter) { platforms(filter: $f, first: 1) { totalCount
      facets { kind { value count } status { value count } district { value count } domain { value count } } } }`,
      { f: filter },
    );
    const { totalCount, facets } = r.data.platforms;
    for (const dim of ["kind", "status", "district"]) {
      expect(facets[dim].reduce((a: number, f: any) => a + f.count, 0)).toBe(totalCount);
    }
    if (!Object.keys(filter).length) {
      expect(facets.district.find((f: any) => f.value === null).count).toBe(all.filter((p) => !p.district).length);
    }
  });
});
