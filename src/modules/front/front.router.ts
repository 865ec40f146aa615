/**
 * The front door: GET / answers a browser (Accept preferring text/html, or `f=html`) with a page in
 * Simplified Chinese and English that says what the registry is, counts its platforms, and links
 * to its pages; every other client falls through to the OGC landing page (JSON), as before. Also
 * the icon, the pages' stylesheet, the GraphQL schema (/schema.graphql) and the README (/README.md).
 *
 * Files are read from the repository root, because `npm start` runs compiled code in dist/.
 */
import fs from "node:fs";
import path from "node:path";
import { Router, type Response } from "express";
import type { Services } from "../../context";
import { repoRoot } from "../../paths";
import { CoordinateSystem } from "../geo/crs";
import { PlatformStatus } from "../platform/platform.enums";
import { PlatformFilter } from "../platform/platform.inputs";
import { compileFilter } from "../platform/platform.query";
import { html, page, sendPage, STYLESHEET, ICON_SVG, wantsHtml } from "./page";

export const ASSETS_DIR = path.join(repoRoot(), "src", "modules", "front", "assets");

/** Status names as the registry's pages write them (Simplified Chinese, English). */
export const STATUS_NAMES: Record<PlatformStatus, [string, string]> = {
  PLANNED: ["规划", "Planned"],
  PREPARING: ["筹建", "Preparing"],
  UNDER_CONSTRUCTION: ["在建", "Under construction"],
  TRIAL_OPERATION: ["试运行", "Trial operation"],
  OPERATIONAL: ["运行", "Operational"],
  SUSPENDED: ["暂停", "Suspended"],
  CANCELLED: ["取消", "Cancelled"],
};

export interface RegistryCounts {
  platforms: number;
  located: number;
  byStatus: Array<{ status: PlatformStatus; count: number }>;
}

/** Platforms (not archived), the located ones, and the count of each status: three statements, through the services. */
export async function registryCounts(services: Services): Promise<RegistryCounts> {
  const all = compileFilter(null);
  const [platforms, facets, located] = await Promise.all([
    services.platforms.count(all),
    services.platforms.facets(all),
    services.geo.page({ filter: new PlatformFilter(), crs: CoordinateSystem.WGS84, limit: 1, cursor: null }),
  ]);
  const byStatus = Object.values(PlatformStatus).map((status) => ({ status, count: facets.status.find((s) => s.value === status)?.count ?? 0 }));
  return { platforms, located: located.numberMatched, byStatus };
}

const n = (x: number) => x.toLocaleString("en-US");

