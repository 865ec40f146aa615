/**
 * Platforms as GeoJSON (RFC 7946): the SQL behind platformsGeoJSON and the OGC API – Features
 * endpoints. Each read is one statement that counts the matches and builds the features' JSON
 * in PostgreSQL; Node only wraps each row and converts its point when another coordinate
 * system is asked for. Filters compile through the platform module's compileFilter, so a map,
 * the OGC endpoint and `platforms` agree on what a filter matches.
 *
 * Platforms without coordinates (no honest point: corridors, a vessel, unsited facilities) are
 * not features; each response counts them in the foreign member `numberWithoutLocation`.
 */
import { readWith, readPlatforms, type Queryable } from "../../db/reader";
import { badInput } from "../../errors";
import { decodeCursor, encodeCursor } from "../../db/cursor";
import { col, PLATFORM } from "../platform/platform.store";
import { STATUS_EVENT } from "../status/status-event.entity";
import type { PlatformFilter } from "../platform/platform.inputs";
import { compileFilter, type CompiledFilter } from "../platform/platform.query";
import { SearchInterpreter, type SearchInterpretation } from "../platform/search-interpretation";
import { RawJson } from "../../raw-json";
import { CoordinateSystem, project } from "./crs";

/** platformsGeoJSON returns at most this many features; more is an error asking for a narrower filter. */
export const MAX_GEOJSON_FEATURES = 10_000;

export interface PointFeature {
  type: "Feature";
  id: string;
  geometry: { type: "Point"; coordinates: [number, number] };
  properties: FeatureProperties;
}

export interface FeatureProperties {
  nameHans: string;
  nameHant: string;
  nameEn: string;
  kind: string;
  level: string | null;
  status: string;
  /** GB/T 2260 code; null for a platform spanning districts or overseas */
  district: string | null;
  /** id of the zone (a platform) that directly encloses this one; null when none */
  zone: string | null;
  /** domain ids the platform is tagged with, sorted */
  domains: string[];
  precision: string;
  /** where the point comes from (a published site, the enclosing zone's point, the district's centre) */
  locationNote: string | null;
  version: number;
  /** ISO 8601, UTC */
  updatedAt: string;
}

export interface PlatformFeatureCollection {
  type: "FeatureCollection";
  /** Foreign member: how the filter's search was read, when there is one. */
  searchInterpretation?: SearchInterpretation;
  /** Foreign member: the system of every coordinate (RFC 7946 itself allows only WGS-84). */
  coordinateSystem: CoordinateSystem;
  /** Foreign member: platforms that match but have no point, so are not features. */
  numberWithoutLocation: number;
  features: PointFeature[];
}

export interface FeaturePage {
  features: PointFeature[];
  /** Located platforms matching the filter, all pages. */
  numberMatched: number;
  numberWithoutLocation: number;
  /** Cursor of the next page, when there is one. */
  next: string | null;
  /** How the filter's search was read; null without a search. */
  searchInterpretation: SearchInterpretation | null;
}

interface FeatureRow {
  id: string;
  lng: number;
  lat: number;
  country: string | null;
  properties: FeatureProperties;
}

/**
 * One feature's row as JSON: the point and country apart (for the conversion), the properties
 * ready to send. Domain ids come from a correlated array_agg, so no row needs a second query.
 * updatedAt is written the way Date.toISOString and the GraphQL Date scalar write it.
 */
const FEATURE_ROW = `json_build_object(
  'id', p.id, 'lng', p.lng, 'lat', p.lat, 'country', p.${col.overseasCountry},
  'properties', json_build_object(
    'nameHans', p.${col.nameHans}, 'nameHant', p.${col.nameHant}, 'nameEn', p.${col.nameEn}, 'kind', p.kind, 'level', p.level,
    'status', p.status, 'district', p.${col.districtCode}, 'zone', p.${col.zoneId},
    'domains', coalesce((SELECT array_agg(pd.domain_id ORDER BY pd.domain_id) FROM platform_domain pd WHERE pd.platform_id = p.id), '{}'),
    'precision', p.precision, 'locationNote', p.${col.locationNote}, 'version', p.version,
    'updatedAt', to_char(p.${col.updatedAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))`;

