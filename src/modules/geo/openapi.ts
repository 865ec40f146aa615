/**
 * The OGC endpoint's service description: an OpenAPI 3.0 document (GET /api), linked from the
 * landing page with rel `service-desc`, as OGC API – Features Core's OpenAPI 3.0 class asks.
 * GIS clients read it: GDAL's OAPIF driver, for one, takes the query parameters listed for
 * /collections/platforms/items whose names are feature properties as filters it may send to the
 * server (`-where "district = '440112'"` becomes `?district=440112`), and the limit's maximum as
 * its page size.
 */
import { PlatformKind, PlatformLevel, PlatformStatus } from "../platform/platform.enums";
import { CoordinateSystem } from "./crs";
import { CRS84, DEFAULT_LIMIT, MAX_LIMIT } from "./ogc-limits";
import { SCHEMA_JSON, type ReferenceValues } from "./queryables";

export const OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0";

const GEOJSON = "application/geo+json";
const JSON_TYPE = "application/json";

type Schema = Record<string, unknown>;

const query = (name: string, description: string, schema: Schema, extra: Schema = {}) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
  style: "form",
  explode: false,
  ...extra,
});

const csv = (items: Schema): Schema => ({ type: "array", items });

/** The OpenAPI document; `base` is the server's address as the client reached it. */
/** `districts`: the codes of the district outlines served (DISTRICT_OUTLINES), or null when none are. */
export function openApiDocument(base: string, ref: ReferenceValues, districts: string[] | null = null) {
  const errors = {
    "400": { $ref: "#/components/responses/InvalidParameter" },
    "404": { $ref: "#/components/responses/NotFound" },
    "500": { $ref: "#/components/responses/ServerError" },
  };
  const f = (formats: string[]) =>
    query("f", formats.includes("html") ? "Format of the response: JSON (the default) or an HTML page." : "Format of the response; JSON is the only one.", {
      type: "string",
      enum: formats,
    });
  const json = (description: string, schema: Schema = { type: "object" }) => ({ description, content: { [JSON_TYPE]: { schema } } });
  return {
    openapi: "3.0.3",
    info: {
      title: "Guangzhou innovation platform registry – OGC API – Features",
      version: "1.0.0",
      description:
        "The innovation platforms named by Guangzhou's 2018–2020 action plan for an international science, technology and industry " +
        "innovation centre, as GeoJSON Point features (platforms with a location). GraphQL at /graphql; a map at /map.",
      license: { name: "MIT" },
    },
    servers: [{ url: base }],
    tags: [{ name: "Capabilities" }, { name: "Platforms" }, ...(districts ? [{ name: "Districts" }] : [])],
    paths: {
      "/": {
        get: {
          tags: ["Capabilities"],
          summary: "Landing page",
          operationId: "getLandingPage",
          parameters: [f(["json", "html"])],
          responses: { "200": json("Links to the API's resources"), ...errors },
        },
      },
      "/api": {
        get: {
          tags: ["Capabilities"],
          summary: "This document",
          operationId: "getAPI",
          responses: { "200": { description: "The OpenAPI document", content: { [OPENAPI_JSON]: { schema: { type: "object" } } } }, ...errors },
        },
      },
      "/conformance": {
        get: {
          tags: ["Capabilities"],
          summary: "Conformance classes",
          operationId: "getConformance",
          parameters: [f(["json"])],
          responses: { "200": json("The conformance classes", { $ref: "#/components/schemas/ConfClasses" }), ...errors },
        },
      },
      "/collections": {
        get: {
          tags: ["Capabilities"],
          summary: "The collections (one: platforms)",
          operationId: "getCollections",
          parameters: [f(["json", "html"])],
          responses: { "200": json("The collections"), ...errors },
        },
      },
      "/collections/platforms": {
        get: {
          tags: ["Platforms"],
          summary: "The platforms collection and its extent",
          operationId: "getPlatformsCollection",
          parameters: [f(["json", "html"])],
          responses: { "200": json("The collection"), ...errors },
        },
      },
      "/collections/platforms/queryables": {
        get: {
          tags: ["Platforms"],
          summary: "Properties to filter platforms on (each also a query parameter of /items)",
          operationId: "getPlatformsQueryables",
          parameters: [f(["json", "html"])],
          responses: { "200": { description: "A JSON Schema of the queryables", content: { [SCHEMA_JSON]: { schema: { type: "object" } } } }, ...errors },
        },
      },
      "/collections/platforms/items": {
        get: {
          tags: ["Platforms"],
          summary: "Located platforms, filtered, keyset-paged by next links",
          operationId: "getPlatforms",
          parameters: [
            query("limit", `Features per page, 1 to ${MAX_LIMIT}.`, { type: "integer", minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }),
            query("bbox", "minLng,minLat,maxLng,maxLat in CRS84 (6 numbers with heights, which are ignored); no antimeridian crossing.", {
              type: "array",
              minItems: 4,
              maxItems: 6,
              items: { type: "number" },
            }),
            query(
              "datetime",
              "An instant (date or date-time, read as its date in Guangzhou): every feature with its status on that date. An interval (start/end, .. for an open end): the platforms whose status changed within it, with their status at its end.",
              { type: "string" },
            ),
            query("cursor", "Opaque; from a next link.", { type: "string" }),
            query("crs", "Coordinate system of the output: WGS84 (default), GCJ02 (AMap, Tencent), BD09 (Baidu), or the CRS84 URI.", {
              type: "string",
              enum: [...Object.values(CoordinateSystem), CRS84],
            }),
            query("q", "Any name: Simplified, Traditional, English (any case), aliases, pinyin in full or by initials.", { type: "string", maxLength: 100 }),
            query("district", "GB/T 2260 district codes (queryable).", csv({ type: "string", enum: ref.districts.map((d) => d.code) })),
            query("kind", "Kinds of platform, any case (queryable).", csv({ type: "string", enum: Object.values(PlatformKind) })),
            query("level", "Administrative levels, any case (queryable).", csv({ type: "string", enum: Object.values(PlatformLevel) })),
            query("status", "Construction statuses, any case (queryable).", csv({ type: "string", enum: Object.values(PlatformStatus) })),
            query("zone", "A zone's id: platforms inside it at any depth (queryable).", { type: "string" }),
            query(
              "domains",
              "Domain ids; a parent or group domain also matches its subdomains and members (queryable).",
              csv({ type: "string", enum: ref.domains.map((d) => d.id) }),
            ),
            query("domain", "The same as domains.", csv({ type: "string", enum: ref.domains.map((d) => d.id) })),
            query("agency", "Ids of responsible agencies.", csv({ type: "string" })),
            f(["json", "geojson", "html"]),
          ],
          responses: {
            "200": { description: "A page of platforms", content: { [GEOJSON]: { schema: { $ref: "#/components/schemas/FeatureCollection" } } } },
            ...errors,
          },
        },
      },
      ...(districts ? districtPaths(districts, f, json, errors) : {}),
      "/collections/platforms/items/{featureId}": {
        get: {
          tags: ["Platforms"],
          summary: "One platform",
          operationId: "getPlatform",
          parameters: [
            { name: "featureId", in: "path", required: true, description: "The platform's id", schema: { type: "string" } },
            query("crs", "Coordinate system of the output, as for /items.", { type: "string", enum: [...Object.values(CoordinateSystem), CRS84] }),
            f(["json", "geojson", "html"]),
          ],
          responses: { "200": { description: "The platform", content: { [GEOJSON]: { schema: { $ref: "#/components/schemas/Feature" } } } }, ...errors },
        },
      },
    },
    components: {
      schemas: {
        ConfClasses: { type: "object", required: ["conformsTo"], properties: { conformsTo: { type: "array", items: { type: "string" } } } },
        Exception: {
          type: "object",
          required: ["code"],
          properties: { code: { type: "string" }, description: { type: "string" }, parameter: { type: "string" } },
        },
        Feature: {
          type: "object",
          required: ["type", "id", "geometry", "properties"],
          properties: {
            type: { type: "string", enum: ["Feature"] },
            id: { type: "string" },
            geometry: {
              type: "object",
              properties: { type: { type: "string", enum: ["Point"] }, coordinates: { type: "array", minItems: 2, maxItems: 2, items: { type: "number" } } },
            },
            properties: {
              type: "object",
              properties: {
                nameHans: { type: "string" },
                nameHant: { type: "string" },
                nameEn: { type: "string" },
                kind: { type: "string", enum: Object.values(PlatformKind) },
                level: { type: "string", nullable: true, enum: [...Object.values(PlatformLevel), null] },
                status: { type: "string", enum: Object.values(PlatformStatus) },
                district: { type: "string", nullable: true },
                zone: { type: "string", nullable: true },
                domains: { type: "array", items: { type: "string" } },
                precision: { type: "string" },
                locationNote: { type: "string", nullable: true, description: "where the point comes from" },
                version: { type: "integer" },
                updatedAt: { type: "string", format: "date-time" },
              },
            },
          },
        },
        FeatureCollection: {
          type: "object",
          required: ["type", "features"],
          properties: {
            type: { type: "string", enum: ["FeatureCollection"] },
            features: { type: "array", items: { $ref: "#/components/schemas/Feature" } },
            numberMatched: { type: "integer", minimum: 0 },
            numberReturned: { type: "integer", minimum: 0 },
            numberWithoutLocation: { type: "integer", minimum: 0 },
            coordinateSystem: { type: "string", enum: Object.values(CoordinateSystem) },
            timeStamp: { type: "string", format: "date-time" },
            links: { type: "array", items: { type: "object" } },
          },
        },
      },
      responses: {
        InvalidParameter: {
          description: "A parameter the endpoint does not define, or a value it does not accept",
          content: { [JSON_TYPE]: { schema: { $ref: "#/components/schemas/Exception" } } },
        },
        NotFound: { description: "No such resource", content: { [JSON_TYPE]: { schema: { $ref: "#/components/schemas/Exception" } } } },
        ServerError: {
          description: "A server error (details go to the server's log only)",
          content: { [JSON_TYPE]: { schema: { $ref: "#/components/schemas/Exception" } } },
        },
      },
    },
  };
}

