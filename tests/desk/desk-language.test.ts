/**
 * The desk's languages in a real browser: a zh-CN browser opens it in Simplified Chinese, zh-TW
 * (and zh-HK) in Traditional, en-US in English, each found by role and label; `<html lang>` says
 * which; an error from the API is shown from its code and field in the page's language, not as the
 * server's English sentence; the switch changes the language and a reload keeps it, above the
 * browser's; axe-core finds no serious or critical violation in any language.
 */
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { CHROMIUM, ARGS, expectAccessible, offlineContext, watchPage } from "../support/browser";

declare const document: any, location: any, localStorage: any;

const TOWN = "tianhe-internet-plus-town"; // Tianhe (440106): a science town, in the editor's scope

let s: TestServer;
let browser: Browser;
let editor: string;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

/** What each language must show; the English sentences are the desk's, not the server's. */
const LANGS = [
  {
    locale: "zh-CN",
    html: "zh-CN",
    signIn: "登录",
    token: "API 令牌",
    kindLabel: "类型",
    town: "科技小镇",
    status: "在建",
    shown: /^显示 \d+ 个平台$/,
    urlError: "来源网址须以 http:// 或 https:// 开头。",
    history: "变更历史（最新在前）",
  },
  {
    locale: "zh-TW",
    html: "zh-TW",
    signIn: "登錄",
    token: "API 令牌",
    kindLabel: "類型",
    town: "科技小鎮",
    status: "在建",
    shown: /^顯示 \d+ 個平台$/,
    urlError: "來源網址須以 http:// 或 https:// 開頭。",
    history: "變更歷史（最新在前）",
  },
  {
    locale: "en-US",
    html: "en",
    signIn: "Sign in",
    token: "API token",
    kindLabel: "Kind",
    town: "Science town",
    status: "Under construction",
    shown: /^\d+ platforms shown$/,
    urlError: "The source URL must be an http(s) URL.",
    history: "History (newest first)",
  },
];

async function open(locale: string, hash = ""): Promise<Page> {
  const context = await offlineContext(browser, s.url, { locale });
  contexts.push(context);
  const page = watchPage(await context.newPage(), problems);
  await page.goto(`${s.url}/desk${hash}`);
  await ready(page);
  return page;
}

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.state === "ready" && !(globalThis as any).__desk.busy(), null, { timeout: 15_000 });
}

