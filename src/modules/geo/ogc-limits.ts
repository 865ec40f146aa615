/** The OGC API's fixed values, shared by its routes (ogc.ts) and its OpenAPI description (openapi.ts). */

/** Features per page when the client names no `limit`. */
export const DEFAULT_LIMIT = 100;
/** The largest `limit` a client may ask for. */
export const MAX_LIMIT = 10_000;
/** WGS-84 longitude/latitude, the only storage CRS. */
export const CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
