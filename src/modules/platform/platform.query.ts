/**
 * Turns a PlatformFilter into SQL: conditions on `p` (the platform table), numbered
 * parameters, and the expressions that ordering and `distanceMeters` need. Every value is a
 * bound parameter; nothing from the client is ever spliced into SQL text.
 */
import { badInput } from "../../errors";
import { Params } from "../../db/table";
import { col, PLATFORM } from "./platform.store";
import { PLATFORM_AGENCY, PLATFORM_DOMAIN } from "./platform.tables";
import { DOMAIN_TABLE } from "../domain/domain.entity";
import { STATUS_EVENT } from "../status/status-event.entity";
import type { Platform } from "./platform.entity";
import type { CursorKeyType } from "../../db/cursor";
import { normalizeForSearch, queryGrams } from "./search";
import type { PlatformFilter } from "./platform.inputs";
import type { SearchTerms } from "./search-interpretation";
import { PlatformOrder } from "./platform.inputs";

export const EARTH_RADIUS_M = 6_371_008.8;

/**
 * A compiled platform filter: SQL on alias `p` and the values of its placeholders. It travels as
 * this type from the query to the connection's totalCount and facets; SQL that goes on from it
 * takes its placeholders from `params()`, which continues the numbering after the filter's own.
 */
export class CompiledFilter {
  constructor(
    /** The FROM item, aliased `p`: the platform table, or (with asOf) the platforms with their status on that date. */
    readonly from: string,
    readonly where: string,
    /** The values of the placeholders in from, where, distance and rank, in order. */
    readonly values: readonly unknown[],
    /** SQL for metres from the `near` point, when near is given. */
    readonly distance: string | null,
    /** SQL rank for search: 0 exact name, 1 prefix, 2 contains. */
    readonly rank: string | null,
    /** the columns which platforms match depends on (src/reads.ts), declared by every statement built on this filter */
    readonly reads: readonly string[],
  ) {}

  /** Parameters for SQL built on this filter: its own values first, then what the caller adds. */
  params(): Params {
    return new Params(this.values);
  }

  /** This filter and one more condition, whose placeholders came from `params` (made by params()); `reads`: what the condition depends on. */
  and(condition: string, params: Params, reads: readonly string[]): CompiledFilter {
    return new CompiledFilter(this.from, `${this.where} AND ${condition}`, params.values, this.distance, this.rank, [...this.reads, ...reads]);
  }
}

/**
 * The platforms with `status` as it stood on a date, aliased `p`, for SQL written against the
 * platform table: the latest status event effective on or before the date (ties: the one recorded
 * last), else the platform's first event (its baseline), else its current status. Each lookup is
 * one probe of status_event_effective_idx (platform_id, effective_date, recorded_at, id); PostgreSQL
 * pulls the subquery up, so the filter's other conditions still use the platform's own indexes.
 */
export function platformsAsOf(dateParam: string): string {
  const cols = PLATFORM.columns.filter((c) => c.property !== "status").map((c) => `p0.${PLATFORM.c[c.property as keyof typeof PLATFORM.c]}`);
  return `(SELECT ${cols.join(", ")}, coalesce(s.to_status,
      (SELECT b.to_status FROM status_event b WHERE b.platform_id = p0.id ORDER BY b.effective_date, b.recorded_at, b.id LIMIT 1),
      p0.status) AS status
    FROM platform p0 LEFT JOIN LATERAL (
      SELECT e.to_status FROM status_event e WHERE e.platform_id = p0.id AND e.effective_date <= ${dateParam}::date
      ORDER BY e.effective_date DESC, e.recorded_at DESC, e.id DESC LIMIT 1) s ON true) p`;
}

/** An ISO date (YYYY-MM-DD) from the GraphQL Date scalar's value or a string; null stays null. */
export function isoDate(d: Date | string | null | undefined): string | null {
  if (d === null || d === undefined) return null;
  return typeof d === "string" ? d : d.toISOString().slice(0, 10);
}

/**
 * Compiles a filter. `terms` is the filter's search as read by search-interpretation.ts (districts and
 * domains it names, text terms each matched against names); without it, the search is matched as one
 * text. With `asOf` (an ISO date), the platforms are read with their status on that date
 * (platformsAsOf), so `statuses`, facets and counts apply to it; without it, the platform table itself.
 */
