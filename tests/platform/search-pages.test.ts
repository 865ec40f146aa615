/**
 * The desk's and the map's search boxes say how the server read a search (in Chromium): a term that
 * names a district becomes the district filter, and the page shows the reading in its own language.
 */
import { chromium, type Browser, type Page } from "playwright-core";
import { createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { CHROMIUM, ARGS } from "../support/browser";

declare const document: any;

let s: TestServer;
let browser: Browser;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await createToken(s)).token;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 120000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function page(locale: string, url: string): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
  await context.route(
    (u) => u.host !== new URL(s.url).host,
    (route) => route.abort("internetdisconnected"),
  );
  const p = await context.newPage();
  await p.goto(`${s.url}${url}`);
  return p;
}

it("the desk shows the reading of 黃埔 in the page's language, and lists the same platforms as the district filter", async () => {
  const api = await s.gql(
    `{ platforms(filter: { districts: ["440112"] }, first: 100) { totalCount searchInterpretation { summaryHans } } }`,
    {},
    { token: admin },
  );
  const p = await page("zh-CN", "/desk");
  await p.waitForFunction(() => document.body.dataset.state === "ready");
  await p.fill("#token", admin);
  await p.press("#token", "Enter");
  await p.locator("#platform-rows tr").first().waitFor();
  await p.fill("#f-q", "黃埔");
  await p.locator("#search-reading").waitFor({ state: "visible" });
  await p.waitForFunction(() => document.body.dataset.state === "ready" && !(globalThis as any).__desk.busy());
  expect(await p.textContent("#search-reading")).toBe("按此查找：黄埔区");
  expect(await p.$$eval("#platform-rows tr", (r: any[]) => r.length)).toBe(api.data!.platforms.totalCount);
  await p.fill("#f-q", "");
  await p.waitForFunction(() => document.getElementById("search-reading").hidden);
  await p.context().close();
}, 60000);

it("the map shows the reading of huangpu district in English", async () => {
  const p = await page("en-US", "/map?basemap=none&q=huangpu%20district");
  await p.locator("#search-reading").waitFor({ state: "visible" });
  expect(await p.textContent("#search-reading")).toBe("Searched as: Huangpu District");
  await p.context().close();
}, 60000);
