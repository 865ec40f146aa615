/**
 * The status desk, GET /desk: a page (src/modules/desk/desk/) where officials record construction
 * status changes one by one or from a spreadsheet, through the same GraphQL API as everyone
 * (updatePlatformStatus, importStatusUpdates, viewer, targets). Everything it loads comes from this
 * server, so it works with no internet; its policy lets nothing run but its own script.
 *
 * Files are read from the repository root, because `npm start` runs compiled code in dist/ and
 * the page's files are not compiled.
 */
import { pageCsp } from "../../csp";
import fs from "node:fs";
import path from "node:path";
import { Router, type NextFunction, type Request, type Response } from "express";
import { ErrorCode } from "../../errors";
import type { Services } from "../../context";
import type { Logger } from "../../logger";
import { PlatformKind, PlatformStatus } from "../platform/platform.enums";
import { CSV_TEMPLATE, MAX_ROWS } from "../status/status-batch.service";
import { currentRequest } from "../../request-context";
import type { Viewer } from "../auth/token.service";

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

/**
 * The largest spreadsheet file the desk can send: it goes to the API in base64 (4 bytes for 3) inside
 * a JSON body of at most BODY_LIMIT bytes, with some room for the query.
 */
export function maxFileBytes(bodyLimitBytes: number): number {
  return Math.max(0, Math.floor(((bodyLimitBytes - 4096) * 3) / 4));
}

/** Enum values and limits rendered into the page, so it needs no introspection (which may be off). */
function pageConfig(bodyLimitBytes: number): string {
  return JSON.stringify({
    kinds: Object.values(PlatformKind),
    statuses: Object.values(PlatformStatus),
    maxRows: MAX_ROWS,
    maxFileBytes: maxFileBytes(bodyLimitBytes),
  }).replace(/</g, "\\u003c");
}

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export function createDeskRouter(deps: { services: Services; logger: Logger; bodyLimitBytes: number }): Router {
  const router = Router();
  const { services } = deps;
  // Read once at start: a missing page fails the server's start, not a visitor's request.
  const html = fs.readFileSync(path.join(DESK_DIR, "index.html"), "utf8").replace("__DESK_CONFIG__", pageConfig(deps.bodyLimitBytes));

  router.get("/desk", (_req, res) => {
    res.set({ ...HEADERS, "Content-Security-Policy": CSP });
    res.type("html").send(html);
  });
  for (const file of ["desk.js", "desk.css"]) {
    router.get(`/desk/${file}`, (_req, res) => {
      res.sendFile(path.join(DESK_DIR, file), { dotfiles: "allow", headers: HEADERS }); // a fixed path: served under dot-folders too
    });
  }
  // The words shared with the map (three languages, error sentences, Intl helpers)
  router.get("/desk/i18n.js", (_req, res) => {
    res.sendFile(path.join(DESK_DIR, "..", "..", "i18n", "i18n.js"), { dotfiles: "allow", headers: HEADERS });
  });
  router.get("/desk/template.csv", (_req, res) => {
    res.set({ ...HEADERS, "Content-Disposition": 'attachment; filename="status-updates.csv"' });
    res.type("text/csv; charset=utf-8").send(CSV_TEMPLATE);
  });

  // The pre-filled sheet: the platforms the caller's token may change. Authorization: Bearer, as the API:
  // the request guards have refused an invalid token already and left the valid one's viewer on the request's state.
  const sheet = (ext: "csv" | "xlsx") => async (req: Request, res: Response, next: NextFunction) => {
    try {
      const viewer = currentRequest()?.viewer as Viewer | null | undefined;
      if (!viewer) {
        res
          .status(401)
          .set({ ...HEADERS, "WWW-Authenticate": "Bearer" })
          .json({
            errors: [{ message: "the sheet needs a token: send Authorization: Bearer <token>", extensions: { code: ErrorCode.UNAUTHENTICATED } }],
          });
        return;
      }
      res.set({ ...HEADERS, "Cache-Control": "no-store", "Content-Disposition": `attachment; filename="status-sheet.${ext}"` });
      if (ext === "csv") res.type("text/csv; charset=utf-8").send(await services.statusSheet.sheetCsv(viewer));
      else res.type(XLSX_TYPE).send(await services.statusSheet.sheetXlsx(viewer));
    } catch (err) {
      next(err);
    }
  };
  router.get("/desk/sheet.csv", sheet("csv"));
  router.get("/desk/sheet.xlsx", sheet("xlsx"));

  // The status history: public, as statusHistory is in the API
  const history = (ext: "csv" | "xlsx") => async (_req: Request, res: Response, next: NextFunction) => {
    try {
      res.set({ ...HEADERS, "Content-Disposition": `attachment; filename="status-history.${ext}"` });
      if (ext === "csv") res.type("text/csv; charset=utf-8").send(await services.statusSheet.historyCsv());
      else res.type(XLSX_TYPE).send(await services.statusSheet.historyXlsx());
    } catch (err) {
      next(err);
    }
  };
  router.get("/desk/history.csv", history("csv"));
  router.get("/desk/history.xlsx", history("xlsx"));
  return router;
}
