/**
 * OGC API – Features – Part 1: Core (with the GeoJSON and OpenAPI 3.0 classes), and Part 3's
 * Queryables and Queryables as Query Parameters, for one collection: `platforms`.
 *
 *   GET /                                   landing page (links: service-desc, conformance, data)
 *   GET /api                                the OpenAPI 3.0 document (openapi.ts)
 *   GET /conformance                        conformance classes
 *   GET /collections                        the collections (one)
 *   GET /collections/platforms              its metadata and extent
 *   GET /collections/platforms/queryables   the properties to filter on, as JSON Schema (queryables.ts)
 *   GET /collections/platforms/items        located platforms, keyset-paged by `next` links
 *   GET /collections/platforms/items/{id}   one platform
 *   GET /collections/districts[/queryables|/items[/{code}]]   district outlines, only when DISTRICT_OUTLINES is set
 *
 * Items are the platforms that have a point, as in platformsGeoJSON; the others are counted in
 * the foreign member numberWithoutLocation. Parameters of /items: bbox (CRS84, 4 or 6 numbers),
 * datetime (an instant: each feature's status on that date; an interval: the platforms whose status
 * changed within it, with their status at its end),
 * limit (1..10000, default 100), cursor (from a next link), crs (WGS84 | GCJ02 | BD09 or the
 * CRS84 URI), q (PlatformFilter.search); the queryables district, kind, level, status, domains
 * (or domain) as comma-separated lists, zone (one id); agency (a list). A wrong value, a
 * district, domain, zone or agency the registry does not have, or an unknown parameter is a 400
 * naming it (the standard requires the 400 for unknown parameters), an unknown id a 404. Answers
 * are JSON, errors {code, description, parameter?}; a browser (`f=html`, or Accept preferring
 * text/html) gets the collections, a collection, its queryables and items as HTML tables
 * (ogc-html.ts). Cross-origin reads follow the server's CORS setting.
 */
import { validateSync, type ValidationError } from "class-validator";
import { Router, type Request, type Response } from "express";
import type { Services } from "../../context";
import { AppError, ErrorCode, isDatabaseUnavailable, RETRY_AFTER_SECONDS } from "../../errors";
import type { Logger } from "../../logger";
import { PlatformKind, PlatformLevel, PlatformStatus } from "../platform/platform.enums";
import { PlatformFilter } from "../platform/platform.inputs";
import { decodeCursor, encodeCursor } from "../../db/cursor";
import { CoordinateSystem, project } from "./crs";
import type { DistrictOutline, OutlineGeometry } from "./outlines";
import type { PointFeature } from "./geo.service";
import { sendPage, wantsHtml } from "../front/page";
import { collectionPage, collectionsPage, itemPage, itemsPage, queryablesPage } from "./ogc-html";
import { OPENAPI_JSON, openApiDocument } from "./openapi";
import { FILTER_FIELD_OF_PARAM, queryablesSchema, referenceValues, SCHEMA_JSON, unknownValue } from "./queryables";

import { CRS84, DEFAULT_LIMIT, MAX_LIMIT } from "./ogc-limits";

export const CONFORMANCE = [
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
  "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
  "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
];
const GEOJSON = "application/geo+json";
const JSON_TYPE = "application/json";

/** A client mistake in OGC terms; becomes a 400 (or the given status) with a JSON body. */
export class OgcError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }
}
const invalid = (parameter: string, message: string) => new OgcError(400, "InvalidParameterValue", message, parameter);

type Query = Request["query"];

/** Refuses parameters the endpoint does not define, and any given twice. */
function checkNames(query: Query, allowed: readonly string[]): void {
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.includes(name)) {
      throw new OgcError(400, "UnknownParameter", `unknown parameter "${name}"; this endpoint takes ${allowed.join(", ")}`, name);
    }
    if (typeof value !== "string") throw invalid(name, `${name} is given more than once; give one value (lists are comma-separated)`);
  }
}

const one = (query: Query, name: string): string | undefined => query[name] as string | undefined;

