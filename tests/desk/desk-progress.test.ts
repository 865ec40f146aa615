/**
 * The desk's plan progress in a real browser (Debian's Chromium through playwright-core) against the
 * real server and data, with every other host blocked: the "as of" date and its presets read the
 * registry's counts on that date, each target shows the published figure against the plan's, and the
 * page prints on A4 with the table alone (print media, an A4-wide page, and a PDF from the browser).
 */
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createPlatform, createToken, recordStatus } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { CHROMIUM, ARGS, AXE, offlineContext, watchPage } from "../support/browser";

declare const document: any, window: any, getComputedStyle: any;

let s: TestServer;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  context = await offlineContext(browser, s.url);
});
afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await s?.close();
});
afterEach(() => {
  expect(problems.splice(0)).toEqual([]);
});

async function open(): Promise<Page> {
  const page = watchPage(await context.newPage(), problems, { responses: true });
  await page.goto(`${s.url}/desk#/progress`);
  await page.locator("#target-rows tr").first().waitFor();
  await settled(page);
  return page;
}

async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.state === "ready" && !window.__desk.busy(), null, { timeout: 15_000 });
}

/** What the table shows, per target: the registry count, and the progress against the published figure. */
const shown = (page: Page) =>
  page.$$eval("#target-rows tr", (rows: any[]) =>
    Object.fromEntries(
      rows.map((r) => [
        r.getAttribute("data-target"),
        {
          count: r.children[5].textContent,
          progress: r.getAttribute("data-progress"),
        },
      ]),
    ),
  );

async function api(asOf: string) {
  const r = await s.gql(`query($asOf: Date) { targets(asOf: $asOf) { id registryCount progress } }`, { asOf });
  expect(r.errors).toBeUndefined();
  return Object.fromEntries(r.data!.targets.map((t: any) => [t.id, { count: t.registryCount == null ? "—" : String(t.registryCount), progress: t.progress }]));
}

describe("plan progress", () => {
  it("reads the registry's counts on the chosen date, with presets for the plan's date, its end and today", async () => {
    const admin = (await createToken(s, { role: "ADMIN" })).token;
    // a Guangdong laboratory that opened in 2021: counted at today's date, not at the plan's end
    const lab = await createPlatform(s, admin, { kind: "LABORATORY", level: "PROVINCIAL", status: "UNDER_CONSTRUCTION", effectiveDate: "2019-01-01" });
    await recordStatus(s, admin, {
      id: lab.id,
      status: "OPERATIONAL",
      effectiveDate: "2021-03-01",
      source: { title: "测试来源" },
      expectedVersion: lab.version,
    });
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const page = await open();
    expect(await page.inputValue("#asof-date")).toBe(today);
    expect(await shown(page)).toEqual(await api(today));

    for (const [name, date] of [
      ["Plan issued", "2018-09-14"],
      ["Plan's end", "2020-12-31"],
      ["Today", today],
    ]) {
      await page.getByRole("button", { name }).click();
      await page.waitForFunction((d) => window.__desk.state.targetsAsOf === d, date);
      await settled(page);
      expect(await page.inputValue("#asof-date")).toBe(date);
      expect(await page.getAttribute(`button[data-asof]:is([data-asof="${date}"], [data-asof="today"])[aria-pressed="true"]`, "data-asof")).toBe(
        name === "Today" ? "today" : date,
      );
      expect(await page.textContent("#progress-asof-line")).toContain(
        new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${date}T00:00:00Z`)),
      );
      expect(await shown(page)).toEqual(await api(date));
    }
    const end = await api("2020-12-31"),
      now = await api(today);
    expect(Number(now["2020-guangdong-laboratories-end"].count)).toBe(Number(end["2020-guangdong-laboratories-end"].count) + 1);

    // a typed date works too
    await page.fill("#asof-date", "2019-12-31");
    await page.dispatchEvent("#asof-date", "change");
    await page.waitForFunction(() => window.__desk.state.targetsAsOf === "2019-12-31");
    await settled(page);
    expect(await shown(page)).toEqual(await api("2019-12-31"));

    await page.evaluate(AXE);
    const bad = await page.evaluate(async () =>
      (await window.axe.run(document, { resultTypes: ["violations"] })).violations
        .filter((v: any) => v.impact === "serious" || v.impact === "critical")
        .map((v: any) => v.id),
    );
    expect(bad).toEqual([]);
    await page.close();
  });

  it("prints on A4: the table and its date only, nothing wider than the page", async () => {
    const page = await open();
    await page.emulateMedia({ media: "print" });
    // A4's printable width at the stylesheet's margins: 210 mm - 24 mm = 186 mm ≈ 703 CSS px
    await page.setViewportSize({ width: 703, height: 1000 });
    const layout = await page.evaluate(() => {
      const visible = (sel: string) => {
        const n = document.querySelector(sel);
        return !!n && getComputedStyle(n).display !== "none" && n.getBoundingClientRect().height > 0;
      };
      return {
        scrollWidth: document.documentElement.scrollWidth,
        tableWidth: document.getElementById("targets").getBoundingClientRect().width,
        header: visible(".top"),
        controls: visible("#progress-asof"),
        table: visible("#targets"),
        date: visible("#progress-asof-line"),
      };
    });
    expect(layout).toMatchObject({ header: false, controls: false, table: true, date: true });
    expect(layout.scrollWidth).toBeLessThanOrEqual(703);
    expect(layout.tableWidth).toBeLessThanOrEqual(703);
    const pdf = await page.pdf({ format: "A4", preferCSSPageSize: true });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBeGreaterThan(0);
    expect(pages).toBeLessThanOrEqual(6);
    await page.close();
  });
});
