/**
 * What the browser tests share: Debian's Chromium as playwright-core launches it here (headless, no
 * background networking: this machine has no internet), axe-core's script, and the accessibility check.
 */
import fs from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";

declare const document: unknown;

export const CHROMIUM = "/usr/bin/chromium";
export const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/**
 * A browser context as on a machine without internet (this one, and CI): every request not to
 * `serverUrl`'s host fails as a DNS failure would.
 */
export async function offlineContext(browser: Browser, serverUrl: string, opts: { locale?: string; width?: number } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, locale: opts.locale ?? "en-US" });
  const host = new URL(serverUrl).host;
  await context.route(
    (url) => url.host !== host,
    (route) => route.abort("internetdisconnected"),
  );
  return context;
}

/**
 * Records what goes wrong on a page into `problems`: uncaught errors, console errors (but those
 * `allowConsole` matches: answers a test provokes on purpose) and, with `responses`, answers of 400 or more.
 */
export function watchPage(page: Page, problems: string[], opts: { allowConsole?: RegExp; responses?: boolean } = {}): Page {
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !opts.allowConsole?.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  if (opts.responses) {
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
  }
  return page;
}

/** Waits until the map page has finished its load after `generation` (a filter or, in view mode, a move starts one). */
export async function mapSettled(page: Page, generation: number, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    (g) => {
      const m = (globalThis as any).__registryMap;
      return !!m && m.state.generation > g && m.state.loaded === m.state.generation && (globalThis as any).document.body.dataset.state === "ready";
    },
    generation,
    { timeout },
  );
}

/** axe-core on the page as it is: no serious or critical violation (named with the view, and each violation's nodes). */
export async function expectAccessible(page: Page, view: string): Promise<void> {
  await page.evaluate(AXE);
  const violations: Array<{ id: string; impact: string; nodes: string[][] }> = await page.evaluate(async () => {
    const r = await (globalThis as any).axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target) }));
  });
  expect({ view, bad: violations.filter((v) => v.impact === "serious" || v.impact === "critical") }).toEqual({ view, bad: [] });
}