function list(query: Query, name: string): string[] | undefined {
  const raw = one(query, name);
  if (raw === undefined) return undefined;
  const values = raw.split(",").map((v) => v.trim());
  if (values.some((v) => !v)) throw invalid(name, `${name} must be a comma-separated list of values, with no empty entries`);
  return values;
}

function enumList<T extends string>(query: Query, name: string, values: Record<string, T>): T[] | undefined {
  const given = list(query, name);
  if (!given) return undefined;
  const known = new Set<string>(Object.values(values));
  return given.map((v) => {
    const up = v.toUpperCase();
    if (!known.has(up)) throw invalid(name, `unknown ${name} "${v}"; one of ${[...known].join(", ")}`);
    return up as T;
  });
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parseBbox(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(",").map((s) => s.trim());
  if ((parts.length !== 4 && parts.length !== 6) || !parts.every((s) => NUMBER.test(s))) {
    throw invalid("bbox", "bbox must be 4 numbers minLng,minLat,maxLng,maxLat (or 6 with heights), longitude/latitude in CRS84");
  }
  const n = parts.map(Number);
  // With 6 numbers the heights sit at 2 and 5; points have none, so they are ignored.
  const [minLng, minLat, maxLng, maxLat] = n.length === 6 ? [n[0], n[1], n[3], n[4]] : n;
  if (![minLng, maxLng].every((x) => x >= -180 && x <= 180) || ![minLat, maxLat].every((y) => y >= -90 && y <= 90)) {
    throw invalid("bbox", "bbox longitudes must lie in -180..180 and latitudes in -90..90");
  }
  if (minLat > maxLat) throw invalid("bbox", "bbox minLat must not exceed maxLat");
  if (minLng > maxLng) throw invalid("bbox", "bbox crossing the antimeridian (minLng > maxLng) is not supported; send two requests");
  return [minLng, minLat, maxLng, maxLat];
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_LIMIT)) throw invalid("limit", `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

export function parseCrs(raw: string | undefined): CoordinateSystem {
  if (raw === undefined || raw === CRS84 || raw === `[OGC:CRS84]`) return CoordinateSystem.WGS84;
  const up = raw.toUpperCase();
  if (up in CoordinateSystem) return up as CoordinateSystem;
  throw invalid("crs", `crs must be WGS84, GCJ02, BD09 or ${CRS84}`);
}

function checkFormat(query: Query, formats: string[]): void {
  const f = one(query, "f");
  if (f !== undefined && !formats.includes(f)) throw invalid("f", `f must be ${formats.join(" or ")}`);
}

/** The query parameter behind each PlatformFilter field, to name parameters in errors (`domains` is also given as `domain`). */
const PARAM_OF_FIELD: Record<string, string> = Object.fromEntries(
  Object.entries(FILTER_FIELD_OF_PARAM)
    .filter(([param]) => param !== "domain")
    .map(([param, field]) => [field, param]),
);

function firstMessage(e: ValidationError): string {
  if (e.constraints) return Object.values(e.constraints)[0];
  return e.children?.length ? firstMessage(e.children[0]) : "is invalid";
}

const ITEMS_PARAMS = [
  "bbox",
  "datetime",
  "limit",
  "cursor",
  "crs",
  "q",
  "kind",
  "level",
  "status",
  "district",
  "domains",
  "domain",
  "agency",
  "zone",
  "f",
] as const;

const DISTRICT_ITEMS_PARAMS = ["bbox", "datetime", "limit", "cursor", "crs", "code", "f"] as const;

/** An outline as a GeoJSON feature, its positions in `crs` (GCJ-02 and BD-09 converted with gcoord). */
function outlineFeature(o: DistrictOutline, crs: CoordinateSystem) {
  const ring = (r: number[][]) => r.map(([lng, lat]) => project(lng, lat, null, crs));
  const geometry: OutlineGeometry =
    crs === CoordinateSystem.WGS84
      ? o.geometry
      : o.geometry.type === "Polygon"
        ? { type: "Polygon", coordinates: o.geometry.coordinates.map(ring) }
        : { type: "MultiPolygon", coordinates: o.geometry.coordinates.map((p) => p.map(ring)) };
  return { type: "Feature" as const, id: o.id, geometry, properties: o.properties };
}

/** Part 3 queryables of the districts collection: the code, also a query parameter of its /items. */
function districtQueryables(id: string, outlines: DistrictOutline[]) {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: id,
    type: "object",
    title: "District outlines",
    description: "Properties of the districts collection that /collections/districts/items filters on, as a query parameter of the same name.",
    properties: {
      code: {
        title: "District",
        description: `GB/T 2260 code of the district; one value, or several separated by commas: ${outlines.map((o) => `${o.id} ${o.properties.nameEn}`).join(", ")}.`,
        type: "string",
        enum: outlines.map((o) => o.id),
      },
    },
    additionalProperties: false,
  };
}

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/i;

/** The date in Guangzhou (UTC+8) of an RFC 3339 instant; a bare date is that date. */
function guangzhouDate(instant: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(instant)) return instant;
  return new Date(Date.parse(instant) + 8 * 3600_000).toISOString().slice(0, 10);
}

/** What `datetime` asks for: the status on a date (an instant), or the changes within an interval (either end may be open). */
export interface DatetimeQuery {
  asOf: string | null;
  changed: { from: string | null; to: string | null } | null;
}

/**
 * datetime, as status events give platforms a time dimension: an instant (a date, or a date-time
 * read as its date in Guangzhou) asks for every feature with its status on that date; an interval
 * asks for the platforms whose status changed (a status event, not the baseline, effective) within
 * it, each with its status at the interval's end. A malformed value is a 400.
 */
export function parseDatetime(raw: string | undefined): DatetimeQuery {
  if (raw === undefined) return { asOf: null, changed: null };
  const ends = raw.split("/");
  const ok =
    ends.length === 1
      ? INSTANT.test(raw)
      : ends.length === 2 && ends.every((e) => e === "" || e === ".." || INSTANT.test(e)) && ends.some((e) => INSTANT.test(e));
  const real = (e: string) =>
    !Number.isNaN(Date.parse(e)) && (!/^\d{4}-\d{2}-\d{2}/.test(e) || new Date(`${e.slice(0, 10)}T00:00:00Z`).toISOString().slice(0, 10) === e.slice(0, 10));
  if (!ok || ends.some((e) => INSTANT.test(e) && !real(e))) {
    throw invalid("datetime", "datetime must be an RFC 3339 date-time or date, or an interval start/end with .. for an open end");
  }
  if (ends.length === 1) return { asOf: guangzhouDate(raw), changed: null };
  const [from, to] = ends.map((e) => (INSTANT.test(e) ? guangzhouDate(e) : null));
  if (from && to && from > to) throw invalid("datetime", "datetime: the interval's start is after its end");
  return { asOf: to, changed: { from, to } };
}

/** Query parameters of /items → a PlatformFilter, checked by the same class-validator rules as GraphQL input. */
export function parseItemsQuery(query: Query) {
  checkNames(query, ITEMS_PARAMS);
  checkFormat(query, ["json", "geojson", "html"]);
  const datetime = parseDatetime(one(query, "datetime"));
  if (query.domains !== undefined && query.domain !== undefined) throw invalid("domain", "give domains or its older name domain, not both");
  const domainParam = query.domain !== undefined ? "domain" : "domains";
  const filter = Object.assign(new PlatformFilter(), {
    search: one(query, "q"),
    kinds: enumList(query, "kind", PlatformKind),
    levels: enumList(query, "level", PlatformLevel),
    statuses: enumList(query, "status", PlatformStatus),
    districts: list(query, "district"),
    domains: list(query, domainParam),
    agencies: list(query, "agency"),
    zone: one(query, "zone"),
    bbox: parseBbox(one(query, "bbox")),
  });
  for (const key of Object.keys(filter) as Array<keyof PlatformFilter>) if (filter[key] === undefined) delete filter[key];
  const errors = validateSync(filter, { forbidUnknownValues: false });
  const paramOf = (field: string) => (field === "domains" ? domainParam : (PARAM_OF_FIELD[field] ?? field));
  if (errors.length) {
    const param = paramOf(errors[0].property);
    throw invalid(param, `${param}: ${firstMessage(errors[0])}`);
  }
  const cursor = one(query, "cursor") ?? null;
  return { filter, ...datetime, limit: parseLimit(one(query, "limit")), cursor, crs: parseCrs(one(query, "crs")), paramOf };
}

interface Link {
  href: string;
  rel: string;
  type: string;
  title?: string;
}

/**
 * The base of absolute links: PUBLIC_URL when set; else the host a trusted proxy forwarded
 * (X-Forwarded-Host, believed only when TRUST_PROXY trusts the peer); else the address the client
 * connected to. Never the client's own Host header, which anyone can write.
 */
function linkBase(publicUrl: string | null) {
  return (req: Request): string => {
    if (publicUrl) return publicUrl;
    const trust = req.app.get("trust proxy fn") as (addr: string, i: number) => boolean;
    if (req.get("x-forwarded-host") && trust(req.socket.remoteAddress ?? "", 0)) return `${req.protocol}://${req.host}`;
    const local = (req.socket.localAddress ?? "127.0.0.1").replace(/^::ffff:(?=\d+\.)/, "");
    return `${req.protocol}://${local.includes(":") ? `[${local}]` : local}:${req.socket.localPort}`;
  };
}