export function compileFilter(filter: PlatformFilter | undefined | null, terms?: SearchTerms | null, asOf: string | null = null): CompiledFilter {
  const f = filter ?? {};
  const sqlParams = new Params();
  const $ = (v: unknown) => sqlParams.add(v);
  const from = asOf === null ? "platform p" : platformsAsOf($(asOf));
  const conds: string[] = [];
  // what the conditions read: a platform's status as of a date comes from its events
  const reads: string[] = asOf === null ? [] : [...STATUS_EVENT.reads(), ...PLATFORM.reads("status")];
  const read = (...properties: Array<keyof Platform>) => reads.push(...PLATFORM.reads(...properties));
  let distance: string | null = null;
  let rank: string | null = null;

  if (!f.includeArchived) conds.push(`p.${col.archivedAt} IS NULL`);
  read("archivedAt");

  const texts = terms ? terms.text : f.search !== undefined && f.search !== null ? [normalizeForSearch(f.search)] : [];
  if (texts.some((q) => !q)) throw badInput("search must contain at least one letter or digit", { field: "search" });
  if (texts.length) read("searchGrams", "searchText");
  for (const q of texts) {
    // q holds letters and digits only (normalizeForSearch), so it needs no LIKE escaping; the
    // GIN index on grams narrows, strpos confirms. Rank (by the first term) uses the same parameter,
    // so the filter's parameters are all referenced by its WHERE clause (count and facets reuse it alone).
    const pq = $(q);
    conds.push(`p.${col.searchGrams} @> ${$(queryGrams(q))}::text[]`, `strpos(p.${col.searchText}, ${pq}) > 0`);
    rank ??= `(CASE WHEN strpos('|' || p.${col.searchText} || '|', '|' || ${pq} || '|') > 0 THEN 0 WHEN strpos('|' || p.${col.searchText}, '|' || ${pq}) > 0 THEN 1 ELSE 2 END)`;
  }
  // One value compiles to `=`: with `= ANY($n)` PostgreSQL cannot use an index's order (it must
  // assume several values), and walks the name index instead (measured: bench/README.md, S1).
  const oneOf = (col: string, values: string[]) => (new Set(values).size === 1 ? `${col} = ${$(values[0])}` : `${col} = ANY(${$(values)}::text[])`);
  const on = (property: keyof Platform & ("kind" | "level" | "status"), values: string[] | null | undefined) => {
    if (!values?.length) return;
    conds.push(oneOf(`p.${col[property]}`, values));
    read(property);
  };
  on("kind", f.kinds);
  on("level", f.levels);
  on("status", f.statuses);
  if (f.districts?.length || terms?.districts.length) read("districtCode");
  if (f.districts?.length) conds.push(oneOf(`p.${col.districtCode}`, f.districts));
  if (f.zone) {
    read("zoneId");
    conds.push(`p.id IN (WITH RECURSIVE z(id) AS (
        SELECT c.id FROM platform c WHERE c.${col.zoneId} = ${$(f.zone)}
        UNION SELECT c.id FROM platform c JOIN z ON c.${col.zoneId} = z.id)
      SELECT id FROM z)`);
  }
  // The subtree is computed once per statement (an InitPlan: ARRAY(...)), and platform_domain is
  // matched against it as a value; as `IN (WITH RECURSIVE ...)` the planner estimated the CTE at
  // hundreds of rows and hashed all of platform_domain for every page.
  const inDomains = (ids: string[]) => `EXISTS (SELECT 1 FROM platform_domain pd WHERE pd.platform_id = p.id AND pd.domain_id = ANY(ARRAY(
        WITH RECURSIVE d(id) AS (
          SELECT id FROM domain WHERE id = ANY(${$(ids)}::text[])
          UNION SELECT c.id FROM domain c JOIN d ON c.parent_id = d.id OR d.id = ANY(c.also_in))
        SELECT id FROM d)))`;
  if (f.domains?.length || terms?.domains.length) reads.push(...PLATFORM_DOMAIN.reads(), ...DOMAIN_TABLE.reads());
  if (f.domains?.length) conds.push(inDomains(f.domains));
  // what the search names, on top of (AND) the filter's own districts and domains
  if (terms?.districts.length) conds.push(oneOf(`p.${col.districtCode}`, terms.districts));
  if (terms?.domains.length) conds.push(inDomains(terms.domains));
  if (f.agencies?.length) {
    reads.push(...PLATFORM_AGENCY.reads());
    conds.push(`EXISTS (SELECT 1 FROM platform_agency pa WHERE pa.platform_id = p.id AND pa.agency_id = ANY(${$(f.agencies)}::text[]))`);
  }
  if (f.bbox || f.near) read("lng", "lat");
  if (f.bbox) {
    const b = f.bbox;
    if (b.length !== 4 || !b.every(Number.isFinite)) throw badInput("bbox must be [minLng, minLat, maxLng, maxLat]", { field: "bbox" });
    const [minLng, minLat, maxLng, maxLat] = b;
    if (minLng < -180 || maxLng > 180 || minLat < -90 || maxLat > 90 || minLng > maxLng || minLat > maxLat) {
      throw badInput("bbox must have -180 ≤ minLng ≤ maxLng ≤ 180 and -90 ≤ minLat ≤ maxLat ≤ 90", { field: "bbox" });
    }
    conds.push(`p.lng IS NOT NULL AND point(p.lng, p.lat) <@ box(point(${$(minLng)}, ${$(minLat)}), point(${$(maxLng)}, ${$(maxLat)}))`);
  }
  if (f.near) {
    const { lng, lat, radiusMeters } = f.near;
    if (![lng, lat, radiusMeters].every(Number.isFinite)) throw badInput("near needs finite lng, lat and radiusMeters", { field: "near" });
    const pl = $(lng),
      pt = $(lat);
    distance = `(2 * ${EARTH_RADIUS_M} * asin(sqrt(power(sin(radians(p.lat - ${pt}::float8) / 2), 2) + cos(radians(${pt}::float8)) * cos(radians(p.lat)) * power(sin(radians(p.lng - ${pl}::float8) / 2), 2))))`;
    // A box that holds the circle lets the GiST index narrow the rows; the haversine decides.
    const dLat = (radiusMeters / (Math.PI * EARTH_RADIUS_M)) * 180 * 1.01;
    const cosLat = Math.cos((Math.min(Math.abs(lat) + dLat, 89.9) * Math.PI) / 180);
    const dLng = Math.min(180, dLat / Math.max(cosLat, 1e-6));
    conds.push(
      `p.lng IS NOT NULL AND point(p.lng, p.lat) <@ box(point(${$(Math.max(-180, lng - dLng))}, ${$(Math.max(-90, lat - dLat))}), point(${$(Math.min(180, lng + dLng))}, ${$(Math.min(90, lat + dLat))}))`,
      `${distance} <= ${$(radiusMeters)}`,
    );
  }
  return new CompiledFilter(from, conds.length ? conds.join(" AND ") : "TRUE", sqlParams.values, distance, rank, reads);
}