/** The front page: Simplified Chinese first, English after each passage. */
export function frontPage(c: RegistryCounts): string {
  const links: Array<[string, string, string, string, string]> = [
    ["/map", "地图", "Map", "按状态着色的平台地图，可筛选、搜索。", "The platforms on a map, coloured by status, with filters and search."],
    ["/desk", "状态登记台", "Status desk", "记录建设状态的变化（逐条或用表格）。", "Record construction status changes, one by one or from a spreadsheet."],
    ["/graphql", "GraphiQL", "GraphiQL", "在浏览器中编写并运行 GraphQL 查询。", "Write and run GraphQL queries in the browser."],
    [
      "/collections?f=html",
      "OGC 要素集合",
      "OGC collections",
      "OGC API – Features：GIS 软件（QGIS、GDAL）可直接读取。",
      "OGC API – Features: GIS software (QGIS, GDAL) reads it directly.",
    ],
    ["/schema.graphql", "GraphQL 模式", "GraphQL schema", "API 的全部类型与字段（SDL 文本）。", "Every type and field of the API, as SDL text."],
    ["/README.md", "说明文档", "README", "安装、配置与使用说明（英文）。", "How to install, configure and use the registry."],
  ];
  const body = html`<header class="top">
<h1>广州创新平台登记册 <span lang="en" class="en">Guangzhou innovation platform registry</span></h1>
</header>
<main>
<section aria-labelledby="about">
<h2 id="about">简介 <span lang="en" class="en">About</span></h2>
<p>本登记册收录广州市人民政府《广州市建设国际科技产业创新中心三年行动计划（2018—2020年）》（2018年9月14日印发）点名的每一个创新平台：所在区与位置、服务的产业领域、建设状态及其变化、责任单位，以及计划中点名它的原文。</p>
<p lang="en">This registry holds every innovation platform named in the Guangzhou Municipal People's Government's <i>Three-Year Action Plan for Building Guangzhou into an International Science, Technology and Industry Innovation Centre (2018–2020)</i>, issued on 14 September 2018: where each one is, the industries it serves, its construction status and history, who is responsible for it, and the words of the plan that name it.</p>
</section>
<section aria-labelledby="counts">
<h2 id="counts">数量 <span lang="en" class="en">Counts</span></h2>
<table>
<caption>平台 <span lang="en">Platforms</span></caption>
<tbody>
<tr><th scope="row">全部平台 <span lang="en" class="en">All platforms</span></th><td class="num" id="count-platforms">${n(c.platforms)}</td></tr>
<tr><th scope="row">有坐标（在地图上） <span lang="en" class="en">Located (on the map)</span></th><td class="num" id="count-located">${n(c.located)}</td></tr>
<tr><th scope="row">无坐标 <span lang="en" class="en">Without a location</span></th><td class="num">${n(c.platforms - c.located)}</td></tr>
</tbody>
</table>
<table>
<caption>按建设状态 <span lang="en">By construction status</span></caption>
<thead><tr><th scope="col">状态 <span lang="en">Status</span></th><th scope="col">数量 <span lang="en">Count</span></th></tr></thead>
<tbody>
${c.byStatus.map((s) => html`<tr><th scope="row">${STATUS_NAMES[s.status][0]} <span lang="en" class="en">${STATUS_NAMES[s.status][1]}</span></th><td class="num" data-status="${s.status}">${n(s.count)}</td></tr>\n`)}</tbody>
</table>
</section>
<section aria-labelledby="pages">
<h2 id="pages">页面与接口 <span lang="en" class="en">Pages and interfaces</span></h2>
<ul class="cards">
${links.map(([href, zh, en, dzh, den]) => html`<li><a href="${href}">${zh}${zh === en ? "" : html` <span lang="en">${en}</span>`}</a><p>${dzh}</p><p lang="en" class="en">${den}</p></li>\n`)}</ul>
</section>
</main>
<footer><p>OGC API 首页（JSON） <span lang="en">OGC landing page (JSON)</span>: <a href="/?f=json">/?f=json</a> · OpenAPI: <a href="/api">/api</a></p></footer>`;
  return page({ lang: "zh-CN", title: "广州创新平台登记册 · Guangzhou innovation platform registry", body });
}

export function createFrontRouter({ services }: { services: Services }): Router {
  const router = Router();
  // Read once at start: a missing file fails the server's start, not a visitor's request.
  const asset = (name: string) => fs.readFileSync(path.join(ASSETS_DIR, name));
  const icon = { svg: asset("favicon.svg"), ico: asset("favicon.ico"), css: asset("registry.css") };
  const STATIC = { "Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff" };

  router.get("/", async (req, res, next) => {
    res.vary("Accept"); // HTML or JSON, by the Accept header
    if (!wantsHtml(req)) return next(); // the OGC landing page (JSON)
    try {
      sendPage(res, frontPage(await registryCounts(services)));
    } catch (err) {
      next(err);
    }
  });
  router.get(ICON_SVG, (_req, res) => void res.set(STATIC).type("image/svg+xml").send(icon.svg));
  router.get("/favicon.ico", (_req, res) => void res.set(STATIC).type("image/x-icon").send(icon.ico));
  router.get(STYLESHEET, (_req, res) => void res.set(STATIC).type("text/css; charset=utf-8").send(icon.css));

  // Documents of the repository, sent as they are on disk (a deployment without them answers 404).
  const documents: Record<string, [string, string]> = {
    "/schema.graphql": [path.join(repoRoot(), "schema", "schema.graphql"), "text/plain; charset=utf-8"],
    "/README.md": [path.join(repoRoot(), "README.md"), "text/markdown; charset=utf-8"],
  };
  for (const [route, [file, type]] of Object.entries(documents)) {
    router.get(route, (_req, res: Response, next) => {
      res.sendFile(file, { dotfiles: "allow", headers: { "Content-Type": type, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" } }, (err) => {
        if (err && !res.headersSent) next(Object.assign(new Error(`${route} is not part of this deployment`), { status: 404 }));
      });
    });
  }
  return router;
}