/** A percent-escaped control byte (NUL above all: PostgreSQL text cannot hold it) anywhere in the path or query. */
const ESCAPED_CONTROL = /%(?:[01][0-9a-f]|7f)/i;

function contentCrs(res: Response, crs: CoordinateSystem): void {
  // Part 2's header names the CRS of the coordinates; GCJ-02 and BD-09 have no URI to name.
  if (crs === CoordinateSystem.WGS84) res.set("Content-Crs", `<${CRS84}>`);
}

function send(res: Response, body: unknown, type = JSON_TYPE, status = 200): void {
  res.status(status).type(type).send(JSON.stringify(body));
}

/** Express handler that turns every failure into an OGC JSON error; internals go to the log only. */
function handle(logger: Logger, fn: (req: Request, res: Response) => Promise<void> | void) {
  return async (req: Request, res: Response) => {
    try {
      await fn(req, res);
    } catch (err) {
      if (err instanceof OgcError) {
        send(res, { code: err.code, description: err.message, ...(err.parameter ? { parameter: err.parameter } : {}) }, JSON_TYPE, err.status);
      } else if (err instanceof AppError && err.code === ErrorCode.BAD_USER_INPUT) {
        // The platform filter's own checks (search with no letters, bbox, cursor) name a filter field.
        const field = String(err.extensions.field ?? "");
        const parameter = PARAM_OF_FIELD[field] ?? (field || undefined);
        send(res, { code: "InvalidParameterValue", description: err.message, ...(parameter ? { parameter } : {}) }, JSON_TYPE, 400);
      } else if (isDatabaseUnavailable(err)) {
        logger.warn({ err, path: req.path }, "database unavailable during an OGC API request");
        res.set("Retry-After", String(RETRY_AFTER_SECONDS));
        send(res, { code: "ServiceUnavailable", description: "the database is unavailable; retry shortly" }, JSON_TYPE, 503);
      } else {
        logger.error({ err, path: req.path }, "unexpected error in OGC API request");
        send(res, { code: "NoApplicableCode", description: "Internal server error" }, JSON_TYPE, 500);
      }
    }
  };
}