/** A text value as JSON (escaped and quoted), or null. */
const j = (sql: string) => `coalesce(to_json(${sql})::text, 'null')`;

/**
 * One WGS-84 feature as compact JSON text, exactly as JSON.stringify(toFeature(row)) writes it:
 * the same members in the same order; float8 and JavaScript both print the shortest exact decimal.
 */
const FEATURE_TEXT = `'{"type":"Feature","id":' || ${j("p.id")} ||
  ',"geometry":{"type":"Point","coordinates":[' || p.lng::text || ',' || p.lat::text || ']},"properties":{"nameHans":' || ${j(`p.${col.nameHans}`)} ||
  ',"nameHant":' || ${j(`p.${col.nameHant}`)} || ',"nameEn":' || ${j(`p.${col.nameEn}`)} || ',"kind":' || ${j("p.kind")} || ',"level":' || ${j("p.level")} ||
  ',"status":' || ${j("p.status")} || ',"district":' || ${j(`p.${col.districtCode}`)} || ',"zone":' || ${j(`p.${col.zoneId}`)} ||
  ',"domains":[' || coalesce((SELECT string_agg(to_json(pd.domain_id)::text, ',' ORDER BY pd.domain_id) FROM platform_domain pd WHERE pd.platform_id = p.id), '') ||
  '],"precision":' || ${j("p.precision")} || ',"locationNote":' || ${j(`p.${col.locationNote}`)} || ',"version":' || p.version::text ||
  ',"updatedAt":"' || to_char(p.${col.updatedAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"}}'`;

function toFeature(r: FeatureRow, crs: CoordinateSystem): PointFeature {
  return {
    type: "Feature",
    id: r.id,
    geometry: { type: "Point", coordinates: project(r.lng, r.lat, r.country, crs) },
    properties: r.properties,
  };
}

/** What telling located platforms from the rest reads (src/reads.ts): a point set or cleared moves a platform between them. */
const LOCATED = PLATFORM.reads("lng", "lat");

const encodeId = (id: string) => encodeCursor("id", [id]);
const decodeId = (cursor: string) => decodeCursor(cursor, "id", ["text"], "cursor", "a cursor of this collection: follow the next link")[0];

/** Reads platforms as point features; one SQL statement per call. */
export class GeoService {
  /** Reads only: `reader` may send them to a replica (src/db/reader.ts). */
  constructor(
    private readonly ds: Queryable,
    private readonly search = new SearchInterpreter(ds),
  ) {}

