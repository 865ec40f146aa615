/**
 * The status desk, GET /desk: a page (src/modules/desk/desk/) where officials record construction
 * status changes one by one or from a spreadsheet, through the same GraphQL API as everyone
 * (updatePlatformStatus, importStatusUpdates, viewer, targets). Everything it loads comes from this
 * server, so it works with no internet; its policy lets nothing run but its own script.
 *
 * Files are read from the repository root, because `npm start` runs compiled code in dist/ and
 * the page's files are not compiled.
 */
import { pageCsp } from "../../http/csp";
import fs from "node:fs";
import path from "node:path";
import { Router } from "express";
import type { Services } from "../../context";
import type { Logger } from "../../logger";
import { PlatformKind, PlatformStatus } from "../platform/platform.enums";
import { CSV_TEMPLATE } from "../status/status-batch.service";

/** The nearest folder above this file that holds package.json (sources, or dist/ when compiled). */
function rootOf(dir: string): string {
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("package.json not found above " + __dirname);
    dir = up;
  }
  return dir;
}

export const DESK_DIR = path.join(rootOf(__dirname), "src", "modules", "desk", "desk");

/** Scripts, styles, data and images from this server only; no inline script or style, no framing elsewhere. */
const CSP = pageCsp();

const HEADERS = { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" };

/** Enum values rendered into the page, so it needs no introspection (which may be off). */
function pageConfig(): string {
  return JSON.stringify({ kinds: Object.values(PlatformKind), statuses: Object.values(PlatformStatus) }).replace(/</g, "\\u003c");
}

export function createDeskRouter(_deps: { services: Services; logger: Logger }): Router {
  const router = Router();
  // Read once at start: a missing page fails the server's start, not a visitor's request.
  const html = fs.readFileSync(path.join(DESK_DIR, "index.html"), "utf8").replace("__DESK_CONFIG__", pageConfig());

  router.get("/desk", (_req, res) => {
    res.set({ ...HEADERS, "Content-Security-Policy": CSP });
    res.type("html").send(html);
  });
  for (const file of ["desk.js", "desk.css"]) {
    router.get(`/desk/${file}`, (_req, res) => {
      res.sendFile(path.join(DESK_DIR, file), { dotfiles: "allow", headers: HEADERS }); // a fixed path: served under dot-folders too
    });
  }
  router.get("/desk/template.csv", (_req, res) => {
    res.set({ ...HEADERS, "Content-Disposition": 'attachment; filename="status-updates.csv"' });
    res.type("text/csv; charset=utf-8").send(CSV_TEMPLATE);
  });
  return router;
}
