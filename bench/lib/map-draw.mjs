/**
 * The map page in Chromium on the benchmark's database: how long /map takes to draw, then to redraw
 * after a pan and after zooms in and out, with the page's own readiness signal (data-state "ready"
 * for the latest load) as the end of each step. Debian's Chromium through playwright-core (the
 * registry's own dev dependency); run.mjs installs Chromium first when it draws the map
 * (`provisionChromium`), as `npm test` does; tile hosts blocked, as on this machine.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./dist.mjs";

const chromiumPath = () => ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));

/**
 * Installs Debian's Chromium when it is missing and this may (root with apt-get), through the test
 * suite's provisioning script; otherwise that script prints what to install. Answers whether
 * Chromium is there afterwards.
 */
export function provisionChromium() {
  if (chromiumPath()) return true;
  spawnSync(process.execPath, [path.join(ROOT, "tests", "support", "provision.mjs"), "--only=chromium", "--for=npm run bench"], { stdio: "inherit" });
  return !!chromiumPath();
}
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The page's load after `generation` has finished. */
async function settled(page, generation, timeout) {
  await page.waitForFunction(
    (g) => {
      const m = globalThis.__registryMap;
      return !!m && m.state.generation > g && m.state.loaded === m.state.generation && globalThis.document.body.dataset.state === "ready";
    },
    generation,
    { timeout },
  );
}

const state = (page) => page.evaluate(() => globalThis.__registryMap.state);
/** What the page draws: markers of the clusterer, server cells and their counts. */
const drawn = (page) =>
  page.evaluate(() => {
    let inCells = 0;
    globalThis.document.querySelectorAll("#map .server-cluster").forEach((c) => (inCells += Number(c.textContent.trim()) || 0));
    return { markers: globalThis.__registryMap.markerCount(), cells: globalThis.document.querySelectorAll("#map .server-cluster").length, inCells };
  });

/**
 * Opens `${url}/map`, times the first draw, then each step (pan, zoom in twice, zoom out).
 * Answers { firstDrawMs, steps: [{ step, ms, viewMode, markers, cells }], errors } or { skipped }.
 */
export async function measureMap(url, { timeout = 120_000 } = {}) {
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch {
    return { skipped: "playwright-core is not installed (the registry's npm ci installs it)" };
  }
  const executablePath = chromiumPath();
  if (!executablePath) return { skipped: "no Chromium at /usr/bin/chromium (apt-get install chromium)" };
  const browser = await chromium.launch({ executablePath, args: ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "zh-CN" });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.route(
      (u) => u.host !== new URL(url).host,
      (route) => route.abort("internetdisconnected"),
    );
    const t0 = performance.now();
    await page.goto(`${url}/map`);
    await settled(page, 0, timeout);
    const firstDrawMs = Math.round(performance.now() - t0);
    const first = { ...(await drawn(page)), viewMode: (await state(page)).viewMode };
    const steps = [];
    // each step from the centre of the view before it: [name, degrees east, zoom (null: keep)]
    for (const [step, east, zoom] of [
      ["pan 5 km east", 0.05, null],
      ["zoom in to 13", 0, 13],
      ["zoom in to 17", 0, 17],
      ["zoom out to 9", 0, 9],
    ]) {
      const view = await page.evaluate(() => globalThis.__registryMap.view());
      const lat = (view.bbox[1] + view.bbox[3]) / 2;
      const lng = (view.bbox[0] + view.bbox[2]) / 2 + east;
      const before = await state(page);
      const t = performance.now();
      await page.evaluate(([a, b, z]) => globalThis.__registryMap.setView(a, b, z), [lat, lng, zoom ?? Math.round(view.zoom)]);
      // in view mode a move reloads the view; otherwise the markers are all loaded and redrawn at once
      if (before.viewMode) await settled(page, before.generation, timeout);
      else await page.evaluate(() => new Promise((r) => globalThis.requestAnimationFrame(() => globalThis.requestAnimationFrame(r))));
      const st = await state(page);
      steps.push({ step, ms: Math.round(performance.now() - t), viewMode: st.viewMode, ...(await drawn(page)) });
    }
    const message = await page.locator("#message").textContent();
    await context.close();
    return { firstDrawMs, first, steps, errors, message: /could not load|at most/i.test(message ?? "") ? message : null };
  } finally {
    await browser.close();
  }
}
