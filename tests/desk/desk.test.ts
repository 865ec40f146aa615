/**
 * The status desk in a real browser (Debian's Chromium through playwright-core) against the real
 * server and data, with every host but the test server blocked (no internet). An editor signs in,
 * finds a platform in scope, records a change (after a refused one, with the error beside its
 * field) and sees it in the history; cannot change a platform outside its scope; two tabs change
 * one platform and the second sees the conflict and re-applies; a spreadsheet with one bad row
 * changes nothing and names the row and column; the language toggle switches every label; axe-core
 * finds no serious or critical violation on any view.
 *
 * The spreadsheet page: a GB18030 file's Chinese notes shown as read before Confirm, an .xlsx, a
 * stale file (preview one, choose another: Confirm waits for the new preview and records only it),
 * the limits, and the pre-filled sheet downloaded with the signed-in token.
 *
 * DESK_SCREENSHOT=1 writes docs/desk.png and docs/desk-sheet.png (the README's pictures) from this run; Chinese text needs a CJK
 * font on the machine (Debian: fonts-wqy-zenhei or fonts-noto-cjk), else it draws as boxes.
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { csvFile, xlsxFile, xlsxRows } from "../support/sheets";
import { CHROMIUM, ARGS, expectAccessible, offlineContext, watchPage } from "../support/browser";

// Functions passed to page.evaluate run in the browser; the tests compile without the DOM library, so its globals are loosely typed here
declare const document: any, location: any, sessionStorage: any, localStorage: any, window: any;
type HTMLButtonElement = { disabled: boolean };
type HTMLOptionElement = { value: string };

const TOWN = "tianhe-internet-plus-town"; // Tianhe (440106): in the editor's scope
const LAB = "joint-laboratory-of-chemical-geodynamics"; // Tianhe
const BASE = "guangzhou-sci-tech-achievements-transformation-base"; // Tianhe
const HUANGPU = "human-cell-lineage-research-facility"; // Huangpu (440112): outside the scope
const HEADER = "id,status,effectiveDate,note,sourceTitle,sourceUrl,sourcePublishedAt,expectedVersion";

let s: TestServer;
let browser: Browser;
let editor: string, admin: string;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

async function platform(id: string): Promise<{ status: string; version: number; statusHistory: Array<{ to: string; actor: string }> }> {
  const r = await s.gql(`query($id: ID!) { platform(id: $id) { status version statusHistory { to actor } } }`, { id });
  return r.data!.platform;
}

async function newContext(): Promise<BrowserContext> {
  const context = await offlineContext(browser, s.url);
  contexts.push(context);
  return context;
}

/** A tab on /desk that records page errors, console errors and failed responses. */
async function open(context: BrowserContext, hash = ""): Promise<Page> {
  const page = watchPage(await context.newPage(), problems, { responses: true });
  await page.goto(`${s.url}/desk${hash}`);
  await ready(page);
  return page;
}

/** Nothing in flight. */
async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.state === "ready" && !(globalThis as any).__desk.busy(), null, { timeout: 15_000 });
}

async function signIn(page: Page, token: string): Promise<void> {
  // by keyboard: focus the field, type, Enter
  await page.focus("#token");
  await page.keyboard.type(token);
  await page.keyboard.press("Enter");
  await page.locator("#view-platforms").waitFor({ state: "visible" });
  await page.locator("#platform-rows tr").first().waitFor();
  await ready(page);
}

async function openPlatform(page: Page, id: string): Promise<void> {
  await page.evaluate((h) => (location.hash = h), `#/platform/${id}`);
  await page.waitForFunction((pid) => (globalThis as any).__desk.state.current?.id === pid, id);
  await ready(page);
}

async function record(page: Page, change: { status: string; date: string; title: string; url?: string; published?: string; note?: string }): Promise<void> {
  await page.selectOption("#c-status", change.status);
  await page.fill("#c-date", change.date);
  await page.fill("#c-note", change.note ?? "");
  await page.fill("#c-src-title", change.title);
  await page.fill("#c-src-url", change.url ?? "");
  await page.fill("#c-src-date", change.published ?? "");
  await page.focus("#c-submit");
  await page.keyboard.press("Enter");
  await page.waitForTimeout(50);
  await ready(page);
}