  /**
   * Every located platform matching the filter, as one FeatureCollection. Refuses (BAD_USER_INPUT)
   * more than MAX_GEOJSON_FEATURES rather than building an unbounded response: page through the
   * OGC endpoint, or narrow the filter (bbox, districts, ...).
   */
  async featureCollection(filter: PlatformFilter | null | undefined, crs: CoordinateSystem, asOf: string | null = null): Promise<RawJson> {
    const read = await this.search.read(filter);
    const c = compileFilter(filter, read?.terms, asOf);
    // Foreign member: how the search was read, when there is one
    const reading = read ? `,"searchInterpretation":${JSON.stringify(read.interpretation)}` : "";
    if (crs !== CoordinateSystem.WGS84) {
      // converted in Node (gcoord): read the rows, project each point
      const w = await this.window(c, null, MAX_GEOJSON_FEATURES, MAX_GEOJSON_FEATURES);
      this.refuseTooMany(w.numberMatched);
      const fc: PlatformFeatureCollection = {
        type: "FeatureCollection",
        ...(read ? { searchInterpretation: read.interpretation } : {}),
        coordinateSystem: crs,
        numberWithoutLocation: w.numberWithoutLocation,
        features: w.rows.map((r) => toFeature(r, crs)),
      };
      return new RawJson(JSON.stringify(fc));
    }
    // WGS-84: PostgreSQL writes the features as compact JSON text, which goes into the answer as it is.
    // The located platforms are counted only up to one past the most (a refusal need not count a
    // million), and the ones without a point only for an answer (none match a bbox or near).
    const sqlParams = c.params();
    const cap = sqlParams.add(MAX_GEOJSON_FEATURES);
    const unlocated = filter?.bbox || filter?.near ? "0" : `(SELECT count(*)::int FROM ${c.from} WHERE ${c.where} AND p.lng IS NULL AND n.located <= ${cap})`;
    // The ids come as one comma-separated text (ids are slugs: the schema's CHECK allows no comma), not as a
    // text[]: pg parses an array character by character (postgres-array), 16 % of a 593-feature answer's CPU.
    const rows: Array<{ located: number; unlocated: number; features: string | null; ids: string | null }> = await readWith(
      this.ds,
      { columns: [...c.reads, ...LOCATED] },
      `WITH n AS (SELECT count(*)::int AS located FROM (SELECT 1 FROM ${c.from} WHERE ${c.where} AND p.lng IS NOT NULL LIMIT ${cap} + 1) x)
       SELECT n.located, ${unlocated} AS unlocated, f.features, f.ids
       FROM n LEFT JOIN LATERAL (
         SELECT string_agg(f.text, ',' ORDER BY f.id) AS features, string_agg(f.id, ',') AS ids
         FROM (SELECT p.id, ${FEATURE_TEXT} AS text FROM ${c.from} WHERE ${c.where} AND p.lng IS NOT NULL AND n.located <= ${cap}) f) f ON true`,
      sqlParams.values,
    );
    const r = rows[0];
    readPlatforms(r.ids ? r.ids.split(",") : []);
    this.refuseTooMany(r.located, r.located > MAX_GEOJSON_FEATURES);
    return new RawJson(
      `{"type":"FeatureCollection"${reading},"coordinateSystem":"WGS84","numberWithoutLocation":${r.unlocated},"features":[${r.features ?? ""}]}`,
    );
  }

  /** `matched`: how many located platforms match, or (`atLeast`) a lower bound when counting stopped past the most. */
  private refuseTooMany(matched: number, atLeast = false): void {
    if (matched > MAX_GEOJSON_FEATURES) {
      throw badInput(
        `${atLeast ? `more than ${MAX_GEOJSON_FEATURES}` : matched} located platforms match; platformsGeoJSON returns at most ${MAX_GEOJSON_FEATURES}. ` +
          "Narrow the filter (filter.bbox, districts, kinds, ...) or page through GET /collections/platforms/items.",
        { field: "filter", max: MAX_GEOJSON_FEATURES, ...(atLeast ? { matchedAtLeast: matched } : { matched }) },
      );
    }
  }

  /**
   * One page of located platforms in id order, starting after the cursor (keyset paging: a page
   * neither repeats nor skips rows when others are inserted before it).
   */
  async page(args: {
    filter: PlatformFilter;
    crs: CoordinateSystem;
    limit: number;
    cursor: string | null;
    /** ISO date: each feature's status on that date */
    asOf?: string | null;
    /** only the platforms with a status change (not the baseline, not a correction) effective within these dates (inclusive; null: open) */
    changed?: { from: string | null; to: string | null } | null;
  }): Promise<FeaturePage> {
    const after = args.cursor === null ? null : decodeId(args.cursor);
    const read = await this.search.read(args.filter);
    let c = compileFilter(args.filter, read?.terms, args.asOf ?? null);
    if (args.changed) {
      const sqlParams = c.params();
      const { from, to } = args.changed;
      const conds = [`ch.platform_id = p.id`, `ch.from_status IS NOT NULL`, `NOT ch.correction`];
      if (from) conds.push(`ch.effective_date >= ${sqlParams.add(from)}::date`);
      if (to) conds.push(`ch.effective_date <= ${sqlParams.add(to)}::date`);
      c = c.and(`EXISTS (SELECT 1 FROM status_event ch WHERE ${conds.join(" AND ")})`, sqlParams, STATUS_EVENT.reads());
    }
    const w = await this.window(c, after, args.limit);
    const more = w.rows.length > args.limit;
    const rows = w.rows.slice(0, args.limit);
    return {
      features: rows.map((r) => toFeature(r, args.crs)),
      numberMatched: w.numberMatched,
      numberWithoutLocation: w.numberWithoutLocation,
      next: more ? encodeId(rows[rows.length - 1].id) : null,
      searchInterpretation: read?.interpretation ?? null,
    };
  }

