/**
 * The map page, GET /map: a static page (src/modules/geo/map/) that draws platformsGeoJSON on
 * Leaflet with clustering. Everything it loads comes from this server (Leaflet, its marker
 * clusterer and gcoord from node_modules), so it works with no internet; only basemap tiles
 * come from elsewhere, and the page stays useful without them.
 *
 * Files are read from the repository root, because `npm start` runs compiled code in dist/
 * and the page's files are not compiled.
 */
import { pageCsp } from "../../csp";
import fs from "node:fs";
import path from "node:path";
import express, { Router } from "express";
import { repoRoot } from "../../paths";
import { PlatformKind, PlatformStatus } from "../platform/platform.enums";
import { MAX_GEOJSON_FEATURES } from "./geo.service";
import { packageFile } from "../../ide";

/** The folder of an installed package's main entry (leaflet and the clusterer keep theirs in dist/). */
const packageDir = (name: string) => path.dirname(require.resolve(name));

export const MAP_DIR = path.join(repoRoot(), "src", "modules", "geo", "map");

/**
 * The page's policy: scripts, styles and data from this server only, so text from the data can
 * never run as code. Images (tiles) may come from any http(s) host: the basemap is the user's
 * choice (?tiles=).
 */
const CSP = pageCsp(["https:", "http:"]);

/** Enum values for the filters, rendered into the page so it needs no introspection (which may be off). */
function pageConfig(): string {
  const json = JSON.stringify({ kinds: Object.values(PlatformKind), statuses: Object.values(PlatformStatus), maxFeatures: MAX_GEOJSON_FEATURES });
  return json.replace(/</g, "\\u003c");
}

export function createMapRouter(): Router {
  const router = Router();
  // Read once at start: a missing page fails the server's start, not a visitor's request.
  const html = fs.readFileSync(path.join(MAP_DIR, "index.html"), "utf8").replace("__REGISTRY_CONFIG__", pageConfig());
  const vendor = { maxAge: "1d", index: false as const };
  // The paths below are fixed by the server, never taken from the request, and the project may live
  // under a folder whose name starts with a dot (~/.local/..., CI runners): send's dotfile check on the
  // whole absolute path would answer 404 for every file. express.static checks only the part of the
  // path the request chose.

  router.get("/map", (_req, res) => {
    res.set({ "Content-Security-Policy": CSP, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" });
    res.type("html").send(html);
  });
  for (const file of ["map.js", "map.css"]) {
    router.get(`/map/${file}`, (_req, res) => {
      res.sendFile(path.join(MAP_DIR, file), { dotfiles: "allow", headers: { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" } });
    });
  }
  // The words shared with the desk (three languages, error sentences, Intl helpers)
  router.get("/map/i18n.js", (_req, res) => {
    res.sendFile(path.join(MAP_DIR, "..", "..", "i18n", "i18n.js"), {
      dotfiles: "allow",
      headers: { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" },
    });
  });
  router.use("/map/vendor/leaflet", express.static(packageDir("leaflet"), vendor));
  router.use("/map/vendor/markercluster", express.static(packageDir("leaflet.markercluster"), vendor));
  router.get("/map/vendor/graphql-ws.js", (_req, res) => {
    res.sendFile(packageFile("graphql-ws/umd/graphql-ws.min.js"), { maxAge: "1d", dotfiles: "allow" });
  });
  router.get("/map/vendor/gcoord.js", (_req, res) => {
    res.sendFile(path.join(path.dirname(require.resolve("gcoord")), "dist", "gcoord.global.prod.js"), { maxAge: "1d", dotfiles: "allow" });
  });
  return router;
}
