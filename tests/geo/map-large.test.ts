/**
 * The map page when more platforms match than one platformsGeoJSON answer holds (10,000): it asks
 * for its view alone, drawing the server's cells (platformClusters) zoomed out and the platforms
 * themselves zoomed in, with every platform in view counted once; a filter that fits one answer
 * brings the ordinary map back. Real Chromium, real server, 12,000 extra platforms.
 */
import fs from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { col } from "../../src/modules/platform/platform.store";
import { CHROMIUM, ARGS, mapSettled, offlineContext, watchPage } from "../support/browser";
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
let browser: Browser;
const EXTRA = 12_000;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`The map tests need Chromium at ${CHROMIUM}, which is missing: apt-get install -y chromium`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  s = await startTestServer();
  // 12,000 platforms on a 120 × 100 grid around Tianhe (about 1.2 km apart), no district
  await s.write(
    `INSERT INTO platform (id, ${col.nameHans}, ${col.nameHant}, ${col.nameEn}, kind, status, lng, lat, precision, ${col.sortKey})
     SELECT 'zz-many-' || lpad(i::text, 5, '0'), '测试' || i, '測試' || i, 'Test ' || i, 'OTHER', 'PLANNED',
            113.30 + (i % 120) * 0.0012, 23.10 + (i / 120) * 0.0011, 'APPROXIMATE', 'zz'
     FROM generate_series(0, ${EXTRA - 1}) AS i`,
  );
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const mapState = (page: Page) => page.evaluate(() => (globalThis as any).__registryMap.state);

const settled = (page: Page, generation: number) => mapSettled(page, generation, 30_000);

/** Moves the map and waits for the view's answer (the page reloads its view after each move). */
async function moveTo(page: Page, lat: number, lng: number, zoom: number): Promise<void> {
  const g = (await mapState(page)).generation;
  await page.evaluate(([a, b, z]) => (globalThis as any).__registryMap.setView(a, b, z), [lat, lng, zoom] as const);
  await settled(page, g);
}

/** What the API counts in the page's current view (the same filter, the view's WGS-84 box). */
async function locatedInView(page: Page): Promise<number> {
  const box = await page.evaluate(() => (globalThis as any).__registryMap.view().bbox);
  const r = await s.gql(`query($f: PlatformFilter!) { platformClusters(filter: $f, zoom: 3) { located } }`, { f: { bbox: box } });
  return r.data!.platformClusters.located;
}

it("draws the server's cells zoomed out, the platforms zoomed in, and the ordinary map for a narrower filter", async () => {
  const context = await offlineContext(browser, s.url, { width: 1400 });
  const errors: string[] = [];
  // the blocked tile requests are the browser's own reports; anything else is a fault
  const page = watchPage(await context.newPage(), errors, { allowConsole: /Failed to load resource/ });
  try {
    await page.goto(`${s.url}/map`);
    await settled(page, 0);
    // the whole city: cells, each platform in view counted once, and no error shown
    let st = await mapState(page);
    expect(st.viewMode).toBe(true);
    expect(st.cells).toBeGreaterThan(0);
    expect(st.cellsLocated).toBe(await locatedInView(page));
    expect(st.cellsLocated).toBeGreaterThan(EXTRA);
    expect(await page.locator("#message").textContent()).not.toMatch(/could not load|at most/i);
    const drawn = await page.evaluate(() => {
      let n = 0;
      (globalThis as any).document.querySelectorAll("#map .server-cluster").forEach((c: { textContent: string }) => (n += Number(c.textContent.trim())));
      return n + (globalThis as any).document.querySelectorAll("#map .cell-single").length;
    });
    expect(drawn).toBe(st.cellsLocated);
    expect(await page.locator("#summary").textContent()).toMatch(/platforms in this view: zoom in to list them/);

    // zoomed in on the grid: few enough to draw and list, one marker each
    await moveTo(page, 23.15, 113.36, 17);
    st = await mapState(page);
    expect(st.viewMode).toBe(true);
    expect(st.cells).toBe(0);
    const inView = await locatedInView(page);
    expect(inView).toBeGreaterThan(0);
    expect(inView).toBeLessThanOrEqual(2000);
    const counts = await page.evaluate(() => ({
      markers: (globalThis as any).__registryMap.markerCount(),
      list: (globalThis as any).__registryMap.listCount(),
    }));
    expect(counts).toEqual({ markers: inView, list: inView });

    // a cell zoomed into from the city: a click zooms to its platforms
    await moveTo(page, 23.13, 113.3, 10);
    const before = (await page.evaluate(() => (globalThis as any).__registryMap.view().zoom)) as number;
    const g = (await mapState(page)).generation;
    await page.locator("#map .server-cluster").first().click();
    await settled(page, g);
    expect((await page.evaluate(() => (globalThis as any).__registryMap.view().zoom)) as number).toBeGreaterThan(before);

    // a filter one answer holds: the ordinary map again
    const g2 = (await mapState(page)).generation;
    await page.selectOption("#f-district", "440112");
    await settled(page, g2);
    st = await mapState(page);
    expect(st.viewMode).toBe(false);
    const api = await s.gql(`{ platformsGeoJSON(filter: { districts: ["440112"] }) }`);
    expect(await page.evaluate(() => (globalThis as any).__registryMap.markerCount())).toBe(api.data!.platformsGeoJSON.features.length);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
}, 120_000);

it("refuses one GeoJSON answer for the whole city without counting every platform, and says how to narrow it", async () => {
  const whole = await s.gql(`{ platformsGeoJSON }`);
  expect(whole.errors?.[0].message).toMatch(/^more than 10000 located platforms match; platformsGeoJSON returns at most 10000\./);
  expect(whole.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter", max: 10_000, matchedAtLeast: 10_001 });
  // converted in Node, the rows are counted exactly
  const gcj = await s.gql(`{ platformsGeoJSON(crs: GCJ02) }`);
  expect(gcj.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", max: 10_000, matched: await located() });
  // an answer that fits counts the platforms without a point exactly; a bbox holds none
  const districts = await s.gql(`{ platformsGeoJSON(filter: { districts: ["440106"] }) }`);
  const [{ n }] = await s.running.db.dataSource.query(
    `SELECT count(*)::int AS n FROM platform WHERE district_code = '440106' AND lng IS NULL AND archived_at IS NULL`,
  );
  expect(districts.data!.platformsGeoJSON.numberWithoutLocation).toBe(n);
  const box = await s.gql(`{ platformsGeoJSON(filter: { bbox: [113.2, 23.0, 113.5, 23.2] }) }`);
  expect(box.errors?.[0].extensions?.matchedAtLeast).toBe(10_001);
  const small = await s.gql(`{ platformsGeoJSON(filter: { bbox: [113.3, 23.1, 113.31, 23.11] }) }`);
  expect(small.data!.platformsGeoJSON.numberWithoutLocation).toBe(0);
  expect(small.data!.platformsGeoJSON.features.length).toBeGreaterThan(0);
});

/** Located, non-archived platforms in the database. */
async function located(): Promise<number> {
  const [{ n }] = await s.running.db.dataSource.query(`SELECT count(*)::int AS n FROM platform WHERE lng IS NOT NULL AND archived_at IS NULL`);
  return n;
}
