/**
 * The front door and the OGC pages as HTML, over real HTTP against the seeded registry: a browser's
 * Accept header or `f=html` gets a bilingual page (counts read from the database, the same numbers
 * GraphQL and the OGC endpoint give) that links the registry's pages; every other client gets the
 * OGC landing page as JSON. Then Debian's Chromium opens the pages with every other host blocked,
 * follows each link, and axe-core finds no serious violation.
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../support/server";
import { CHROMIUM, ARGS, AXE } from "../support/browser";

declare const document: any;

const ROOT = path.join(__dirname, "..", "..");
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

let s: TestServer;
let browser: Browser | undefined;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const get = (p: string, accept?: string) => fetch(`${s.url}${p}`, { headers: accept ? { accept } : {} });
const hrefs = (page: string) => [...page.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));

function expectStrictPage(res: Response): void {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
}

describe("GET /", () => {
  it("answers a browser (Accept text/html, or f=html) with the bilingual front page linking the registry's pages", async () => {
    for (const [p, accept] of [
      ["/", BROWSER_ACCEPT],
      ["/?f=html", undefined],
      ["/?f=html", "application/json"],
    ] as const) {
      const res = await get(p, accept);
      expectStrictPage(res);
      const text = await res.text();
      expect(text).toMatch(/^<!doctype html>\n<html lang="zh-CN">/);
      expect(text).toContain("广州创新平台登记册");
      expect(text).toContain("Guangzhou innovation platform registry");
      const links = hrefs(text);
      for (const page of ["/map", "/desk", "/graphql", "/collections?f=html", "/schema.graphql", "/README.md", "/favicon.svg"]) expect(links).toContain(page);
    }
  });

  it("counts what the database holds: the same numbers as GraphQL and the OGC items", async () => {
    const g = await s.gql(`{ platforms(first: 0) { totalCount facets { status { value count } } } }`);
    const { totalCount, facets } = g.data!.platforms;
    const items = (await (await get("/collections/platforms/items?limit=1")).json()) as { numberMatched: number };
    const text = await (await get("/?f=html")).text();
    const cell = (id: string) => Number(new RegExp(`id="${id}">([\\d,]+)<`).exec(text)![1].replace(/,/g, ""));
    expect(cell("count-platforms")).toBe(totalCount);
    expect(cell("count-located")).toBe(items.numberMatched);
    expect(totalCount).toBeGreaterThan(100);
    for (const { value, count } of facets.status) expect(text).toContain(`data-status="${value}">${count.toLocaleString("en-US")}<`);

    // a change in the database shows on the next visit
    const before = cell("count-platforms");
    await s.write(`UPDATE platform SET archived_at = now() WHERE id = (SELECT id FROM platform WHERE archived_at IS NULL ORDER BY id LIMIT 1)`);
    const after = await (await get("/?f=html")).text();
    expect(after).toContain(`id="count-platforms">${(before - 1).toLocaleString("en-US")}<`);
  });

  it("answers every other client with the OGC landing page (JSON), as before", async () => {
    for (const [p, accept] of [
      ["/", "application/json"],
      ["/", undefined],
      ["/", "*/*"],
      ["/?f=json", BROWSER_ACCEPT],
    ] as const) {
      const res = await get(p, accept);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      const body = (await res.json()) as { title: string; links: Array<{ rel: string; href: string; type: string }> };
      expect(body.title).toBe("Guangzhou innovation platform registry");
      const rels = body.links.map((l) => l.rel);
      for (const rel of ["self", "service-desc", "conformance", "data"]) expect(rels).toContain(rel);
      expect(body.links).toContainEqual(expect.objectContaining({ rel: "alternate", type: "text/html", href: `${s.url}/?f=html` }));
    }
    const bad = await get("/?f=xml");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "InvalidParameterValue", parameter: "f" });
  });

  it("serves the icon, the GraphQL schema and the README from the registry itself", async () => {
    const ico = await get("/favicon.ico");
    expect(ico.status).toBe(200);
    expect(ico.headers.get("content-type")).toBe("image/x-icon");
    expect([...new Uint8Array(await ico.arrayBuffer()).slice(0, 4)]).toEqual([0, 0, 1, 0]); // an ICO header
    const svg = await get("/favicon.svg");
    expect(svg.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(await svg.text()).toContain("<svg");
    for (const page of ["/map", "/desk", "/?f=html", "/collections?f=html"]) {
      expect(await (await get(page, BROWSER_ACCEPT)).text()).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
    }
    const schema = await get("/schema.graphql");
    expect(schema.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await schema.text()).toBe(fs.readFileSync(path.join(ROOT, "schema", "schema.graphql"), "utf8"));
    const readme = await get("/README.md");
    expect(readme.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(await readme.text()).toBe(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
  });
});

describe("the OGC pages as HTML", () => {
  it("lists collections, a collection, its queryables, its items and an item as tables; JSON stays the default", async () => {
    for (const p of ["/collections", "/collections/platforms", "/collections/platforms/queryables", "/collections/platforms/items?limit=5"]) {
      for (const [q, accept] of [
        [p.includes("?") ? "&f=html" : "?f=html", undefined],
        ["", BROWSER_ACCEPT],
      ] as const) {
        const res = await get(p + q, accept);
        expectStrictPage(res);
        expect(await res.text()).toContain("<table>");
      }
      const json = await get(p);
      expect(json.headers.get("content-type")).toMatch(/json/);
    }
    const huangpu = (await (await get("/collections/platforms/items?district=440112&limit=100")).json()) as {
      features: Array<{ id: string }>;
      numberMatched: number;
    };
    const page = await (await get("/collections/platforms/items?district=440112&limit=100&f=html")).text();
    expect(page).toContain(`<span id="number-matched">${huangpu.numberMatched}</span>`);
    const rows = [...page.matchAll(/<tr><td><a href="\/collections\/platforms\/items\/([^?"]+)\?f=html">/g)].map((m) => decodeURIComponent(m[1]));
    expect(rows.sort()).toEqual(huangpu.features.map((f) => f.id).sort());
    const one = await get(`/collections/platforms/items/${huangpu.features[0].id}?f=html`);
    expectStrictPage(one);
    expect(await one.text()).toContain("440112");
    // text from the data is escaped, never markup
    expect(page).not.toMatch(/<script/);
  });
});

describe("in a browser", () => {
  it("opens the front page and the OGC pages with nothing blocked, every link answering, and no serious axe violation", async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const context = await browser.newContext({ locale: "zh-CN" });
    await context.route(
      (url) => url.host !== new URL(s.url).host,
      (route) => route.abort("internetdisconnected"),
    );
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    page.on("response", (r) => void (r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`)));
    for (const p of ["/", "/collections", "/collections/platforms/items?limit=20", "/collections/platforms/queryables"]) {
      const res = await page.goto(`${s.url}${p}`);
      expect(res!.headers()["content-type"]).toBe("text/html; charset=utf-8");
      expect(await page.evaluate(() => document.styleSheets.length)).toBe(1); // the stylesheet loaded under the policy
      await page.evaluate(AXE);
      const bad: Array<{ id: string; impact: string }> = await page.evaluate(async () => {
        const r = await (globalThis as any).axe.run(document, { resultTypes: ["violations"] });
        return r.violations.filter((v: any) => v.impact === "serious" || v.impact === "critical").map((v: any) => ({ id: v.id, impact: v.impact }));
      });
      expect({ p, bad }).toEqual({ p, bad: [] });
    }
    expect(problems.splice(0)).toEqual([]);
    await page.goto(`${s.url}/`);
    const links: string[] = await page.evaluate(() => [...document.querySelectorAll("main a")].map((a: any) => a.href));
    expect(links.length).toBe(6);
    for (const href of links) {
      const res = await page.goto(href);
      expect({ href, status: res!.status() }).toEqual({ href, status: 200 }); // (the map's tiles are blocked here: not checked)
    }
  });
});
