/**
 * The map page in a real browser (Debian's Chromium through playwright-core) against the real
 * server and data. Tile hosts are blocked throughout, as on a machine with no internet (this one,
 * and CI): every marker must still show. Markers are counted two ways: the page's own count
 * (markers in the cluster group) and what is drawn (single marker icons plus the numbers on
 * cluster icons, with the whole set in view); both must equal the API's count for the same filter.
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createToken, recordStatus } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { CHROMIUM, ARGS, mapSettled } from "../support/browser";

const ARTIFACTS = path.join(__dirname, "..", "artifacts");
const OSM = "tile.openstreetmap.org";
const AMAP = "webrd02.is.autonavi.com";

let s: TestServer;
let browser: Browser;

interface Opened {
  page: Page;
  context: BrowserContext;
  /** Every request the page made (blocked ones included). */
  requests: Array<{ url: URL; method: string; contentType: string | undefined }>;
  failed: string[];
  badResponses: string[];
  consoleErrors: Array<{ text: string; url: string }>;
  pageErrors: string[];
}

/** Opens a page of the map with every tile host blocked, recording what it does. */
async function open(query = ""): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  const o: Opened = { page, context, requests: [], failed: [], badResponses: [], consoleErrors: [], pageErrors: [] };
  page.on("request", (r) => o.requests.push({ url: new URL(r.url()), method: r.method(), contentType: r.headers()["content-type"] }));
  page.on("requestfailed", (r) => o.failed.push(r.url()));
  page.on("response", (r) => {
    if (r.status() >= 400) o.badResponses.push(`${r.status()} ${r.url()}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error") o.consoleErrors.push({ text: m.text(), url: m.location().url });
  });
  page.on("pageerror", (e) => o.pageErrors.push(e.message));
  // No internet: anything not from the test server fails, like a DNS failure would.
  await page.route(
    (url) => url.host !== new URL(s.url).host,
    (route) => route.abort("internetdisconnected"),
  );
  await page.goto(`${s.url}/map${query}`);
  await settled(page, 0);
  return o;
}

/** Waits until the page has finished the load after `generation` (filters reload the markers). */
const settled = (page: Page, generation: number) => mapSettled(page, generation, 20_000);

const generation = (page: Page) => page.evaluate(() => (globalThis as any).__registryMap.state.generation as number);

async function change(page: Page, act: () => Promise<unknown>): Promise<void> {
  const g = await generation(page);
  await act();
  await settled(page, g);
}

/** The API's answer for a filter: platformsGeoJSON, the query the page itself uses. */
async function api(filter: Record<string, unknown> | null, crs = "WGS84", asOf: string | null = null) {
  const r = await s.gql(`query($f: PlatformFilter, $crs: CoordinateSystem, $asOf: Date) { platformsGeoJSON(filter: $f, crs: $crs, asOf: $asOf) }`, {
    f: filter,
    crs,
    asOf,
  });
  expect(r.errors).toBeUndefined();
  return r.data!.platformsGeoJSON as { features: Array<{ id: string; geometry: { coordinates: [number, number] } }>; numberWithoutLocation: number };
}

/** Markers counted by the page, listed beside the map, and drawn (with all of them in view). */
async function counts(page: Page) {
  await page.evaluate(() => (globalThis as any).__registryMap.fitAll());
  return page.evaluate(() => {
    const m = (globalThis as any).__registryMap;
    return { markers: m.markerCount(), drawn: m.drawnCount(), list: m.listCount(), ids: [...m.featureIds()].sort(), listIds: [...m.listIds()].sort() };
  });
}

async function expectSameAsApi(page: Page, filter: Record<string, unknown> | null) {
  const expected = await api(filter);
  const c = await counts(page);
  const ids = expected.features.map((f) => f.id).sort();
  expect(c.markers).toBe(expected.features.length);
  expect(c.drawn).toBe(expected.features.length);
  expect(c.list).toBe(expected.features.length);
  expect(c.ids).toEqual(ids);
  expect(c.listIds).toEqual(ids);
  return expected;
}

/** Nothing but the test server and (blocked) tile hosts; no console errors but the browser's own reports of blocked tiles. */
function expectClean(o: Opened, tileHosts: string[]) {
  const server = new URL(s.url).host;
  const hosts = new Set(o.requests.map((r) => r.url.host));
  for (const h of hosts) expect([server, ...tileHosts]).toContain(h);
  for (const r of o.requests.filter((x) => x.url.pathname === "/graphql")) {
    expect(r.method).toBe("POST");
    expect(r.contentType).toBe("application/json");
  }
  expect(o.failed.filter((u) => new URL(u).host === server)).toEqual([]);
  expect(o.badResponses).toEqual([]);
  expect(o.pageErrors).toEqual([]);
  const unexpected = o.consoleErrors.filter((e) => !(/^Failed to load resource/.test(e.text) && tileHosts.includes(new URL(e.url).host)));
  expect(unexpected).toEqual([]);
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`The map tests need Chromium at ${CHROMIUM}, which is missing: apt-get install -y chromium`);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  s = await startTestServer();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe("the map page", () => {
  it("shows every located platform and the district centres with no tiles, from this server only", async () => {
    const o = await open();
    try {
      const { page } = o;
      const all = await expectSameAsApi(page, null);
      expect(all.features.length).toBeGreaterThan(40);
      const summary = await page.textContent("#summary");
      expect(summary).toContain(`${all.features.length} platforms on the map`);
      expect(summary).toContain(`${all.numberWithoutLocation} more match but have no location`);

      // tiles failed: the page says so and draws a plain background
      expect(o.requests.some((r) => r.url.host === OSM)).toBe(true);
      await page.waitForFunction(() => (globalThis as any).__registryMap.state.tilesFailed);
      expect(await page.getAttribute("#map", "class")).toContain("no-tiles");
      expect(await page.textContent("#message")).toMatch(/tiles could not be loaded/);

      const labels: Array<{ text: string }> = await page.evaluate(() => (globalThis as any).__registryMap.districtLabels());
      const districts: any = await s.gql(`{ districts { nameHans nameEn centroidLng centroidLat } }`);
      expect(labels.length).toBe(districts.data.districts.length);
      for (const d of districts.data.districts) expect(labels.map((l) => l.text)).toContainEqual(expect.stringContaining(d.nameHans));

      // the filters offer every district, and the enums
      expect(await page.locator("#f-district option").count()).toBe(districts.data.districts.length + 1);
      expect(await page.locator("#f-status option").count()).toBe(8);
      expect(await page.locator("#f-kind option").count()).toBe(15);
      expect(await page.locator("#f-domain option").count()).toBeGreaterThan(30);
      expectClean(o, [OSM]);
    } finally {
      await o.context.close();
    }
  });

  it("keeps markers and list equal to the API's platforms for every filter", async () => {
    const o = await open();
    try {
      const { page } = o;
      await change(page, () => page.selectOption("#f-district", "440112"));
      await expectSameAsApi(page, { districts: ["440112"] });
      expect(new URL(page.url()).searchParams.get("district")).toBe("440112");

      // a status that some located biomed platform in Huangpu has (statuses change as platforms are built)
      const biomed = await api({ districts: ["440112"], domains: ["biomed"] });
      expect(biomed.features.length).toBeGreaterThan(0);
      const status = (biomed.features[0] as unknown as { properties: { status: string } }).properties.status;
      await change(page, () => page.selectOption("#f-status", status));
      await expectSameAsApi(page, { districts: ["440112"], statuses: [status] });

      await change(page, () => page.selectOption("#f-domain", "biomed"));
      const narrow = await expectSameAsApi(page, { districts: ["440112"], statuses: [status], domains: ["biomed"] });
      expect(narrow.features.length).toBeGreaterThan(0);

      await change(page, () => page.click("#f-reset"));
      await change(page, () => page.selectOption("#f-kind", "OVERSEAS_OFFICE"));
      expect((await expectSameAsApi(page, { kinds: ["OVERSEAS_OFFICE"] })).features.length).toBeGreaterThan(0);

      await change(page, () => page.click("#f-reset"));
      await change(page, () => page.fill("#f-q", "生物岛"));
      expect((await expectSameAsApi(page, { search: "生物岛" })).features.length).toBeGreaterThan(0);

      // a filter in the address opens the map filtered
      const shared = await open("?status=OPERATIONAL&kind=UNIVERSITY");
      try {
        await expectSameAsApi(shared.page, { statuses: ["OPERATIONAL"], kinds: ["UNIVERSITY"] });
        expectClean(shared, [OSM]);
      } finally {
        await shared.context.close();
      }
      expectClean(o, [OSM]);
    } finally {
      await o.context.close();
    }
  });

  it("shows the status as of a date: presets for the plan's date, its end and today, kept in the address", async () => {
    const o = await open();
    try {
      const { page } = o;
      const statusesOf = async () => page.evaluate(() => (globalThis as any).__registryMap.markerStatuses() as Record<string, string>);
      const expectStatusesOn = async (asOf: string | null) => {
        const want = await api(null, "WGS84", asOf);
        const got = await statusesOf();
        expect(Object.keys(got).sort()).toEqual(want.features.map((f) => f.id).sort());
        expect(got).toEqual(Object.fromEntries(want.features.map((f: any) => [f.id, f.properties.status])));
      };
      for (const [button, asOf] of [
        ["Plan issued", "2018-09-14"],
        ["Plan's end", "2020-12-31"],
      ]) {
        await change(page, () => page.getByRole("button", { name: button }).click());
        expect(await page.inputValue("#f-asof")).toBe(asOf);
        expect(new URL(page.url()).searchParams.get("asOf")).toBe(asOf);
        expect(await page.getAttribute(`button[data-asof="${asOf}"]`, "aria-pressed")).toBe("true");
        await expectStatusesOn(asOf);
        expect(await page.textContent("#summary")).toContain(
          `status as of ${new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${asOf}T00:00:00Z`))}`,
        );
      }
      // a status filter applies to the status on that date
      await change(page, () => page.selectOption("#f-status", "UNDER_CONSTRUCTION"));
      expect((await counts(page)).ids).toEqual((await api({ statuses: ["UNDER_CONSTRUCTION"] }, "WGS84", "2020-12-31")).features.map((f) => f.id).sort());
      await change(page, () => page.click("#f-reset"));
      expect(await page.inputValue("#f-asof")).toBe("");
      await expectStatusesOn(null);
      const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
      await change(page, () => page.getByRole("button", { name: "Today" }).click());
      expect(await page.inputValue("#f-asof")).toBe(today);
      await expectStatusesOn(null);

      const shared = await open("?asOf=2018-09-14&kind=LABORATORY");
      try {
        expect(await shared.page.inputValue("#f-asof")).toBe("2018-09-14");
        expect((await counts(shared.page)).ids).toEqual((await api({ kinds: ["LABORATORY"] }, "WGS84", "2018-09-14")).features.map((f) => f.id).sort());
        expectClean(shared, [OSM]);
      } finally {
        await shared.context.close();
      }
      expectClean(o, [OSM]);
    } finally {
      await o.context.close();
    }
  });

  it("opens a platform's details from a marker and from the list", async () => {
    const o = await open("?district=440112");
    try {
      const { page } = o;
      // Click a real marker icon: open clusters (zoom, then spiderfy) until one is drawn.
      for (let i = 0; i < 8 && !(await page.locator(".leaflet-marker-pane .platform-marker").count()); i++) {
        await page.locator(".leaflet-marker-pane .marker-cluster").first().click();
        await page.waitForTimeout(700);
      }
      const marker = page.locator(".leaflet-marker-pane .platform-marker").first();
      await marker.click();
      await page.waitForSelector("#detail[data-state=ready]");
      const id = await page.getAttribute("#detail", "data-id");
      expect(id).toBeTruthy();
      expect(await marker.getAttribute("class")).toContain("selected");
      const r: any = await s.gql(
        `query($id: ID!) { platform(id: $id) { nameHans nameHant nameEn kind status agencies { nameHans nameEn } statusHistory { to effectiveDate datePrecision } mentions { section excerpt } } }`,
        { id },
      );
      const p = r.data.platform;
      const text = (await page.textContent("#detail"))!;
      for (const t of [p.nameHans, p.nameHant, p.nameEn]) expect(text).toContain(t);
      for (const a of p.agencies) expect(text).toContain(a.nameHans);
      for (const m of p.mentions) expect(text).toContain(m.excerpt);
      expect(await page.locator("#detail .history li").count()).toBe(p.statusHistory.length);
      expect(p.statusHistory.length).toBeGreaterThan(0);
      // a date only as precise as its source (2019-03-28, 2019-03 or 2019), written in the page's language
      const latest = p.statusHistory[0];
      const time = page.locator("#detail .history li time").first();
      expect(await time.getAttribute("datetime")).toBe(latest.effectiveDate);
      const shape = { DAY: { dateStyle: "long" }, MONTH: { year: "numeric", month: "long" }, YEAR: { year: "numeric" } }[
        latest.datePrecision as "DAY" | "MONTH" | "YEAR"
      ] as Intl.DateTimeFormatOptions;
      expect(await time.textContent()).toBe(
        new Intl.DateTimeFormat("en-US", { ...shape, timeZone: "UTC" }).format(new Date(`${latest.effectiveDate}T00:00:00Z`)),
      );
      expect(await page.locator(`#list li.selected button[data-id="${id}"]`).count()).toBe(1);

      // from the list: another platform's details, and its marker is shown
      const other = await page.locator("#list button.item").nth(2).getAttribute("data-id");
      await page.locator("#list button.item").nth(2).click();
      await page.waitForFunction(
        (x) =>
          (globalThis as any).document.querySelector("#detail")?.getAttribute("data-id") === x &&
          (globalThis as any).document.querySelector("#detail")?.getAttribute("data-state") === "ready",
        other,
      );
      await page.waitForTimeout(800);
      expect(await page.locator(".leaflet-marker-pane .platform-marker.selected").count()).toBe(1);

      // the artifact: all of the filter's markers, the details beside them
      await page.evaluate(() => (globalThis as any).__registryMap.fitAll());
      await page.screenshot({ path: path.join(ARTIFACTS, "map.png") });
      await page.click("#detail-close");
      expect(await page.isHidden("#detail")).toBe(true);
      expectClean(o, [OSM]);
    } finally {
      await o.context.close();
    }
  });

  it("pairs an AMap (GCJ-02) basemap with GCJ-02 markers and district centres", async () => {
    const o = await open("?basemap=amap");
    try {
      const { page } = o;
      expect(await page.evaluate(() => (globalThis as any).__registryMap.state.crs)).toBe("GCJ02");
      const gcj = await api(null, "GCJ02");
      const positions: Record<string, [number, number]> = await page.evaluate(() => (globalThis as any).__registryMap.markerPositions());
      expect(Object.keys(positions).length).toBe(gcj.features.length);
      for (const f of gcj.features) {
        expect(positions[f.id][0]).toBeCloseTo(f.geometry.coordinates[0], 9);
        expect(positions[f.id][1]).toBeCloseTo(f.geometry.coordinates[1], 9);
      }
      const c = await counts(page);
      expect(c.drawn).toBe(gcj.features.length);
      // district centres moved the same way (their centroids are stored in WGS-84)
      const labels: Array<{ lng: number; lat: number; text: string }> = await page.evaluate(() => (globalThis as any).__registryMap.districtLabels());
      const districts: any = await s.gql(`{ districts { nameHans centroidLng centroidLat } }`);
      for (const d of districts.data.districts) {
        const l = labels.find((x) => x.text.includes(d.nameHans))!;
        const dLng = l.lng - d.centroidLng,
          dLat = l.lat - d.centroidLat;
        expect(Math.hypot(dLng * 102_000, dLat * 111_000)).toBeGreaterThan(100); // ~m at 23°N
        expect(Math.hypot(dLng * 102_000, dLat * 111_000)).toBeLessThan(700);
      }
      expect(o.requests.some((r) => r.url.host === AMAP)).toBe(true);
      expect(await page.textContent("#summary")).toContain("coordinates GCJ02");
      expectClean(o, [AMAP]);
    } finally {
      await o.context.close();
    }
  });

  it("takes any tile template, and its coordinate system, from the address", async () => {
    const tiles = encodeURIComponent("https://tiles.example.test/{z}/{x}/{y}.png");
    const o = await open(`?tiles=${tiles}&tileCrs=GCJ02`);
    try {
      expect(await o.page.evaluate(() => (globalThis as any).__registryMap.state.crs)).toBe("GCJ02");
      expect(o.requests.some((r) => r.url.host === "tiles.example.test")).toBe(true);
      expect((await counts(o.page)).drawn).toBe((await api(null, "GCJ02")).features.length);
      expectClean(o, ["tiles.example.test"]);
    } finally {
      await o.context.close();
    }
    const bad = await open(`?tiles=javascript:alert(1)`);
    try {
      expect(await bad.page.textContent("#message")).toMatch(/tiles parameter must be/);
      expect((await counts(bad.page)).drawn).toBe((await api(null)).features.length);
      expectClean(bad, []);
    } finally {
      await bad.context.close();
    }
  });

  it("updates live: a status change made through the API recolours its marker", async () => {
    const o = await open();
    try {
      await o.page.waitForFunction(() => (globalThis as any).__registryMap.live.state === "connected", undefined, { timeout: 10_000 });
      const id = "sun-yat-sen-university";
      const before = await o.page.evaluate((x) => (globalThis as any).__registryMap.statusOf(x), id);
      expect(before).toBe("OPERATIONAL");
      const { token } = await createToken(s, { name: "map live test", role: "ADMIN" });
      await recordStatus(s, token, { id, status: "SUSPENDED", effectiveDate: "2020-02-01", source: { title: "test" } });
      await o.page.waitForFunction((x) => (globalThis as any).__registryMap.statusOf(x) === "SUSPENDED", id, { timeout: 5_000 });
      expect(await o.page.evaluate(() => (globalThis as any).__registryMap.live.events)).toBeGreaterThanOrEqual(1);
      expectClean(o, [OSM]);
    } finally {
      await o.context.close();
    }
  });
});
