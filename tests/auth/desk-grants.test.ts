/**
 * The desk with a grant of an agency within a district, in a real browser (Debian's Chromium through
 * playwright-core): the header says how many platforms the token may change and where; "My platforms"
 * lists exactly the agency's platforms in that district; the same agency's platform elsewhere and
 * another agency's platform in the district are read-only, and the API refuses them when the form is
 * forced; a platform inside the grant is changed from the form.
 */
import { chromium, type Browser, type Page } from "playwright-core";
import { createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { CHROMIUM, ARGS, offlineContext, watchPage } from "../support/browser";

declare const document: any, location: any;

let s: TestServer;
let browser: Browser;
let token: string;
const problems: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  token = (await createToken(s, { role: "EDITOR", name: "IIT Huangpu desk", grants: [{ agency: "gz-iit", district: "440112" }] })).token;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 120000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.state === "ready" && !(globalThis as any).__desk.busy(), null, { timeout: 15_000 });
}

async function signedIn(): Promise<Page> {
  const context = await offlineContext(browser, s.url);
  // 401 and 403 are answers the tests provoke (a request before the token is given, a platform outside the grants)
  const page = watchPage(await context.newPage(), problems, { allowConsole: /status of 40[13]/ });
  await page.goto(`${s.url}/desk`);
  await ready(page);
  // the English labels (the page may open in Chinese)
  if ((await page.evaluate(() => document.body.dataset.lang)) !== "en") {
    await page.click("#lang-en");
    await ready(page);
  }
  await page.fill("#token", token);
  await page.press("#token", "Enter");
  await page.locator("#view-platforms").waitFor({ state: "visible" });
  await page.locator("#platform-rows tr").first().waitFor();
  await ready(page);
  return page;
}

async function openPlatform(page: Page, id: string): Promise<void> {
  await page.evaluate((h) => (location.hash = h), `#/platform/${id}`);
  await page.waitForFunction((pid) => (globalThis as any).__desk.state.current?.id === pid, id);
  await ready(page);
}

async function candidates() {
  const rows: Array<{ id: string; district_code: string | null; agencies: string[] }> = await s.running.db.dataSource.query(
    `SELECT p.id, p.district_code, coalesce((SELECT array_agg(pa.agency_id) FROM platform_agency pa WHERE pa.platform_id = p.id), '{}') AS agencies
     FROM platform p WHERE p.archived_at IS NULL AND p.status NOT IN ('SUSPENDED', 'CANCELLED', 'OPERATIONAL') ORDER BY p.id`,
  );
  return {
    inside: rows.filter((p) => p.district_code === "440112" && p.agencies.includes("gz-iit")),
    sameAgencyElsewhere: rows.find((p) => p.district_code !== "440112" && p.agencies.includes("gz-iit"))!,
    otherAgencyThere: rows.find((p) => p.district_code === "440112" && !p.agencies.includes("gz-iit"))!,
  };
}

describe("the desk with an agency-within-district grant", () => {
  it("lists exactly the grant's platforms and says how many, and where", async () => {
    const page = await signedIn();
    const api = await s.gql(`{ platforms(filter: { districts: ["440112"], agencies: ["gz-iit"] }, first: 100) { totalCount nodes { id } } }`);
    const expected = api.data!.platforms.nodes.map((n: any) => n.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    const ids = (await page.$$eval("#platform-rows tr", (rows: any[]) => rows.map((r) => r.getAttribute("data-id")))).sort();
    expect(ids).toEqual(expected);
    const who = await page.textContent("#who");
    expect(who).toContain("IIT Huangpu desk");
    expect(who).toMatch(/in Huangpu/);
    expect(await page.textContent("#who-reach")).toBe(`may change ${expected.length} platforms: Huangpu District ${expected.length}`);
    expect(problems.splice(0)).toEqual([]);
  }, 60000);

  it("shows the same agency elsewhere and another agency in the district read-only, and the API refuses them", async () => {
    const { sameAgencyElsewhere, otherAgencyThere } = await candidates();
    const versions = `query($a: ID!, $b: ID!) { a: platform(id: $a) { version } b: platform(id: $b) { version } }`;
    const ids = { a: sameAgencyElsewhere.id, b: otherAgencyThere.id };
    const before = (await s.gql(versions, ids)).data;
    const page = await signedIn();
    for (const p of [sameAgencyElsewhere, otherAgencyThere]) {
      await openPlatform(page, p.id);
      expect(await page.isVisible("#out-of-scope")).toBe(true);
      expect(await page.isVisible("#change-form")).toBe(false);
      // forced open, the server still says no
      await page.evaluate(() => {
        document.getElementById("change-form").hidden = false;
      });
      const options: string[] = await page.$$eval("#c-status option", (os: any[]) => os.map((o) => o.value).filter(Boolean));
      await page.selectOption("#c-status", options[0]);
      await page.fill("#c-date", "2021-01-04");
      await page.fill("#c-src-title", "广州市工业和信息化局通报");
      await page.click("#c-submit");
      await page.locator("#form-err").waitFor({ state: "visible" });
      expect(await page.textContent("#form-err")).toMatch(/outside your scope/);
    }
    expect((await s.gql(versions, ids)).data).toEqual(before);
    problems.splice(0);
  }, 60000);

  it("records a change on a platform inside the grant", async () => {
    const { inside } = await candidates();
    const target = inside[0];
    const { version } = (await s.gql(`query($id: ID!) { platform(id: $id) { version } }`, { id: target.id })).data!.platform;
    const page = await signedIn();
    await openPlatform(page, target.id);
    expect(await page.isVisible("#change-form")).toBe(true);
    const options: string[] = await page.$$eval("#c-status option", (os: any[]) => os.map((o) => o.value).filter(Boolean));
    await page.selectOption("#c-status", options[0]);
    await page.fill("#c-date", "2021-01-04");
    await page.fill("#c-src-title", "广州市工业和信息化局通报");
    await page.click("#c-submit");
    await page.waitForFunction(([pid, v]) => (globalThis as any).__desk.state.current?.id === pid && (globalThis as any).__desk.state.current.version === v, [
      target.id,
      version + 1,
    ] as const);
    const r = await s.gql(`query($id: ID!) { platform(id: $id) { status version statusHistory { actor } } }`, { id: target.id });
    expect(r.data!.platform).toMatchObject({ status: options[0], version: version + 1 });
    expect(r.data!.platform.statusHistory[0].actor).toBe("IIT Huangpu desk");
    expect(problems.splice(0)).toEqual([]);
  }, 60000);
});
