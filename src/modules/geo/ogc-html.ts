/**
 * The OGC API pages as HTML, for a browser (`f=html`, or an Accept header preferring text/html):
 * the same documents the JSON answers carry, as plain tables with their links. JSON stays the
 * default for every other client (GDAL, QGIS, scripts).
 */
import { html, page, type Html } from "../front/page";

interface Link {
  href: string;
  rel: string;
  type: string;
  title?: string;
}

/** A link as the HTML page follows it: JSON targets get `f=html`, so a browser stays on pages. */
function htmlHref(l: Link): string {
  if (!/json/.test(l.type)) return l.href;
  const u = new URL(l.href);
  if (!u.pathname.startsWith("/collections")) return l.href;
  u.searchParams.set("f", "html");
  return u.toString();
}

function linksTable(links: Link[]): Html {
  return html`<table>
<caption>链接 <span lang="en">Links</span></caption>
<thead><tr><th scope="col">rel</th><th scope="col">标题 <span lang="en">Title</span></th><th scope="col">type</th></tr></thead>
<tbody>
${links.map((l) => html`<tr><td>${l.rel}</td><td><a href="${htmlHref(l)}">${l.title ?? l.href}</a></td><td>${l.type}</td></tr>\n`)}</tbody>
</table>`;
}

function layout(title: string, crumbs: Array<[string, string]>, main: Html): string {
  const body = html`<header class="top">
<nav class="crumbs" aria-label="位置 Breadcrumbs"><a href="/">首页 <span lang="en">Home</span></a>${crumbs.map(([href, text]) => html` › <a href="${href}">${text}</a>`)}</nav>
<h1 lang="en">${title}</h1>
</header>
<main>
${main}
</main>`;
  return page({ lang: "zh-CN", title: `${title} · 广州创新平台登记册`, body });
}

const jsonLink = (path: string) => html`<p>JSON: <a href="${path}">${path}</a></p>`;

interface CollectionDoc {
  id: string;
  title: string;
  description: string;
  links: Link[];
  extent?: { spatial: { bbox: number[][] } };
}

export function collectionsPage(collections: CollectionDoc[]): string {
  return layout(
    "Collections",
    [["/collections?f=html", "Collections"]],
    html`<table>
<caption>要素集合 <span lang="en">Feature collections</span></caption>
<thead><tr><th scope="col">id</th><th scope="col">标题 <span lang="en">Title</span></th><th scope="col">说明 <span lang="en">Description</span></th><th scope="col">要素 <span lang="en">Items</span></th></tr></thead>
<tbody>
${collections.map((c) => html`<tr><td><a href="/collections/${c.id}?f=html">${c.id}</a></td><td lang="en">${c.title}</td><td lang="en">${c.description}</td><td><a href="/collections/${c.id}/items?f=html">items</a></td></tr>\n`)}</tbody>
</table>
${jsonLink("/collections?f=json")}`,
  );
}

export function collectionPage(c: CollectionDoc): string {
  const bbox = c.extent?.spatial.bbox[0];
  return layout(
    c.title,
    [
      ["/collections?f=html", "Collections"],
      [`/collections/${c.id}?f=html`, c.id],
    ],
    html`<p lang="en">${c.description}</p>
<table>
<caption>集合 <span lang="en">Collection</span></caption>
<tbody>
<tr><th scope="row">id</th><td>${c.id}</td></tr>
<tr><th scope="row">范围 <span lang="en">Extent (CRS84)</span></th><td>${bbox ? bbox.join(", ") : "—"}</td></tr>
</tbody>
</table>
${linksTable(c.links)}
${jsonLink(`/collections/${c.id}?f=json`)}`,
  );
}

interface QueryablesDoc {
  title: string;
  properties: Record<string, { title?: string; description?: string; type?: string; enum?: unknown[]; items?: { enum?: unknown[] } }>;
}

export function queryablesPage(collectionId: string, q: QueryablesDoc): string {
  return layout(
    `${q.title}: queryables`,
    [
      ["/collections?f=html", "Collections"],
      [`/collections/${collectionId}?f=html`, collectionId],
    ],
    html`<table>
<caption>可筛选属性 <span lang="en">Queryables (each a query parameter of /items)</span></caption>
<thead><tr><th scope="col">名称 <span lang="en">Name</span></th><th scope="col">标题 <span lang="en">Title</span></th><th scope="col">类型 <span lang="en">Type</span></th><th scope="col">说明 <span lang="en">Description</span></th><th scope="col">取值 <span lang="en">Values</span></th></tr></thead>
<tbody>
${Object.entries(q.properties).map(([name, p]) => html`<tr><td><code>${name}</code></td><td lang="en">${p.title}</td><td>${p.type}</td><td lang="en">${p.description}</td><td>${(p.enum ?? p.items?.enum ?? []).join(", ")}</td></tr>\n`)}</tbody>
</table>
${jsonLink(`/collections/${collectionId}/queryables?f=json`)}`,
  );
}

interface FeatureDoc {
  id: string;
  geometry: { type: string; coordinates: unknown } | null;
  properties: object;
}

const cell = (v: unknown) => (v === null || v === undefined ? "—" : Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : String(v));
const where = (g: FeatureDoc["geometry"]) => (!g ? "—" : g.type === "Point" ? (g.coordinates as number[]).join(", ") : g.type);

/** One page of items: the feature id (linked), the chosen properties and the geometry, then the page's links. */
export function itemsPage(o: {
  collectionId: string;
  title: string;
  columns: string[];
  features: FeatureDoc[];
  numberMatched: number;
  links: Link[];
  extra?: Html;
}): string {
  return layout(
    `${o.title}: items`,
    [
      ["/collections?f=html", "Collections"],
      [`/collections/${o.collectionId}?f=html`, o.collectionId],
    ],
    html`<p>匹配 <span lang="en">Matched</span>: <span id="number-matched">${o.numberMatched}</span> · 本页 <span lang="en">On this page</span>: ${o.features.length}</p>
${o.extra}
<table>
<caption>要素 <span lang="en">Features</span></caption>
<thead><tr><th scope="col">id</th>${o.columns.map((c) => html`<th scope="col">${c}</th>`)}<th scope="col">geometry</th></tr></thead>
<tbody>
${o.features.map((f) => html`<tr><td><a href="/collections/${o.collectionId}/items/${encodeURIComponent(f.id)}?f=html">${f.id}</a></td>${o.columns.map((c) => html`<td>${cell((f.properties as Record<string, unknown>)[c])}</td>`)}<td>${where(f.geometry)}</td></tr>\n`)}</tbody>
</table>
${linksTable(o.links)}`,
  );
}

export function itemPage(o: { collectionId: string; feature: FeatureDoc; links: Link[] }): string {
  const f = o.feature;
  return layout(
    `${o.collectionId}: ${f.id}`,
    [
      ["/collections?f=html", "Collections"],
      [`/collections/${o.collectionId}/items?f=html`, o.collectionId],
    ],
    html`<table>
<caption>属性 <span lang="en">Properties</span></caption>
<tbody>
<tr><th scope="row">id</th><td>${f.id}</td></tr>
${Object.entries(f.properties).map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${cell(v)}</td></tr>\n`)}<tr><th scope="row">geometry</th><td>${where(f.geometry)}</td></tr>
</tbody>
</table>
${linksTable(o.links)}`,
  );
}
