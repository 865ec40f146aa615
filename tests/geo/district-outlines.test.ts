/**
 * District outlines from a file (DISTRICT_OUTLINES): the registry starts with a small file made here
 * (two simple polygons, one named by its GB/T 2260 code, one by its Chinese name, and one feature naming
 * no district), reports what it could not match, serves the outlines as the OGC collection `districts`
 * (items, paging, queryables, crs, HTML), which GDAL reads, and /map draws them under the markers in
 * Chromium. Files that cannot be read, or are not outlines in WGS-84, stop the start with a clear error.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Writable } from "node:stream";
import pino from "pino";
import { chromium, type Browser } from "playwright-core";
import { loadConfig } from "../../src/config";
import { start, type Running } from "../../src/bootstrap";
import { readOutlines } from "../../src/modules/geo/outlines";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { CHROMIUM, ARGS } from "../support/browser";

const run = promisify(execFile);
const GDAL_ENV = (() => {
  const env: NodeJS.ProcessEnv = { ...process.env, GDAL_HTTP_TIMEOUT: "30", NO_PROXY: "*", no_proxy: "*" };
  for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"]) delete env[k];
  return env;
})();

const square = (x0: number, y0: number, x1: number, y1: number) => [
  [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0],
  ],
];
const HUANGPU = square(113.4, 23.1, 113.6, 23.35);
const TIANHE = [square(113.3, 23.1, 113.39, 23.25)];
const FILE = {
  type: "FeatureCollection",
  features: [
    { type: "Feature", properties: { adcode: 440112, name: "whatever the file calls it" }, geometry: { type: "Polygon", coordinates: HUANGPU } },
    { type: "Feature", properties: { name: "天河区" }, geometry: { type: "MultiPolygon", coordinates: TIANHE } },
    { type: "Feature", properties: { name: "Atlantis" }, geometry: { type: "Polygon", coordinates: square(10, 10, 11, 11) } },
  ],
};

let tmp: string;
let db: TestDatabase;
let r: Running;
let url: string;
const log: Array<Record<string, any>> = [];
let browser: Browser | undefined;

const write = (name: string, content: unknown) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "outlines-"));
  db = await createTestDatabase();
  const sink = new Writable({
    write(chunk, _e, cb) {
      for (const l of chunk.toString().split("\n").filter(Boolean)) log.push(JSON.parse(l));
      cb();
    },
  });
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORT: "0",
    HOST: "127.0.0.1",
    RATE_LIMIT_PER_IP: "0",
    DISTRICT_OUTLINES: write("districts.geojson", FILE),
    DISTRICT_OUTLINES_ATTRIBUTION: "Outlines: test fixture, CC0",
  });
  r = await start(config, pino({ level: "info" }, sink));
  url = `http://127.0.0.1:${r.port}`;
});
afterAll(async () => {
  await browser?.close();
  await r?.shutdown();
  await db?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const getJson = async (p: string) => {
  const res = await fetch(url + p);
  expect({ p, status: res.status }).toEqual({ p, status: 200 });
  return (await res.json()) as any;
};

describe("DISTRICT_OUTLINES", () => {
  it("reports at start the features it could not match and the districts without an outline", () => {
    const report = log.find((l) => /^district outlines/.test(l.msg));
    expect(report).toMatchObject({ level: 40, outlined: ["440106", "440112"], unknown: [{ index: 2, named: "Atlantis" }] });
    expect(report!.missing).toHaveLength(9);
    expect(report!.missing).not.toContain("440112");
  });

  it("serves the outlines as the OGC collection districts, listed in /collections and /api", async () => {
    const collections = await getJson("/collections");
    expect(collections.collections.map((c: { id: string }) => c.id)).toEqual(["platforms", "districts"]);
    const c = await getJson("/collections/districts");
    expect(c.extent.spatial.bbox[0]).toEqual([113.3, 23.1, 113.6, 23.35]);
    expect(c.attribution).toBe("Outlines: test fixture, CC0");
    const api = await getJson("/api");
    expect(Object.keys(api.paths)).toEqual(
      expect.arrayContaining(["/collections/districts", "/collections/districts/items", "/collections/districts/queryables"]),
    );

    const items = await getJson("/collections/districts/items");
    expect(items.numberMatched).toBe(2);
    expect(items.features).toEqual([
      {
        type: "Feature",
        id: "440106",
        geometry: { type: "MultiPolygon", coordinates: TIANHE },
        properties: { code: "440106", nameHans: "天河区", nameHant: "天河區", nameEn: "Tianhe District" },
      },
      {
        type: "Feature",
        id: "440112",
        geometry: { type: "Polygon", coordinates: HUANGPU },
        properties: { code: "440112", nameHans: "黄埔区", nameHant: "黃埔區", nameEn: "Huangpu District" },
      },
    ]);
    expect((await getJson("/collections/districts/items?code=440112")).features.map((f: { id: string }) => f.id)).toEqual(["440112"]);
    expect((await getJson("/collections/districts/items?bbox=113.55,23.3,114,24")).features.map((f: { id: string }) => f.id)).toEqual(["440112"]);
    const one = await getJson("/collections/districts/items?limit=1");
    expect(one.features.map((f: { id: string }) => f.id)).toEqual(["440106"]);
    const next = new URL(one.links.find((l: { rel: string }) => l.rel === "next").href);
    const two = await getJson(next.pathname + next.search);
    expect(two.features.map((f: { id: string }) => f.id)).toEqual(["440112"]);
    expect(two.links.some((l: { rel: string }) => l.rel === "next")).toBe(false);
    const gcj = await getJson("/collections/districts/items/440112?crs=GCJ02");
    const [lng, lat] = gcj.geometry.coordinates[0][0];
    expect(Math.abs(lng - 113.4)).toBeGreaterThan(0.001); // shifted, as GCJ-02 is
    expect(Math.abs(lng - 113.4)).toBeLessThan(0.01);
    expect(Math.abs(lat - 23.1)).toBeLessThan(0.01);
    const q = await getJson("/collections/districts/queryables");
    expect(q.properties.code.enum).toEqual(["440106", "440112"]);

    for (const [p, status] of [
      ["/collections/districts/items?code=440103", 400],
      ["/collections/districts/items?name=x", 400],
      ["/collections/districts/items/440103", 404],
    ] as const) {
      const res = await fetch(url + p);
      expect({ p, status: res.status }).toEqual({ p, status });
      expect(((await res.json()) as { code?: string }).code).toBeDefined();
    }
    const page = await fetch(`${url}/collections/districts/items?f=html`);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain("MultiPolygon");
  });

  it("is read by GDAL (ogrinfo, ogr2ogr)", async () => {
    const info = await run("ogrinfo", ["-ro", "-so", `OAPIF:${url}`, "districts"], { env: GDAL_ENV, timeout: 120_000 });
    expect(info.stdout).toMatch(/^Layer name: districts$/m);
    expect(info.stdout).toMatch(/^Feature Count: 2$/m);
    expect(info.stdout).toMatch(/^code: String/m);
    const out = path.join(tmp, "out.geojson");
    await run("ogr2ogr", ["-f", "GeoJSON", out, `OAPIF:${url}`, "districts"], { env: GDAL_ENV, timeout: 120_000 });
    const fc = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(fc.features.map((f: any) => [f.properties.code, f.geometry.type]).sort()).toEqual([
      ["440106", "MultiPolygon"],
      ["440112", "Polygon"],
    ]);
    expect(fc.features.find((f: any) => f.properties.code === "440112").geometry.coordinates).toEqual(HUANGPU);
  });

  it("draws the outlines on /map under the markers, with their attribution", async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.route(
      (u) => u.host !== new URL(url).host,
      (route) => route.abort("internetdisconnected"),
    );
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("response", (res) => void (res.status() >= 400 && errors.push(`${res.status()} ${res.url()}`)));
    await page.goto(`${url}/map?basemap=none`);
    await page.locator("path.district-outline").nth(1).waitFor({ state: "attached", timeout: 20_000 });
    expect(await page.locator("path.district-outline").count()).toBe(2);
    // in the overlay pane (z-index 400), under the markers' pane (600)
    expect(await page.locator(".leaflet-overlay-pane path.district-outline").count()).toBe(2);
    await page.locator(".leaflet-marker-icon").first().waitFor();
    expect(await page.textContent(".leaflet-control-attribution")).toContain("Outlines: test fixture, CC0");
    expect(errors).toEqual([]);
  });
});

describe("a DISTRICT_OUTLINES file that cannot be used", () => {
  it("stops the start with a message naming the variable and the problem", async () => {
    const bad = loadConfig({ DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1", DISTRICT_OUTLINES: path.join(tmp, "nowhere.geojson") });
    await expect(start(bad, pino({ level: "silent" }))).rejects.toThrow(/^DISTRICT_OUTLINES: .*nowhere\.geojson cannot be read: ENOENT/);
  });

  it.each([
    ["not JSON", "{ oops", /is not valid GeoJSON: Invalid JSON/],
    [
      "a ring that does not close",
      {
        type: "FeatureCollection",
        features: [
          {
            type: "Feature",
            properties: { code: "440112" },
            geometry: {
              type: "Polygon",
              coordinates: [
                [
                  [113, 23],
                  [114, 23],
                  [114, 24],
                  [113, 24],
                ],
              ],
            },
          },
        ],
      },
      /is not valid GeoJSON: .*First and last positions/,
    ],
    [
      "a point",
      { type: "FeatureCollection", features: [{ type: "Feature", properties: { code: "440112" }, geometry: { type: "Point", coordinates: [113, 23] } }] },
      /feature 0 is a Point; each outline must be a Polygon or MultiPolygon/,
    ],
    [
      "projected metres",
      {
        type: "FeatureCollection",
        features: [
          { type: "Feature", properties: { code: "440112" }, geometry: { type: "Polygon", coordinates: square(12600000, 2640000, 12610000, 2650000) } },
        ],
      },
      /feature 0 has the position \[12600000, 2640000\], outside WGS-84/,
    ],
    [
      "another CRS",
      { type: "FeatureCollection", crs: { type: "name", properties: { name: "urn:ogc:def:crs:EPSG::3857" } }, features: [] },
      /is in urn:ogc:def:crs:EPSG::3857; the outlines must be in WGS-84/,
    ],
    [
      "a bad code",
      { type: "FeatureCollection", features: [{ type: "Feature", properties: { code: "4401" }, geometry: { type: "Polygon", coordinates: HUANGPU } }] },
      /feature 0 has the code "4401"; a GB\/T 2260 code is 6 digits/,
    ],
    [
      "no name",
      { type: "FeatureCollection", features: [{ type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: HUANGPU } }] },
      /feature 0 names no district/,
    ],
    [
      "a single feature",
      { type: "Feature", properties: { code: "440112" }, geometry: { type: "Polygon", coordinates: HUANGPU } },
      /must be a FeatureCollection, not a Feature/,
    ],
  ])("refuses %s", (name, content, message) => {
    const file = write(`${name.replace(/\W/g, "-")}.geojson`, content);
    expect(() => readOutlines(file)).toThrow(message);
    expect(() => readOutlines(file)).toThrow(/^DISTRICT_OUTLINES: /);
  });
});
