/**
 * Search that reads places and domains: a search string is split into terms; a term naming a
 * district (any script, pinyin, English, with or without 区/District) or a domain becomes that
 * filter, the rest match names, and all must hold. Each search must give exactly the platforms of
 * the equivalent filter, through GraphQL and the OGC endpoint, and say how it was read.
 */
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const PAGE = `query($f: PlatformFilter, $o: PlatformOrder) {
  platforms(filter: $f, first: 100, orderBy: $o) {
    totalCount nodes { id } facets { district { value count } }
    searchInterpretation { districts domains text summaryHans summaryHant summaryEn }
  }
}`;

async function platforms(filter: Record<string, unknown>, orderBy?: string) {
  const r = await s.gql(PAGE, { f: filter, o: orderBy ?? null });
  expect(r.errors).toBeUndefined();
  return r.data!.platforms as {
    totalCount: number;
    nodes: Array<{ id: string }>;
    facets: unknown;
    searchInterpretation: { districts: string[]; domains: string[]; text: string[]; summaryHans: string; summaryHant: string; summaryEn: string } | null;
  };
}
const ids = (p: { nodes: Array<{ id: string }> }) => p.nodes.map((n) => n.id).sort();

const HUANGPU = { districts: ["440112"], domains: [], text: [], summaryHans: "黄埔区", summaryHant: "黃埔區", summaryEn: "Huangpu District" };

const CASES: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
  [
    "黄埔 生物",
    { districts: ["440112"], search: "生物" },
    { districts: ["440112"], domains: [], text: ["生物"], summaryHans: "黄埔区 · 生物", summaryEn: "Huangpu District · 生物" },
  ],
  ["黃埔", { districts: ["440112"] }, HUANGPU],
  ["Huangpu", { districts: ["440112"] }, HUANGPU],
  ["huangpu district", { districts: ["440112"] }, HUANGPU],
  ["黄埔区", { districts: ["440112"] }, HUANGPU],
  ["  HUANGPU   District ", { districts: ["440112"] }, HUANGPU],
  [
    "天河 人工智能",
    { districts: ["440106"], domains: ["ai"] },
    { districts: ["440106"], domains: ["ai"], text: [], summaryHans: "天河区 · 人工智能", summaryEn: "Tianhe District · Artificial intelligence" },
  ],
  [
    "huangpu biomed",
    { districts: ["440112"], domains: ["biomed"] },
    {
      districts: ["440112"],
      domains: ["biomed"],
      summaryHans: "黄埔区 · 生物医药",
      summaryHant: "黃埔區 · 生物醫藥",
      summaryEn: "Huangpu District · Biomedicine",
    },
  ],
  ["生物醫藥", { domains: ["biomed"] }, { districts: [], domains: ["biomed"], text: [] }],
  ["AI", { domains: ["ai"] }, { domains: ["ai"], summaryEn: "Artificial intelligence" }],
  ["nansha, 海洋經濟", { districts: ["440115"], domains: ["marine"] }, { districts: ["440115"], domains: ["marine"], summaryHans: "南沙区 · 海洋经济" }],
  ["黄埔 天河", { districts: ["440112", "440106"] }, { districts: ["440112", "440106"], summaryHans: "黄埔区、天河区" }],
];

