/**
 * The map's languages in a real browser: zh-CN, zh-TW and en-US browsers get the title, the
 * filters, kinds, statuses, legend, counts and details in Simplified, Traditional or English, found
 * by role and label; `<html lang>` says which; a search the API refuses is explained from its code
 * and field; the switch is remembered; axe-core finds no serious or critical violation.
 */
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startTestServer, type TestServer } from "../support/server";
import { CHROMIUM, ARGS, expectAccessible, mapSettled, offlineContext, watchPage } from "../support/browser";

declare const document: any, localStorage: any;

let s: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

const LANGS = [
  {
    locale: "zh-CN",
    html: "zh-CN",
    title: "广州创新平台",
    kindLabel: "类型",
    statusLabel: "状态",
    legend: "状态图例",
    lab: "实验室",
    construction: "在建",
    centre: "区中心",
    onMap: (n: string) => `地图上有 ${n} 个平台`,
    searchError: "搜索内容至少需要一个字或数字。",
    name: "nameHans" as const,
    history: "状态变更历史",
    asOf: "截至日期",
    presets: ["计划发布", "计划期末", "今天"],
  },
  {
    locale: "zh-TW",
    html: "zh-TW",
    title: "廣州創新平台",
    kindLabel: "類型",
    statusLabel: "狀態",
    legend: "狀態圖例",
    lab: "實驗室",
    construction: "在建",
    centre: "區中心",
    onMap: (n: string) => `地圖上有 ${n} 個平台`,
    searchError: "搜索內容至少需要一個字或數字。",
    name: "nameHant" as const,
    history: "狀態變更歷史",
    asOf: "截至日期",
    presets: ["計劃發佈", "計劃期末", "今天"],
  },
  {
    locale: "en-US",
    html: "en",
    title: "Guangzhou innovation platforms",
    kindLabel: "Kind",
    statusLabel: "Status",
    legend: "Status colours",
    lab: "Laboratory",
    construction: "Under construction",
    centre: "District centre",
    onMap: (n: string) => `${n} platforms on the map`,
    searchError: "The search needs at least one letter or digit.",
    name: "nameEn" as const,
    history: "Status history",
    asOf: "As of",
    presets: ["Plan issued", "Plan's end", "Today"],
  },
];

async function open(locale: string): Promise<Page> {
  const context = await offlineContext(browser, s.url, { locale, width: 1400 });
  contexts.push(context);
  // a 400 is the answer to a search the test makes invalid on purpose
  const page = watchPage(await context.newPage(), problems, { allowConsole: /status of 400/ });
  await page.goto(`${s.url}/map?basemap=none`);
  await settled(page, 0);
  return page;
}

const settled = (page: Page, generation: number) => mapSettled(page, generation);

beforeAll(async () => {
  s = await startTestServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await s?.close();
});
afterEach(() => {
  expect(problems.splice(0)).toEqual([]);
});

describe("the map's language", () => {
  it.each(LANGS)("opens in the browser's language ($locale)", async (L) => {
    const page = await open(L.locale);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(L.html);
    const h1 = page.getByRole("heading", { level: 1 });
    expect(await h1.locator(".title-first").textContent()).toBe(L.title);
    expect(await page.title()).toMatch(new RegExp(`^${L.title}`));

    // filters by their labels, in the page's language
    expect(await page.getByLabel(L.kindLabel, { exact: true }).locator("option").allTextContents()).toContain(L.lab);
    expect(await page.getByLabel(L.statusLabel, { exact: true }).locator("option").allTextContents()).toContain(L.construction);
    // the legend
    const legend = page.getByRole("group", { name: L.legend });
    expect(await legend.textContent()).toContain(L.construction);
    expect(await legend.textContent()).toContain(L.centre);
    expect(await page.getByRole("group", { name: L.asOf }).getByRole("button").allTextContents()).toEqual(L.presets);

    // the count through Intl, with the API's number
    const api = await s.gql(`{ platformsGeoJSON(filter: null) }`);
    const n = api.data!.platformsGeoJSON.features.length as number;
    expect(await page.textContent("#summary")).toContain(L.onMap(new Intl.NumberFormat(L.html).format(n)));

    // names in the page's script, in the list and the details
    const id: string = await page.evaluate(() => (globalThis as any).__registryMap.listIds()[0]);
    const p = (await s.gql(`query($id: ID!) { platform(id: $id) { nameHans nameHant nameEn kind } }`, { id })).data!.platform;
    expect(await page.locator(`#list button[data-id="${id}"] .item-hans`).textContent()).toBe(p[L.name]);
    await page.locator(`#list button[data-id="${id}"]`).click();
    await page.waitForFunction(
      (x) => document.querySelector("#detail")?.getAttribute("data-id") === x && document.querySelector("#detail")?.getAttribute("data-state") === "ready",
      id,
    );
    expect(await page.locator("#detail h2").textContent()).toContain(p[L.name]);
    await expect(page.locator("#detail").getByRole("heading", { name: L.history }).count()).resolves.toBe(1);
    await expectAccessible(page, `map with details, ${L.locale}`);

    // a search the API refuses (no letter or digit): said from its code and field
    const answer = page.waitForResponse((r) => r.url().endsWith("/graphql") && r.request().postData()!.includes("platformsGeoJSON"));
    const g: number = await page.evaluate(() => (globalThis as any).__registryMap.state.generation);
    await page.getByRole("searchbox").fill("！？");
    const error = (await (await answer).json()).errors[0];
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "search" });
    await settled(page, g);
    expect(await page.textContent("#message")).toBe(L.searchError);
    expect(await page.textContent("#message")).not.toContain(error.message);
  });

  it("switches language and keeps the choice after a reload", async () => {
    const page = await open("zh-CN");
    await page.getByRole("button", { name: "English" }).click();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    expect(await page.locator("h1 .title-first").textContent()).toBe("Guangzhou innovation platforms");
    expect(await page.locator("h1 .title-second").textContent()).toBe("广州创新平台");
    expect(await page.textContent("#summary")).toMatch(/platforms on the map/);
    await page.reload();
    await settled(page, 0);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    expect(await page.evaluate(() => localStorage.getItem("registry.lang"))).toBe("en");
    await page.getByRole("button", { name: "繁體中文" }).click();
    expect(await page.locator("h1 .title-first").textContent()).toBe("廣州創新平台");
    expect(await page.getByRole("group", { name: "狀態圖例" }).textContent()).toContain("試運行");
    await expectAccessible(page, "map, switched to zh-TW");

    // a message on screen follows the switch
    const g: number = await page.evaluate(() => (globalThis as any).__registryMap.state.generation);
    await page.getByRole("searchbox").fill("！？");
    await settled(page, g);
    expect(await page.textContent("#message")).toBe("搜索內容至少需要一個字或數字。");
    await page.getByRole("button", { name: "简体中文" }).click();
    expect(await page.textContent("#message")).toBe("搜索内容至少需要一个字或数字。");
    expect(await page.locator("h1 .title-first").textContent()).toBe("广州创新平台");
  });
});