beforeAll(async () => {
  s = await startTestServer();
  editor = (await createToken(s, { name: "Tianhe office", role: "EDITOR", districts: ["440106"] })).token;
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

describe("the desk's language", () => {
  it.each(LANGS)("opens in the browser's language ($locale): labels, kinds, statuses, counts and API errors", async (L) => {
    const page = await open(L.locale);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(L.html);
    // the first language is the page's: the button's name starts with it
    const signIn = page.getByRole("button", { name: new RegExp(`^${L.signIn}`) });
    await expect(signIn.count()).resolves.toBe(1);
    expect(await signIn.locator(".l1").textContent()).toBe(L.signIn);
    expect(
      await page
        .getByRole("button", { name: new RegExp(`^${L.signIn}`) })
        .locator(".l1")
        .getAttribute("lang"),
    ).toBe(L.html);
    expect(await page.getByRole("button", { pressed: true }).textContent()).toBe({ "zh-CN": "简体中文", "zh-TW": "繁體中文", en: "English" }[L.html]);
    await expectAccessible(page, `sign in, ${L.locale}`);

    await page.getByLabel(new RegExp(`^${L.token}`)).fill(editor);
    await signIn.click();
    await page.locator("#platform-rows tr").first().waitFor();
    await ready(page);
    expect(await page.textContent("#list-count")).toMatch(L.shown);
    // the kind select, found by its label, names kinds in the page's language
    const kinds = await page
      .getByRole("combobox", { name: new RegExp(`^${L.kindLabel}`) })
      .locator("option")
      .allTextContents();
    expect(kinds.map((k) => k.split(" · ")[0])).toContain(L.town);
    const townRow = page.locator(`#platform-rows tr[data-id="${TOWN}"]`);
    expect(await townRow.locator("td").nth(2).textContent()).toBe(L.town);
    await expectAccessible(page, `my platforms, ${L.locale}`);

    // a platform's name in the page's script, where the data has it
    const names = (await s.gql(`query($id: ID!) { platform(id: $id) { nameHans nameHant nameEn status } }`, { id: TOWN })).data!.platform;
    const expectedName = { "zh-CN": names.nameHans, "zh-TW": names.nameHant, en: names.nameEn }[L.html];
    expect(await townRow.locator("a").textContent()).toBe(expectedName);

    await page.evaluate((h) => (location.hash = h), `#/platform/${TOWN}`);
    await page.waitForFunction((pid) => (globalThis as any).__desk.state.current?.id === pid, TOWN);
    await ready(page);
    expect(names.status).toBe("UNDER_CONSTRUCTION");
    expect(await page.textContent("#current-status")).toBe(L.status);
    await expect(page.getByRole("heading", { name: new RegExp(`^${L.history.replace(/[()（）]/g, ".")}`) }).count()).resolves.toBe(1);

    // The API refuses a non-http URL in English; the page says it in its own language, from code and field
    const answer = page.waitForResponse((r) => r.url().endsWith("/graphql") && r.request().postData()!.includes("updatePlatformStatus"));
    await page.selectOption("#c-status", "TRIAL_OPERATION");
    await page.fill("#c-date", "2020-01-15");
    await page.fill("#c-src-title", "天河区重点项目通报");
    await page.fill("#c-src-url", "ftp://example.gov.cn/x");
    await page.click("#c-submit");
    const body = await (await answer).json();
    const error = body.errors[0];
    expect(error.extensions.code).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(error.extensions)).toContain("source.url");
    await page.locator("#c-src-url-err").waitFor({ state: "visible" });
    await ready(page);
    expect(await page.textContent("#c-src-url-err")).toBe(L.urlError);
    expect(await page.textContent("#c-src-url-err")).not.toContain(error.message);
    expect(await page.getAttribute("#c-src-url", "aria-invalid")).toBe("true");
    await expectAccessible(page, `one platform with an API error, ${L.locale}`);

    // switched, the error is said again in the new language
    const next = LANGS[(LANGS.indexOf(L) + 1) % LANGS.length];
    await page.getByRole("button", { name: { "zh-CN": "简体中文", "zh-TW": "繁體中文", en: "English" }[next.html] }).click();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(next.html);
    expect(await page.textContent("#c-src-url-err")).toBe(next.urlError);
    expect(await page.textContent("#current-status")).toBe(next.status);
  });

  it("reads Traditional from zh-HK and a stored two-way choice from before; the switch is remembered above the browser's", async () => {
    const hk = await open("zh-HK");
    expect(await hk.evaluate(() => document.documentElement.lang)).toBe("zh-TW");
    const tags: Record<string, string | null> = await hk.evaluate(() => {
      const I = (globalThis as any).RegistryI18n;
      const out: Record<string, string | null> = {};
      for (const t of ["zh-CN", "zh-SG", "zh-Hans", "zh-Hans-HK", "zh", "zh-TW", "zh-HK", "zh-MO", "zh-Hant", "en-GB", "fr-FR"]) out[t] = I.fromTag(t);
      return out;
    });
    expect(tags).toEqual({
      "zh-CN": "zh-CN",
      "zh-SG": "zh-CN",
      "zh-Hans": "zh-CN",
      "zh-Hans-HK": "zh-CN",
      zh: "zh-CN",
      "zh-TW": "zh-TW",
      "zh-HK": "zh-TW",
      "zh-MO": "zh-TW",
      "zh-Hant": "zh-TW",
      "en-GB": "en",
      "fr-FR": null,
    });

    // a browser asking for French gets English
    const fr = await open("fr-FR");
    expect(await fr.evaluate(() => document.documentElement.lang)).toBe("en");
    // the desk's earlier stored choice ("zh") still means Simplified
    await fr.evaluate(() => localStorage.setItem("registry.desk.lang", "zh"));
    await fr.reload();
    await ready(fr);
    expect(await fr.evaluate(() => document.documentElement.lang)).toBe("zh-CN");

    // zh-CN browser: switch to Traditional, then English; each survives a reload
    const page = await open("zh-CN", "#/progress");
    await page.locator("#target-rows tr").first().waitFor();
    expect(await page.locator("#progress-h .l1").textContent()).toBe("计划进度");
    await page.getByRole("button", { name: "繁體中文" }).click();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-TW");
    expect(await page.locator("#progress-h .l1").textContent()).toBe("計劃進度");
    expect(await page.getByRole("button", { name: /^打印/ }).count()).toBe(1);
    expect(await page.locator('label[for="asof-date"] .l1').textContent()).toBe("截至日期");
    expect(await page.getByRole("button", { name: "繁體中文" }).getAttribute("aria-pressed")).toBe("true");
    await expectAccessible(page, "plan progress, zh-TW");
    await page.reload();
    await ready(page);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-TW");
    expect(await page.locator("#progress-h .l1").textContent()).toBe("計劃進度");
    expect(await page.evaluate(() => localStorage.getItem("registry.lang"))).toBe("zh-TW");
    await page.getByRole("button", { name: "English" }).click();
    expect(await page.locator("#progress-h .l1").textContent()).toBe("Plan progress");
    await page.reload();
    await ready(page);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    expect(await page.locator("#nav-progress .l1").textContent()).toBe("Plan progress");
  });
});