describe("a search naming districts and domains", () => {
  it.each(CASES)("%s gives the platforms of %j and says how it read the query", async (q, equivalent, reading) => {
    const [searched, filtered] = await Promise.all([platforms({ search: q }), platforms(equivalent)]);
    // a case that cannot fail proves nothing: each part of the filter finds platforms (their AND may not:
    // no platform of the AI domain lies in Tianhe in the plan's data)
    for (const [field, values] of Object.entries(equivalent)) expect((await platforms({ [field]: values })).totalCount).toBeGreaterThan(0);
    expect(filtered.totalCount).toBeLessThanOrEqual(100);
    expect(ids(searched)).toEqual(ids(filtered));
    expect(searched.totalCount).toBe(filtered.totalCount);
    expect(searched.facets).toEqual(filtered.facets);
    expect(searched.searchInterpretation).toMatchObject(reading);
    if (!("search" in equivalent)) expect(filtered.searchInterpretation).toBeNull();
  });

  it("gives the same answer through the OGC endpoint and platformsGeoJSON, with the reading as a foreign member", async () => {
    for (const [q, equivalent, reading] of CASES) {
      const g = await s.gql(`query($f: PlatformFilter) { platformsGeoJSON(filter: $f) }`, { f: equivalent });
      const located = g.data!.platformsGeoJSON.features.map((f: { id: string }) => f.id).sort();
      const res = await fetch(`${s.url}/collections/platforms/items?limit=1000&q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { features: Array<{ id: string }>; searchInterpretation: unknown };
      expect(body.features.map((f) => f.id).sort()).toEqual(located);
      expect(body.searchInterpretation).toMatchObject(reading);
      const viaGraphql = await s.gql(`query($f: PlatformFilter) { platformsGeoJSON(filter: $f) }`, { f: { search: q } });
      expect(viaGraphql.data!.platformsGeoJSON.features.map((f: { id: string }) => f.id).sort()).toEqual(located);
      expect(viaGraphql.data!.platformsGeoJSON.searchInterpretation).toMatchObject(reading);
    }
  });

  it("holds every term: with the filter's own district, and with several name terms", async () => {
    // Huangpu named in the search AND Tianhe in the filter: nothing lies in both
    expect((await platforms({ search: "黄埔", districts: ["440106"] })).totalCount).toBe(0);
    expect(ids(await platforms({ search: "黄埔", districts: ["440112", "440106"] }))).toEqual(ids(await platforms({ districts: ["440112"] })));
    // two name terms: the platforms each finds alone, in both
    const [both, a, b] = await Promise.all([platforms({ search: "广州 实验室" }), platforms({ search: "广州" }), platforms({ search: "实验室" })]);
    const inB = new Set(ids(b));
    expect(both.totalCount).toBeGreaterThan(0);
    expect(ids(both)).toEqual(ids(a).filter((id) => inB.has(id)));
    expect(both.searchInterpretation).toMatchObject({ districts: [], domains: [], text: ["广州", "实验室"], summaryHans: "广州 · 实验室" });
    // a name that was found by its words still is
    expect(ids(await platforms({ search: "Sun Yat-sen University" }))).toContain("sun-yat-sen-university");
  });

  it("orders a search that names only places by name, even when RELEVANCE is asked", async () => {
    const [relevance, name] = await Promise.all([platforms({ search: "黄埔" }, "RELEVANCE"), platforms({ districts: ["440112"] }, "NAME")]);
    expect(relevance.nodes.map((n) => n.id)).toEqual(name.nodes.map((n) => n.id));
  });

  it("reads the districts and domains once, not per search, and again after they change", async () => {
    const statements = async (filter: Record<string, unknown>) => {
      const r = await s.gql(`query($f: PlatformFilter) { platforms(filter: $f, first: 5) { nodes { id } } }`, { f: filter });
      expect(r.errors).toBeUndefined();
      return r.extensions!.sqlStatements as number;
    };
    expect(await statements({ search: "黄埔 生物 x1" })).toBe(await statements({ districts: ["440112"], search: "生物 x2" }));
    await s.write(`UPDATE district SET name_en = 'Whampoa District' WHERE code = '440112'`);
    try {
      const r = await platforms({ search: "whampoa" });
      expect(r.searchInterpretation).toMatchObject({ districts: ["440112"], summaryEn: "Whampoa District" });
      expect(ids(r)).toEqual(ids(await platforms({ districts: ["440112"] })));
    } finally {
      await s.write(`UPDATE district SET name_en = 'Huangpu District' WHERE code = '440112'`);
    }
    expect((await platforms({ search: "whampoa" })).searchInterpretation).toMatchObject({ districts: [], text: ["whampoa"] });
  });

  it("still refuses a search with no letter or digit", async () => {
    const r = await s.gql(PAGE, { f: { search: " 、 , " } });
    expect(r.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});
