/**
 * The registry's server-rendered pages (the front door at `/`, the OGC pages as HTML): one layout,
 * one stylesheet and one icon served by this server, every value from the data escaped, and the
 * same strict Content-Security-Policy as /map and /desk (no inline script or style at all).
 */
import escapeHtml from "escape-html";
import type { Request, Response } from "express";
import { pageCsp } from "../../csp";

/** Markup that is already safe to send; everything else put into `html` is escaped. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | null | undefined | false | Html[];

const render = (v: Part): string =>
  v === null || v === undefined || v === false ? "" : Array.isArray(v) ? v.map(render).join("") : v instanceof Html ? v.text : escapeHtml(String(v));

/** A tagged template: interpolated values are escaped unless they are Html (or lists of Html). */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  values.forEach((v, i) => (out += render(v) + strings[i + 1]));
  return new Html(out);
}

export const STYLESHEET = "/assets/registry.css";
export const ICON_SVG = "/favicon.svg";

/** A whole page. `lang` is the language of most of its text; passages in another carry their own lang. */
export function page(o: { lang: string; title: string; body: Html }): string {
  return html`<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title}</title>
<link rel="icon" href="${ICON_SVG}" type="image/svg+xml">
<link rel="stylesheet" href="${STYLESHEET}">
</head>
<body>
${o.body}
</body>
</html>
`.text;
}

const HEADERS = { "Content-Security-Policy": pageCsp(), "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" };

export function sendPage(res: Response, body: string): void {
  res.set(HEADERS).type("text/html; charset=utf-8").send(body);
}

/**
 * Whether to answer HTML: `f=html`, or no `f` and an Accept header that prefers text/html to the
 * JSON types of `json` (a browser's does; a client that sends none, or `*∕*`, gets JSON).
 */
export function wantsHtml(req: Request, json: string[] = ["application/json"]): boolean {
  const f = req.query.f;
  if (f !== undefined) return f === "html";
  return req.accepts([...json, "text/html"]) === "text/html";
}