/** The paths of the districts collection (district outlines from DISTRICT_OUTLINES). */
function districtPaths(codes: string[], f: (formats: string[]) => Schema, json: (description: string) => Schema, errors: Schema): Record<string, Schema> {
  const crs = query("crs", "Coordinate system of the output: WGS84 (default), GCJ02, BD09, or the CRS84 URI.", {
    type: "string",
    enum: [...Object.values(CoordinateSystem), CRS84],
  });
  return {
    "/collections/districts": {
      get: {
        tags: ["Districts"],
        summary: "The district outlines collection and its extent",
        operationId: "getDistrictsCollection",
        parameters: [f(["json", "html"])],
        responses: { "200": json("The collection"), ...errors },
      },
    },
    "/collections/districts/queryables": {
      get: {
        tags: ["Districts"],
        summary: "Properties to filter district outlines on",
        operationId: "getDistrictsQueryables",
        parameters: [f(["json", "html"])],
        responses: { "200": { description: "A JSON Schema of the queryables", content: { [SCHEMA_JSON]: { schema: { type: "object" } } } }, ...errors },
      },
    },
    "/collections/districts/items": {
      get: {
        tags: ["Districts"],
        summary: "District outlines (Polygon or MultiPolygon), paged by next links",
        operationId: "getDistricts",
        parameters: [
          query("limit", `Features per page, 1 to ${MAX_LIMIT}.`, { type: "integer", minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }),
          query("bbox", "minLng,minLat,maxLng,maxLat in CRS84: outlines whose bounding box meets it.", {
            type: "array",
            minItems: 4,
            maxItems: 6,
            items: { type: "number" },
          }),
          query("datetime", "Checked, then ignored: outlines have no temporal geometry.", { type: "string" }),
          query("cursor", "Opaque; from a next link.", { type: "string" }),
          crs,
          query("code", "GB/T 2260 district codes (queryable).", csv({ type: "string", enum: codes })),
          f(["json", "geojson", "html"]),
        ],
        responses: { "200": { description: "A page of district outlines", content: { [GEOJSON]: { schema: { type: "object" } } } }, ...errors },
      },
    },
    "/collections/districts/items/{featureId}": {
      get: {
        tags: ["Districts"],
        summary: "One district's outline",
        operationId: "getDistrict",
        parameters: [
          { name: "featureId", in: "path", required: true, description: "The district's GB/T 2260 code", schema: { type: "string" } },
          crs,
          f(["json", "geojson", "html"]),
        ],
        responses: { "200": { description: "The outline", content: { [GEOJSON]: { schema: { type: "object" } } } }, ...errors },
      },
    },
  };
}
