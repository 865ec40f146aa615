import { Router } from "express";
import type { Services } from "../../context";
import type { Logger } from "../../logger";
import { createMapRouter } from "./map";
import { createOgcRouter } from "./ogc";

/** OGC API – Features endpoints (ogc.ts) and the map page (map.ts); mounted before /graphql. */
export function createGeoRouter(deps: { services: Services; logger: Logger; publicUrl: string | null }): Router {
  const router = Router();
  router.use(createOgcRouter(deps));
  router.use(createMapRouter());
  return router;
}