  /**
   * One platform as a feature, archived ones too (an id is a permanent address).
   * `exists` tells an unknown id from a platform that has no point.
   */
  async feature(id: string, crs: CoordinateSystem): Promise<{ exists: boolean; feature: PointFeature | null }> {
    const rows: Array<{ f: FeatureRow }> = await readWith(this.ds, { platforms: [id] }, `SELECT ${FEATURE_ROW} AS f FROM platform p WHERE p.id = $1`, [id]);
    if (!rows.length) return { exists: false, feature: null };
    const f = rows[0].f;
    return { exists: true, feature: f.lng === null || f.lat === null ? null : toFeature(f, crs) };
  }

  /** [minLng, minLat, maxLng, maxLat] (WGS-84) of the located, non-archived platforms; null when none. */
  async extent(): Promise<[number, number, number, number] | null> {
    const [r]: Array<{ b: [number, number, number, number] | null }> = await readWith(
      this.ds,
      { columns: PLATFORM.reads("lng", "lat", "archivedAt") },
      `SELECT CASE WHEN count(*) > 0 THEN ARRAY[min(lng), min(lat), max(lng), max(lat)] END AS b
       FROM platform WHERE lng IS NOT NULL AND ${col.archivedAt} IS NULL`,
    );
    return r.b;
  }

  /**
   * The counts and up to limit + 1 located rows after `after`, in one statement. The filter's
   * WHERE appears twice; its numbered parameters are bound once. With `refuseAbove`, no row is
   * built when more match than that (the caller refuses; the count alone decides it cheaply).
   */
  private async window(c: CompiledFilter, after: string | null, limit: number, refuseAbove?: number) {
    const sqlParams = c.params();
    const $ = (v: unknown) => sqlParams.add(v);
    const afterCond = after === null ? "" : ` AND p.id > ${$(after)}`;
    const capCond = refuseAbove === undefined ? "" : ` AND n.located <= ${$(refuseAbove)}`;
    const sql = `WITH n AS (
         SELECT (count(*) FILTER (WHERE p.lng IS NOT NULL))::int AS located, (count(*) FILTER (WHERE p.lng IS NULL))::int AS unlocated
         FROM ${c.from} WHERE ${c.where})
       SELECT n.located, n.unlocated,
         (SELECT coalesce(json_agg(f.row ORDER BY f.id), '[]'::json)
          FROM (SELECT p.id, ${FEATURE_ROW} AS row FROM ${c.from}
                WHERE ${c.where} AND p.lng IS NOT NULL${afterCond}${capCond} ORDER BY p.id LIMIT ${$(limit + 1)}) f) AS rows
       FROM n`;
    const rows: Array<{ located: number; unlocated: number; rows: FeatureRow[] }> = await readWith(
      this.ds,
      { columns: [...c.reads, ...LOCATED] },
      sql,
      sqlParams.values,
    );
    readPlatforms(rows[0].rows.map((r) => r.id));
    return { numberMatched: rows[0].located, numberWithoutLocation: rows[0].unlocated, rows: rows[0].rows };
  }
}