const notFound = (what: string) => new OgcError(404, "NotFound", what);

export function createOgcRouter({ services, logger, publicUrl }: { services: Services; logger: Logger; publicUrl: string | null }): Router {
  const router = Router();
  const baseUrl = linkBase(publicUrl);
  // Control bytes are refused before any handler reads the path or a parameter (here and on the pages after).
  router.use((req, res, next) => {
    if (ESCAPED_CONTROL.test(req.originalUrl)) {
      send(
        res,
        { code: "InvalidParameterValue", description: "control characters (such as %00) are not accepted in the path or its parameters" },
        JSON_TYPE,
        400,
      );
    } else next();
  });
  const geo = services.geo;
  const h = (fn: (req: Request, res: Response) => Promise<void> | void) => handle(logger, fn);
  // the collections answer JSON or HTML by the Accept header (ogc-html.ts)
  router.use("/collections", (_req, res, next) => {
    res.vary("Accept");
    next();
  });

  const collection = async (base: string) => {
    const extent = await geo.extent();
    return {
      id: "platforms",
      title: "Innovation platforms",
      description:
        "Platforms named by Guangzhou's 2018–2020 action plan for an international science, technology and industry innovation centre, " +
        "one Point feature per platform that has a point; platforms without one are counted in numberWithoutLocation.",
      itemType: "feature",
      crs: [CRS84],
      storageCrs: CRS84,
      // Foreign member: the values the crs parameter takes (GCJ-02 and BD-09 have no URI).
      coordinateSystems: Object.values(CoordinateSystem),
      ...(extent ? { extent: { spatial: { bbox: [extent], crs: CRS84 } } } : {}),
      links: [
        { href: `${base}/collections/platforms`, rel: "self", type: JSON_TYPE, title: "This collection" },
        { href: `${base}/collections/platforms/items`, rel: "items", type: GEOJSON, title: "Platforms as GeoJSON" },
        // Part 3 names the relation by its URI; GDAL and older clients look for the short name.
        {
          href: `${base}/collections/platforms/queryables`,
          rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables",
          type: SCHEMA_JSON,
          title: "Properties to filter on",
        },
        { href: `${base}/collections/platforms/queryables`, rel: "queryables", type: SCHEMA_JSON, title: "Properties to filter on" },
      ] satisfies Link[],
    };
  };

  router.get(
    "/",
    h((req, res) => {
      checkNames(req.query, ["f"]);
      checkFormat(req.query, ["json"]);
      const base = baseUrl(req);
      send(res, {
        title: "Guangzhou innovation platform registry",
        description: "The innovation platforms of Guangzhou's 2018–2020 action plan: OGC API – Features (this), GraphQL at /graphql, a map at /map.",
        links: [
          { href: `${base}/`, rel: "self", type: JSON_TYPE, title: "This document" },
          { href: `${base}/?f=html`, rel: "alternate", type: "text/html", title: "The registry's front page" },
          { href: `${base}/api`, rel: "service-desc", type: OPENAPI_JSON, title: "The API definition (OpenAPI 3.0)" },
          { href: `${base}/conformance`, rel: "conformance", type: JSON_TYPE, title: "Conformance classes" },
          { href: `${base}/collections`, rel: "data", type: JSON_TYPE, title: "Collections" },
          { href: `${base}/map`, rel: "alternate", type: "text/html", title: "The platforms on a map" },
        ] satisfies Link[],
      });
    }),
  );

  router.get(
    "/api",
    h(async (req, res) => {
      checkNames(req.query, ["f"]);
      checkFormat(req.query, ["json"]);
      const districts = services.outlines ? (await services.outlines.match()).outlines.map((o) => o.id) : null;
      send(res, openApiDocument(baseUrl(req), await referenceValues(services), districts), OPENAPI_JSON);
    }),
  );

  router.get(
    "/conformance",
    h((req, res) => {
      checkNames(req.query, ["f"]);
      checkFormat(req.query, ["json"]);
      send(res, { conformsTo: CONFORMANCE });
    }),
  );

  router.get(
    "/collections",
    h(async (req, res) => {
      checkNames(req.query, ["f"]);
      checkFormat(req.query, ["json", "html"]);
      const base = baseUrl(req);
      const collections = [await collection(base), ...(services.outlines ? [await districtsCollection(base)] : [])];
      if (wantsHtml(req)) return sendPage(res, collectionsPage(collections));
      send(res, {
        links: [
          { href: `${base}/collections`, rel: "self", type: JSON_TYPE, title: "Collections" },
          { href: `${base}/collections?f=html`, rel: "alternate", type: "text/html", title: "Collections as HTML" },
        ] satisfies Link[],
        collections,
      });
    }),
  );

  router.get(
    "/collections/:collectionId",
    h(async (req, res) => {
      if (req.params.collectionId === "districts" && services.outlines) {
        checkNames(req.query, ["f"]);
        checkFormat(req.query, ["json", "html"]);
        const c = await districtsCollection(baseUrl(req));
        return wantsHtml(req) ? sendPage(res, collectionPage(c)) : send(res, c);
      }
      if (req.params.collectionId !== "platforms") throw notFound(`no collection "${req.params.collectionId}"; the one collection is "platforms"`);
      checkNames(req.query, ["f"]);
      checkFormat(req.query, ["json", "html"]);
      const c = await collection(baseUrl(req));
      if (wantsHtml(req)) return sendPage(res, collectionPage(c));
      send(res, c);
    }),
  );

  router.get(
    "/collections/:collectionId/queryables",
    h(async (req, res) => {
      if (req.params.collectionId === "districts" && services.outlines) {
        checkNames(req.query, ["f"]);
        checkFormat(req.query, ["json", "html"]);
        const schema = districtQueryables(`${baseUrl(req)}/collections/districts/queryables`, (await services.outlines.match()).outlines);
        return wantsHtml(req, [SCHEMA_JSON, JSON_TYPE]) ? sendPage(res, queryablesPage("districts", schema)) : send(res, schema, SCHEMA_JSON);
      }
      if (req.params.collectionId !== "platforms") throw notFound(`no collection "${req.params.collectionId}"; the one collection is "platforms"`);
      checkNames(req.query, ["f"]);
      checkFormat(req.query, ["json", "html"]);
      const schema = queryablesSchema(`${baseUrl(req)}/collections/platforms/queryables`, await referenceValues(services));
      if (wantsHtml(req, [SCHEMA_JSON, JSON_TYPE])) return sendPage(res, queryablesPage("platforms", schema));
      send(res, schema, SCHEMA_JSON);
    }),
  );

  router.get(
    "/collections/:collectionId/items",
    h(async (req, res) => {
      if (req.params.collectionId === "districts" && services.outlines) return districtItems(req, res, (await services.outlines.match()).outlines);
      if (req.params.collectionId !== "platforms") throw notFound(`no collection "${req.params.collectionId}"; the one collection is "platforms"`);
      const q = parseItemsQuery(req.query);
      const unknown = await unknownValue(services, q.filter, q.paramOf);
      if (unknown) {
        throw invalid(unknown.parameter, `${unknown.parameter}: the registry has no "${unknown.value}"${unknown.known ? `; one of ${unknown.known}` : ""}`);
      }
      const page = await geo.page(q);
      const base = baseUrl(req);
      const here = new URL(req.originalUrl, base);
      const links: Link[] = [
        { href: here.toString(), rel: "self", type: GEOJSON, title: "This page" },
        { href: `${base}/collections/platforms`, rel: "collection", type: JSON_TYPE, title: "The collection" },
      ];
      if (page.next) {
        // Same parameters, the cursor moved on: a client follows links without building URLs.
        const next = new URL(here);
        next.searchParams.set("cursor", page.next);
        links.push({ href: next.toString(), rel: "next", type: GEOJSON, title: "Next page" });
      }
      if (wantsHtml(req, [GEOJSON, JSON_TYPE])) {
        return sendPage(
          res,
          itemsPage({
            collectionId: "platforms",
            title: "Innovation platforms",
            numberMatched: page.numberMatched,
            links,
            features: page.features,
            columns: ["nameHans", "nameEn", "kind", "status", "district"],
          }),
        );
      }
      contentCrs(res, q.crs);
      send(
        res,
        {
          type: "FeatureCollection",
          coordinateSystem: q.crs,
          numberMatched: page.numberMatched,
          numberReturned: page.features.length,
          numberWithoutLocation: page.numberWithoutLocation,
          // Foreign member: how q was read (the districts and domains it names, the terms left for names)
          ...(page.searchInterpretation ? { searchInterpretation: page.searchInterpretation } : {}),
          timeStamp: new Date().toISOString(),
          links,
          features: page.features,
        },
        GEOJSON,
      );
    }),
  );

  router.get(
    "/collections/:collectionId/items/:featureId",
    h(async (req, res) => {
      if (req.params.collectionId === "districts" && services.outlines) return districtItem(req, res, (await services.outlines.match()).outlines);
      if (req.params.collectionId !== "platforms") throw notFound(`no collection "${req.params.collectionId}"; the one collection is "platforms"`);
      checkNames(req.query, ["crs", "f"]);
      checkFormat(req.query, ["json", "geojson", "html"]);
      const crs = parseCrs(one(req.query, "crs"));
      const id = String(req.params.featureId);
      const { exists, feature } = await geo.feature(id, crs);
      if (!feature) {
        throw notFound(exists ? `platform "${id}" has no location, so it is not a feature of this collection` : `no platform "${id}"`);
      }
      const base = baseUrl(req);
      const body: PointFeature & { coordinateSystem: CoordinateSystem; links: Link[] } = {
        ...feature,
        coordinateSystem: crs,
        links: [
          { href: new URL(req.originalUrl, base).toString(), rel: "self", type: GEOJSON, title: "This platform" },
          { href: `${base}/collections/platforms`, rel: "collection", type: JSON_TYPE, title: "The collection" },
        ],
      };
      if (wantsHtml(req, [GEOJSON, JSON_TYPE])) return sendPage(res, itemPage({ collectionId: "platforms", feature, links: body.links }));
      contentCrs(res, crs);
      send(res, body, GEOJSON);
    }),
  );

  const districtsCollection = async (base: string) => {
    const { outlines } = await services.outlines!.match();
    const b = outlines.length
      ? outlines.map((o) => o.bbox).reduce((a, x) => [Math.min(a[0], x[0]), Math.min(a[1], x[1]), Math.max(a[2], x[2]), Math.max(a[3], x[3])])
      : null;
    return {
      id: "districts",
      title: "District outlines",
      description:
        "Outlines of Guangzhou's districts (GB/T 2260), one Polygon or MultiPolygon feature per district, from the file the operator supplied (DISTRICT_OUTLINES); its source and licence are the operator's.",
      // the credit the outlines' licence asks for (DISTRICT_OUTLINES_ATTRIBUTION), as OGC API – Common names it
      ...(services.outlines!.attribution ? { attribution: services.outlines!.attribution } : {}),
      itemType: "feature",
      crs: [CRS84],
      storageCrs: CRS84,
      coordinateSystems: Object.values(CoordinateSystem),
      ...(b ? { extent: { spatial: { bbox: [b], crs: CRS84 } } } : {}),
      links: [
        { href: `${base}/collections/districts`, rel: "self", type: JSON_TYPE, title: "This collection" },
        { href: `${base}/collections/districts/items`, rel: "items", type: GEOJSON, title: "District outlines as GeoJSON" },
        {
          href: `${base}/collections/districts/queryables`,
          rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables",
          type: SCHEMA_JSON,
          title: "Properties to filter on",
        },
        { href: `${base}/collections/districts/queryables`, rel: "queryables", type: SCHEMA_JSON, title: "Properties to filter on" },
      ] satisfies Link[],
    };
  };

  const districtItems = (req: Request, res: Response, outlines: DistrictOutline[]) => {
    checkNames(req.query, DISTRICT_ITEMS_PARAMS);
    checkFormat(req.query, ["json", "geojson", "html"]);
    parseDatetime(one(req.query, "datetime")); // checked only: outlines have no dates
    const bbox = parseBbox(one(req.query, "bbox"));
    const limit = parseLimit(one(req.query, "limit"));
    const crs = parseCrs(one(req.query, "crs"));
    const codes = list(req.query, "code");
    const known = outlines.map((o) => o.id);
    const unknownCode = codes?.find((c) => !known.includes(c));
    if (unknownCode) throw invalid("code", `code: no outline of "${unknownCode}"; one of ${known.join(", ")}`);
    const cursor = one(req.query, "cursor");
    const after = cursor === undefined ? null : decodeCursor(cursor, "district", ["text"], "cursor", "a cursor of this collection: follow the next link")[0];
    // a bounding-box test: an outline whose box meets the bbox matches
    const matched = outlines.filter(
      (o) => (!codes || codes.includes(o.id)) && (!bbox || (o.bbox[0] <= bbox[2] && o.bbox[2] >= bbox[0] && o.bbox[1] <= bbox[3] && o.bbox[3] >= bbox[1])),
    );
    const rest = after === null ? matched : matched.filter((o) => o.id > after);
    const pageItems = rest.slice(0, limit);
    const base = baseUrl(req);
    const here = new URL(req.originalUrl, base);
    const links: Link[] = [
      { href: here.toString(), rel: "self", type: GEOJSON, title: "This page" },
      { href: `${base}/collections/districts`, rel: "collection", type: JSON_TYPE, title: "The collection" },
    ];
    if (rest.length > limit) {
      const next = new URL(here);
      next.searchParams.set("cursor", encodeCursor("district", [pageItems[pageItems.length - 1].id]));
      links.push({ href: next.toString(), rel: "next", type: GEOJSON, title: "Next page" });
    }
    const features = pageItems.map((o) => outlineFeature(o, crs));
    if (wantsHtml(req, [GEOJSON, JSON_TYPE])) {
      return sendPage(
        res,
        itemsPage({ collectionId: "districts", title: "District outlines", numberMatched: matched.length, links, features, columns: ["nameHans", "nameEn"] }),
      );
    }
    contentCrs(res, crs);
    send(
      res,
      {
        type: "FeatureCollection",
        coordinateSystem: crs,
        numberMatched: matched.length,
        numberReturned: features.length,
        timeStamp: new Date().toISOString(),
        links,
        features,
      },
      GEOJSON,
    );
  };

  const districtItem = (req: Request, res: Response, outlines: DistrictOutline[]) => {
    checkNames(req.query, ["crs", "f"]);
    checkFormat(req.query, ["json", "geojson", "html"]);
    const crs = parseCrs(one(req.query, "crs"));
    const id = String(req.params.featureId);
    const o = outlines.find((x) => x.id === id);
    if (!o) throw notFound(`no outline of district "${id}"`);
    const base = baseUrl(req);
    const links: Link[] = [
      { href: new URL(req.originalUrl, base).toString(), rel: "self", type: GEOJSON, title: "This district" },
      { href: `${base}/collections/districts`, rel: "collection", type: JSON_TYPE, title: "The collection" },
    ];
    const feature = outlineFeature(o, crs);
    if (wantsHtml(req, [GEOJSON, JSON_TYPE])) return sendPage(res, itemPage({ collectionId: "districts", feature, links }));
    contentCrs(res, crs);
    send(res, { ...feature, coordinateSystem: crs, links }, GEOJSON);
  };

  // Everything else under the OGC paths answers JSON too, never the HTML of Express's defaults.
  const OGC_PATHS = ["/collections", "/conformance", "/api"];
  router.use(OGC_PATHS, (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.set("Allow", "GET, HEAD");
      send(res, { code: "MethodNotAllowed", description: `${req.method} is not supported here; the OGC endpoints are read-only (GET)` }, JSON_TYPE, 405);
    } else {
      send(res, { code: "NotFound", description: `no resource at ${req.baseUrl}${req.path}; see ${baseUrl(req)}/api` }, JSON_TYPE, 404);
    }
  });
  // Errors Express raises before a handler runs (a malformed %-escape in the path is a 400).
  router.use(OGC_PATHS, (err: Error & { status?: number; statusCode?: number }, req: Request, res: Response, next: (err?: unknown) => void) => {
    if (res.headersSent) return next(err);
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      send(res, { code: status === 404 ? "NotFound" : "InvalidParameterValue", description: err.message || "bad request" }, JSON_TYPE, status);
    } else {
      logger.error({ err, path: req.path }, "unexpected error in OGC API request");
      send(res, { code: "NoApplicableCode", description: "Internal server error" }, JSON_TYPE, 500);
    }
  });

  return router;
}