const STATUS_RANK = `array_position(ARRAY['PLANNED','PREPARING','UNDER_CONSTRUCTION','TRIAL_OPERATION','OPERATIONAL','SUSPENDED','CANCELLED']::text[], p.status::text)`;

export interface OrderSpec {
  /** Key expressions; the last is always p.id. All keys sort in `dir`. */
  keys: string[];
  /** SQL type of each key, to read a cursor's text values back exactly. */
  types: CursorKeyType[];
  dir: "ASC" | "DESC";
  /** the columns the order depends on (src/reads.ts) */
  reads: string[];
}

export function orderSpec(order: PlatformOrder, c: CompiledFilter): OrderSpec {
  switch (order) {
    case PlatformOrder.NAME:
      return { keys: [`p.${col.sortKey}`, "p.id"], types: ["text", "text"], dir: "ASC", reads: PLATFORM.reads("sortKey") };
    case PlatformOrder.STATUS:
      return { keys: [STATUS_RANK, `p.${col.sortKey}`, "p.id"], types: ["int", "text", "text"], dir: "ASC", reads: PLATFORM.reads("status", "sortKey") };
    case PlatformOrder.UPDATED_AT:
      return { keys: [`p.${col.updatedAt}`, "p.id"], types: ["timestamptz", "text"], dir: "DESC", reads: PLATFORM.reads("updatedAt") };
    case PlatformOrder.DISTANCE:
      if (!c.distance) throw badInput("orderBy DISTANCE needs filter.near", { field: "orderBy" });
      return { keys: [c.distance, "p.id"], types: ["float8", "text"], dir: "ASC", reads: PLATFORM.reads("lng", "lat") };
    case PlatformOrder.RELEVANCE:
      if (!c.rank) throw badInput("orderBy RELEVANCE needs filter.search", { field: "orderBy" });
      return { keys: [c.rank, `p.${col.sortKey}`, "p.id"], types: ["int", "text", "text"], dir: "ASC", reads: PLATFORM.reads("searchText", "sortKey") };
  }
}