beforeAll(async () => {
  s = await startTestServer();
  editor = (await createToken(s, { name: "Tianhe office", role: "EDITOR", districts: ["440106"] })).token;
  admin = (await createToken(s, { name: "city admin", role: "ADMIN" })).token;
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

describe("the status desk", () => {
  it("is served from this server with a strict policy, and the template is a CSV", async () => {
    const res = await fetch(`${s.url}/desk`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await res.text();
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script: only the JSON config block and /desk/desk.js
    expect(html).not.toMatch(/https?:\/\//);
    const t = await fetch(`${s.url}/desk/template.csv`);
    expect(t.headers.get("content-type")).toMatch(/^text\/csv/);
    // a byte-order mark, then the bilingual header: each cell the Chinese label and the column's code
    const template = Buffer.from(await t.arrayBuffer());
    expect([...template.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(template.toString("utf8").slice(1)).toBe(
      "平台编号 id,新状态 status,生效日期 effectiveDate,备注 note,来源标题 sourceTitle,来源网址 sourceUrl,来源发布日期 sourcePublishedAt,版本 expectedVersion\r\n",
    );
  });

  it("refuses a bad token with a clear message; signs an editor in for this tab only; signs out", async () => {
    const context = await newContext();
    const page = await open(context);
    await expectAccessible(page, "sign in");
    await page.fill("#token", "gzr_aaaaaaaaaaaa_" + "b".repeat(43));
    await page.press("#token", "Enter");
    await page.locator("#token-err").waitFor({ state: "visible" });
    expect(await page.textContent("#token-err")).toMatch(/not valid or has been revoked/);
    expect(await page.getAttribute("#token", "aria-invalid")).toBe("true");
    // the API answers a refused token with 401, which the browser reports: expected here, and nothing else
    expect(problems.splice(0).filter((p) => !/\b401\b/.test(p))).toEqual([]);
    await page.fill("#token", "");

    await signIn(page, editor);
    expect(await page.textContent("#who")).toContain("Tianhe office");
    expect(await page.evaluate(() => sessionStorage.getItem("registry.desk.token"))).toBe(editor);
    const local = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    expect(local).not.toContain(editor);
    expect(page.url()).not.toContain(editor);
    // only platforms in scope: every row is in Tianhe
    const ids = await page.$$eval("#platform-rows tr", (rows) => rows.map((r) => r.getAttribute("data-id")));
    expect(ids).toContain(TOWN);
    expect(ids).not.toContain(HUANGPU);
    const api = await s.gql(`{ platforms(filter: { districts: ["440106"] }, first: 100) { totalCount } }`);
    expect(ids.length).toBe(api.data!.platforms.totalCount);
    await expectAccessible(page, "my platforms");

    // a reload in the same tab keeps the sign-in; a new tab does not share it
    await page.reload();
    await ready(page);
    expect(await page.isVisible("#view-platforms")).toBe(true);
    const other = await open(context);
    expect(await other.isVisible("#view-signin")).toBe(true);

    await page.click("#sign-out");
    await page.locator("#view-signin").waitFor({ state: "visible" });
    expect(await page.evaluate(() => sessionStorage.getItem("registry.desk.token"))).toBeNull();
    expect(await page.textContent("#message")).toMatch(/token is forgotten/);
  });

  it("finds a platform in scope by a Traditional name, records a change (a refused one first) and shows it in the history", async () => {
    const before = await platform(TOWN);
    expect(before.status).toBe("UNDER_CONSTRUCTION");
    const page = await open(await newContext());
    await signIn(page, editor);
    await page.fill("#f-q", "互聯網小鎮");
    await page.waitForFunction(() => document.querySelectorAll("#platform-rows tr").length === 1);
    await ready(page);
    expect(await page.getAttribute("#platform-rows tr", "data-id")).toBe(TOWN);
    // open it from the keyboard
    await page.focus(`#platform-rows tr[data-id="${TOWN}"] a`);
    await page.keyboard.press("Enter");
    await page.waitForFunction((pid) => (globalThis as any).__desk.state.current?.id === pid, TOWN);
    await ready(page);
    expect(await page.textContent("#current-version")).toBe(String(before.version));
    // the choices are the lifecycle's
    const options = await page.$$eval("#c-status option", (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options.sort()).toEqual(["CANCELLED", "OPERATIONAL", "SUSPENDED", "TRIAL_OPERATION"]);
    expect(await page.isVisible("#correction-field")).toBe(false);
    expect(await page.$$eval("#mentions li q", (q) => q.length)).toBeGreaterThan(0);

    // the keyboard reaches every control of the form
    await page.focus("#c-status");
    const reached: string[] = [];
    for (let i = 0; i < 16; i++) {
      const id = await page.evaluate(() => document.activeElement?.id ?? "");
      if (reached[reached.length - 1] !== id) reached.push(id); // a date field takes a Tab per part
      await page.keyboard.press("Tab");
    }
    expect(reached.slice(0, 7)).toEqual(["c-status", "c-date", "c-note", "c-src-title", "c-src-url", "c-src-date", "c-submit"]);

    // The server refuses a non-http URL: the message stands beside the URL field, nothing is written
    await record(page, { status: "TRIAL_OPERATION", date: "2020-01-15", title: "天河区重点项目通报", url: "ftp://example.gov.cn/x" });
    await page.locator("#c-src-url-err").waitFor({ state: "visible" });
    expect(await page.textContent("#c-src-url-err")).toMatch(/http\(s\) URL/);
    expect(await page.getAttribute("#c-src-url", "aria-invalid")).toBe("true");
    expect((await platform(TOWN)).version).toBe(before.version);
    await expectAccessible(page, "one platform, with an error");

    // A date in the future is caught before asking
    await record(page, { status: "TRIAL_OPERATION", date: "2999-01-01", title: "天河区重点项目通报" });
    expect(await page.textContent("#c-date-err")).toMatch(/future/);

    await record(page, {
      status: "TRIAL_OPERATION",
      date: "2020-01-15",
      title: "天河区重点项目通报",
      url: "https://example.gov.cn/tianhe/1",
      published: "2020-01-20",
      note: "试运行",
    });
    await page.waitForFunction((v) => document.getElementById("current-version")!.textContent === String(v), before.version + 1);
    expect(await page.textContent("#message")).toContain(`version ${before.version + 1}`);
    const first = page.locator("#history li").first();
    expect(await first.textContent()).toMatch(/Under construction → Trial operation · January 15, 2020/);
    expect(await first.textContent()).toContain("Tianhe office");
    expect(await first.locator(".source a").getAttribute("href")).toBe("https://example.gov.cn/tianhe/1");
    const after = await platform(TOWN);
    expect(after).toMatchObject({ status: "TRIAL_OPERATION", version: before.version + 1 });
    expect(after.statusHistory[0]).toEqual({ to: "TRIAL_OPERATION", actor: "Tianhe office" });
    await expectAccessible(page, "one platform, after a change");
    if (process.env.DESK_SCREENSHOT) {
      // the README's picture shows the desk as a zh-CN browser opens it
      await page.click("#lang-zh-CN");
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(__dirname, "..", "..", "docs", "desk.png"), fullPage: false });
      await page.click("#lang-en");
    }
  });

  it("does not let an editor change a platform outside its scope", async () => {
    const before = await platform(HUANGPU);
    const page = await open(await newContext());
    await signIn(page, editor);
    await page.fill("#f-q", "人類細胞");
    await page.waitForTimeout(400);
    await ready(page);
    expect(await page.$$eval("#platform-rows tr", (r) => r.length)).toBe(0);
    await openPlatform(page, HUANGPU);
    expect(await page.isVisible("#out-of-scope")).toBe(true);
    expect(await page.isVisible("#change-form")).toBe(false);
    expect(await page.textContent("#out-of-scope")).toMatch(/outside your scope/);
    // and the API refuses it even when the form is forced open
    await page.evaluate(() => {
      document.getElementById("change-form")!.hidden = false;
    });
    await record(page, { status: "SUSPENDED", date: "2020-01-15", title: "通报" }); // allowed from any status
    await page.locator("#form-err").waitFor({ state: "visible" });
    expect(await page.textContent("#form-err")).toMatch(/outside your scope/);
    expect((await platform(HUANGPU)).version).toBe(before.version);
  });

  it("shows a conflict when another tab changed the platform first, and re-applies on the new version", async () => {
    const before = await platform(LAB);
    expect(before.status).toBe("OPERATIONAL");
    const context = await newContext();
    const a = await open(context);
    await signIn(a, admin);
    const b = await open(context);
    await signIn(b, editor);
    await openPlatform(a, LAB);
    await openPlatform(b, LAB);

    await record(a, { status: "SUSPENDED", date: "2020-02-01", title: "实验室停工通报" });
    await a.waitForFunction((v) => document.getElementById("current-version")!.textContent === String(v), before.version + 1);

    // tab B still shows the old version and records its own change
    expect(await b.textContent("#current-version")).toBe(String(before.version));
    await record(b, { status: "CANCELLED", date: "2020-03-01", title: "实验室撤销通报", note: "撤销" });
    await b.locator("#conflict").waitFor({ state: "visible" });
    expect(await b.textContent("#conflict-text")).toContain(`version ${before.version + 1}`);
    const newer = await b.$$eval("#conflict-events li", (li) => li.map((x) => x.textContent));
    expect(newer).toHaveLength(1);
    expect(newer[0]).toMatch(/Operational → Suspended · February 1, 2020/);
    expect(newer[0]).toContain("city admin");
    expect((await platform(LAB)).version).toBe(before.version + 1); // nothing overwritten
    await expectAccessible(b, "conflict");

    await b.click("#conflict-reapply");
    await b.waitForFunction((v) => document.getElementById("current-version")!.textContent === String(v), before.version + 2);
    expect(await b.isVisible("#conflict")).toBe(false);
    const after = await platform(LAB);
    expect(after.status).toBe("CANCELLED");
    expect(after.statusHistory.slice(0, 2)).toEqual([
      { to: "CANCELLED", actor: "Tianhe office" },
      { to: "SUSPENDED", actor: "city admin" },
    ]);
  });

  it("drops a conflicting change when asked, writing nothing", async () => {
    const before = await platform(BASE);
    const context = await newContext();
    const a = await open(context);
    await signIn(a, admin);
    const b = await open(context);
    await signIn(b, editor);
    await openPlatform(a, BASE);
    await openPlatform(b, BASE);
    await record(a, { status: "PREPARING", date: "2020-02-01", title: "基地筹建通报" });
    await a.waitForFunction((v) => document.getElementById("current-version")!.textContent === String(v), before.version + 1);
    await record(b, { status: "UNDER_CONSTRUCTION", date: "2020-03-01", title: "基地开工通报" });
    await b.locator("#conflict").waitFor({ state: "visible" });
    await b.click("#conflict-drop");
    await b.locator("#conflict").waitFor({ state: "hidden" });
    expect(await b.textContent("#current-version")).toBe(String(before.version + 1));
    expect((await platform(BASE)).version).toBe(before.version + 1);
  });

  it("loads a spreadsheet: one bad row changes nothing and is named by row and column; a good one is recorded", async () => {
    const town = await platform(TOWN);
    const base = await platform(BASE);
    const page = await open(await newContext());
    await signIn(page, editor);
    await page.click("#nav-import");
    await page.locator("#view-import").waitFor({ state: "visible" });
    const bad = [
      HEADER,
      `${TOWN},OPERATIONAL,2020-06-30,,验收通报,https://example.gov.cn/t/2,2020-07-01,${town.version}`,
      `${BASE},UNDER_CONSTRUCTION,2999-01-01,,开工通报,,,${base.version}`,
    ].join("\n");
    await page.setInputFiles("#csv-file", { name: "updates.csv", mimeType: "text/csv", buffer: Buffer.from("\ufeff" + bad, "utf8") });
    await page.click("#import-check");
    await page.locator("#import-problems").waitFor({ state: "visible" });
    await ready(page);
    const rows = await page.$$eval("#import-problem-rows tr", (r) => r.map((x) => [x.getAttribute("data-row"), x.getAttribute("data-column"), x.textContent]));
    expect(rows).toHaveLength(1);
    expect(rows[0][0]).toBe("3");
    expect(rows[0][1]).toBe("effectiveDate");
    expect(rows[0][2]).toMatch(/future/);
    expect(await page.isDisabled("#import-confirm")).toBe(true);
    expect(await page.textContent("#import-summary")).toMatch(/nothing was recorded/);
    expect((await platform(TOWN)).version).toBe(town.version);
    expect((await platform(BASE)).version).toBe(base.version);
    await expectAccessible(page, "spreadsheet with a problem");

    const good = [HEADER, `${TOWN},OPERATIONAL,2020-06-30,,验收通报,https://example.gov.cn/t/2,2020-07-01,${town.version}`].join("\r\n");
    await page.setInputFiles("#csv-file", { name: "updates.csv", mimeType: "text/csv", buffer: Buffer.from(good, "utf8") });
    await page.click("#import-check");
    await page.waitForFunction(() => !(document.getElementById("import-confirm") as HTMLButtonElement).disabled);
    expect(await page.textContent("#import-summary")).toMatch(/changes to record: 1/);
    expect((await platform(TOWN)).version).toBe(town.version); // the preview wrote nothing
    await page.click("#import-confirm");
    await page.waitForFunction(() => /Recorded changes: 1/.test(document.getElementById("import-summary")!.textContent!));
    expect(await platform(TOWN)).toMatchObject({ status: "OPERATIONAL", version: town.version + 1 });
  });

  it("switches every label between English and Chinese, remembers the choice, and shows plan progress", async () => {
    const context = await newContext();
    const page = await open(context, "#/progress");
    const targets = await s.gql(`{ targets { id registryCount valueMin } }`);
    await page.locator("#target-rows tr").first().waitFor();
    expect(await page.$$eval("#target-rows tr", (r) => r.length)).toBe(targets.data!.targets.length);
    const behind = targets
      .data!.targets.filter((t: any) => t.registryCount != null && t.registryCount < t.valueMin)
      .map((t: any) => t.id)
      .sort();
    expect((await page.$$eval('#target-rows tr[data-standing="behind"]', (r) => r.map((x) => x.getAttribute("data-target")))).sort()).toEqual(behind);
    await expectAccessible(page, "plan progress");
    await page.evaluate(() => (location.hash = "#/platforms"));
    await page.locator("#view-signin").waitFor({ state: "visible" });
    await signIn(page, editor);

    /** Every label-like element carries a translated label, primary language first. */
    const labels = (first: string, second: string) =>
      page.evaluate(
        ([l1, l2]) => {
          const out: string[] = [];
          const untranslated = Array.from(document.querySelectorAll("label, legend, button, th, caption, h1, h2, h3, nav a, dt") as any[])
            .filter((n) => !n.querySelector(".l1") && !n.classList.contains("lang-choice") && n.id !== "platform-h")
            .map((n) => n.outerHTML.slice(0, 80));
          for (const n of Array.from(document.querySelectorAll("[data-i18n]") as any[])) {
            const spans = n.querySelectorAll(":scope > span");
            if (
              spans.length !== 2 ||
              spans[0].getAttribute("lang") !== l1 ||
              spans[1].getAttribute("lang") !== l2 ||
              !spans[0].textContent ||
              !spans[1].textContent
            ) {
              out.push(n.outerHTML.slice(0, 80));
            }
          }
          return { wrong: out, untranslated, htmlLang: document.documentElement.lang };
        },
        [first, second],
      );

    expect(await labels("en", "zh-CN")).toEqual({ wrong: [], untranslated: [], htmlLang: "en" });
    expect(await page.textContent('label[for="f-q"] .l1')).toMatch(/^Search/);
    await page.click("#lang-zh-CN");
    expect(await labels("zh-CN", "en")).toEqual({ wrong: [], untranslated: [], htmlLang: "zh-CN" });
    expect(await page.textContent('label[for="f-q"] .l1')).toMatch(/^搜索/);
    expect(await page.textContent("#platform-rows tr td a")).toMatch(/[\u4e00-\u9fff]/);
    expect(await page.$$eval("#f-status option", (o) => o.map((x) => x.textContent))).toContain("在建 · Under construction");
    await expectAccessible(page, "my platforms, in Chinese");
    await openPlatform(page, TOWN);
    expect(await labels("zh-CN", "en")).toEqual({ wrong: [], untranslated: [], htmlLang: "zh-CN" });
    expect(await page.textContent("#current-status")).toBe("运行");
    await expectAccessible(page, "one platform, in Chinese");

    // remembered across a reload (the language only: localStorage holds no token)
    await page.reload();
    await ready(page);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
    expect(await page.evaluate(() => Object.values(localStorage).join("|"))).toBe("zh-CN");
    await page.click("#lang-en");
    expect(await labels("en", "zh-CN")).toEqual({ wrong: [], untranslated: [], htmlLang: "en" });
  });
  it("the spreadsheet page: a GB18030 file's Chinese notes are shown as read before anything is recorded; an .xlsx too", async () => {
    const town = await platform(TOWN);
    const base = await platform(BASE);
    const page = await open(await newContext());
    await signIn(page, editor);
    await page.click("#nav-import");
    await page.locator("#view-import").waitFor({ state: "visible" });
    expect(await page.textContent("#import-limits")).toMatch(/at most 5,000 rows and \d+ KB per file/);
    const notes = ["主体工程完工，进入试运行准备（𠮷）", "设备安装暂停，等待验收"];
    const next = (st: string) => (st === "SUSPENDED" ? "OPERATIONAL" : "SUSPENDED");
    const rows = [
      HEADER.split(","),
      [
        TOWN,
        next(town.status) === "SUSPENDED" ? "暂停" : "运行",
        "2021/7/1",
        notes[0],
        "天河区重点项目进展通报（七月）",
        "",
        "2021年7月2日",
        String(town.version),
      ],
      [BASE, next(base.status) === "SUSPENDED" ? "暂停" : "运行", "2021/7/1", notes[1], "天河区重点项目进展通报（七月）", "", "", String(base.version)],
    ];
    await page.setInputFiles("#csv-file", { name: "状态更新.csv", mimeType: "text/csv", buffer: csvFile(rows, "gb18030") });
    await page.click("#import-check");
    await page.waitForFunction(() => !(document.getElementById("import-confirm") as HTMLButtonElement).disabled);
    await ready(page);
    expect(await page.textContent("#import-summary")).toMatch(/changes to record: 2.*csv \(GB18030\)/);
    expect(await page.$$eval("#import-row-rows .note-cell", (c) => c.map((x) => x.textContent))).toEqual(notes);
    expect(await page.$$eval("#import-row-rows .source-cell", (c) => c.map((x) => x.textContent))).toEqual([
      "天河区重点项目进展通报（七月）",
      "天河区重点项目进展通报（七月）",
    ]);
    expect((await platform(TOWN)).version).toBe(town.version);
    await expectAccessible(page, "spreadsheet preview");
    if (process.env.DESK_SCREENSHOT) {
      await page.click("#lang-zh-CN");
      await page.locator("#import-rows").scrollIntoViewIfNeeded();
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(__dirname, "..", "..", "docs", "desk-sheet.png"), fullPage: true });
      await page.click("#lang-en");
    }

    // the same rows as an .xlsx with date cells
    const xlsx = await xlsxFile([
      { name: "Sheet1", rows: rows.map((r, i) => (i === 0 ? r : [r[0], r[1], new Date(Date.UTC(2021, 6, 1)), r[3], r[4], null, null, Number(r[7])])) },
    ]);
    await page.setInputFiles("#csv-file", {
      name: "状态更新.xlsx",
      mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      buffer: xlsx,
    });
    expect(await page.isDisabled("#import-confirm")).toBe(true);
    await page.click("#import-check");
    await page.waitForFunction(() => !(document.getElementById("import-confirm") as HTMLButtonElement).disabled);
    await ready(page);
    expect(await page.textContent("#import-summary")).toMatch(/changes to record: 2.*xlsx/);
    expect(await page.$$eval("#import-row-rows tr", (r) => r.map((x) => x.children[3].querySelector("time")?.getAttribute("datetime")))).toEqual([
      "2021-07-01",
      "2021-07-01",
    ]);
    expect(await page.$$eval("#import-row-rows .note-cell", (c) => c.map((x) => x.textContent))).toEqual(notes);
  });

  it("choosing another file clears the preview and disables Confirm; Confirm records the file previewed last, only", async () => {
    const town = await platform(TOWN);
    const base = await platform(BASE);
    const next = (st: string) => (st === "SUSPENDED" ? "OPERATIONAL" : "SUSPENDED");
    const page = await open(await newContext());
    await signIn(page, editor);
    await page.click("#nav-import");
    await page.locator("#view-import").waitFor({ state: "visible" });
    const first = csvFile([HEADER.split(","), [TOWN, next(town.status), "2021-08-01", "第一个文件", "通报甲", "", "", String(town.version)]], "utf8-bom");
    const second = csvFile([HEADER.split(","), [BASE, next(base.status), "2021-08-01", "第二个文件", "通报乙", "", "", String(base.version)]], "utf8-bom");

    await page.setInputFiles("#csv-file", { name: "first.csv", mimeType: "text/csv", buffer: first });
    await page.click("#import-check");
    await page.waitForFunction(() => !(document.getElementById("import-confirm") as HTMLButtonElement).disabled);
    await ready(page);
    expect(await page.$$eval("#import-row-rows tr", (r) => r.length)).toBe(1);

    // another file: the earlier preview is gone and Confirm waits for this file's preview
    await page.setInputFiles("#csv-file", { name: "second.csv", mimeType: "text/csv", buffer: second });
    expect(await page.isDisabled("#import-confirm")).toBe(true);
    expect(await page.isVisible("#import-rows")).toBe(false);
    expect(await page.isVisible("#import-problems")).toBe(false);
    expect(await page.textContent("#import-summary")).toBe("");
    expect(await page.isVisible("#message")).toBe(false);

    await page.click("#import-check");
    await page.waitForFunction(() => !(document.getElementById("import-confirm") as HTMLButtonElement).disabled);
    await ready(page);
    expect(await page.$$eval("#import-row-rows tr", (r) => r.map((x) => x.getAttribute("data-row") + " " + x.children[1].textContent))).toEqual([`2 ${BASE}`]);
    await page.click("#import-confirm");
    await page.waitForFunction(() => /Recorded changes: 1/.test(document.getElementById("import-summary")!.textContent!));
    await ready(page);
    expect(await platform(TOWN)).toMatchObject({ status: town.status, version: town.version });
    expect(await platform(BASE)).toMatchObject({ status: next(base.status), version: base.version + 1 });
    expect(await page.isDisabled("#import-confirm")).toBe(true);
  });

  it("states the limits, refuses a file over them before sending it, and downloads the pre-filled sheet with the token", async () => {
    const page = await open(await newContext());
    await signIn(page, editor);
    await page.click("#nav-import");
    await page.locator("#view-import").waitFor({ state: "visible" });
    const max: number = await page.evaluate(() => JSON.parse(document.getElementById("desk-config")!.textContent!).maxFileBytes);
    let asked = 0;
    page.on("request", (r) => {
      if (r.url().endsWith("/graphql") && /importStatusUpdates/.test(r.postData() ?? "")) asked++;
    });
    await page.setInputFiles("#csv-file", { name: "big.csv", mimeType: "text/csv", buffer: Buffer.alloc(max + 1, 0x41) });
    await page.click("#import-check");
    await page.locator("#csv-err").waitFor({ state: "visible" });
    expect(await page.textContent("#csv-err")).toMatch(/too large: at most \d+ KB per upload. Split it into several files \(at most 5,000 rows each\)/);
    expect(asked).toBe(0);

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#sheet-xlsx")]);
    expect(download.suggestedFilename()).toBe("status-sheet.xlsx");
    const ids = (await xlsxRows(fs.readFileSync((await download.path())!))).slice(1).map((r) => String(r[0]));
    const inTianhe = await s.gql(`{ platforms(filter: { districts: ["440106"] }, first: 100) { nodes { id } } }`);
    expect(ids.sort()).toEqual(inTianhe.data!.platforms.nodes.map((n: { id: string }) => n.id).sort());
    const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#sheet-csv")]);
    const bytes = fs.readFileSync((await csv.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString("utf8")).toContain(TOWN);
    expect(bytes.toString("utf8")).not.toContain(HUANGPU);
  });
});
