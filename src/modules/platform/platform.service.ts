import { types } from "pg";
import { readWith, readPlatforms, type Queryable } from "../../db/reader";
import { badInput } from "../../errors";
import { rowToAgency, type Agency } from "../agency/agency.entity";
import { rowToDomain, type Domain } from "../domain/domain.entity";
import type { Mention } from "../source/mention.type";
import { rowToEvent, type EventRow, type StatusEvent } from "../status/status-event.entity";
import { Platform, type Prefetched } from "./platform.entity";
import { PlatformName } from "./platform-name.entity";
import { DISTRICT_TABLE, rowToDistrict } from "../district/district.entity";
import type { PlatformSelection, ProjectedRelation, Relation } from "./lookahead";
import { PlatformOrder, type PlatformFilter } from "./platform.inputs";
import { compileFilter, orderSpec, platformsAsOf, type CompiledFilter, type OrderSpec } from "./platform.query";
import { SearchInterpreter, type SearchInterpretation } from "./search-interpretation";
import { DEFAULT_PAGE, MAX_PAGE, type FacetCount, type PageInfo, type PlatformFacets } from "./platform.types";
import { decodeCursor, encodeCursor } from "../../db/cursor";
import { perNode } from "../../per-node";
import { col, PLATFORM, PLATFORM_SELECT, platformSelect, rowToPlatform as platformOfRow } from "./platform.store";
import { PLATFORM_DOMAIN } from "./platform.tables";
import { readRelation, relationReads as readsOfRelation, relationSubquery } from "./platform.relations";

const NONE: ReadonlySet<Relation> = new Set();

export { DEFAULT_PAGE, MAX_PAGE } from "./platform.types";

export interface PageArgs {
  filter?: PlatformFilter | null;
  /** ISO date: read each platform's status as it stood on that date */
  asOf?: string | null;
  orderBy?: PlatformOrder | null;
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PlatformPage {
  edges: Array<{ cursor: string; node: Platform }>;
  pageInfo: PageInfo;
  query: CompiledFilter;
  /** how the filter's search was read; null without a search */
  searchInterpretation: SearchInterpretation | null;
}

/** A platform row as read with PLATFORM_SELECT, plus what a page or a prefetch adds. */
interface PlatformRow extends Record<string, unknown> {
  id: string;
  distance_m?: number | null;
  /** the sort keys, as PostgreSQL's text of a text[] (parsed only when a cursor is asked for) */
  _k?: string;
  // relations read with the row (relationColumns), as JSON
  _district?: Record<string, unknown> | null;
  _domains?: Array<Record<string, unknown>>;
  _agencies?: Array<Record<string, unknown>>;
  _mentions?: Mention[];
  _history?: EventJson[];
}

/** A status event as platform.relations.ts reads it (JSON: its timestamp as text). */
type EventJson = Omit<EventRow, "recorded_at"> & { recorded_at: string };
const eventOfJson = (e: EventJson) => rowToEvent({ ...e, recorded_at: new Date(e.recorded_at) });

/**
 * Correlated subqueries that bring a platform's relations with its row, as JSON, in the order and
 * shape of the batch statements below (both from platform.relations.ts), so that a
 * page and what it selects are one statement. Only the relations asked for are added, and of a
 * district, domain or agency only the columns its selected fields need (lookahead.platformRead).
 */
function relationColumn(r: Relation, read: Partial<PlatformSelection>): string {
  const only = (p: ProjectedRelation) => read.relationColumns?.[p] ?? null;
  switch (r) {
    case "district":
      return `(SELECT ${DISTRICT_TABLE.json("x", only("district"))} FROM district x WHERE x.code = p.${col.districtCode}) AS _district`;
    case "domains":
      return `${relationSubquery("domains", only("domains"))} AS _domains`;
    case "agencies":
      return `${relationSubquery("agencies", only("agencies"))} AS _agencies`;
    case "mentions":
      return `${relationSubquery("mentions")} AS _mentions`;
    case "statusHistory":
      return `${relationSubquery("statusHistory")} AS _history`;
  }
}

function relationColumns(read: Partial<PlatformSelection>): string {
  return [...(read.relations ?? NONE)].map((r) => `,\n  ${relationColumn(r, read)}`).join("");
}

/**
 * What the relations read with a row depend on besides the platform's own rows (src/reads.ts): the
 * district, domains and agencies they name.
 */
function relationReads(read: Partial<PlatformSelection>): string[] {
  return [...(read.relations ?? NONE)].flatMap((r) => (r === "district" ? DISTRICT_TABLE.reads() : readsOfRelation(r)));
}

/**
 * The statement of findById for a selection, made once per selection object: a query's selection is
 * kept with its parsed document (lookahead.platformSelection), so a repeated query sends the same text.
 */
const byIdSql = perNode(
  (read: Partial<PlatformSelection>): string => `SELECT ${platformSelect(read.columns ?? null)}${relationColumns(read)} FROM platform p WHERE p.id = $1`,
);

/** findById's statement with the platform's status on a date ($2). */
const byIdAsOfSql = perNode(
  (read: Partial<PlatformSelection>): string =>
    `SELECT ${platformSelect(read.columns ?? null)}${relationColumns(read)} FROM ${platformsAsOf("$2")} WHERE p.id = $1`,
);

function prefetchedOf(r: PlatformRow): Prefetched | undefined {
  const out: Prefetched = {};
  if (r._district !== undefined) out.district = r._district ? rowToDistrict(r._district) : null;
  if (r._domains !== undefined) out.domains = r._domains.map(rowToDomain);
  if (r._agencies !== undefined) out.agencies = r._agencies.map(rowToAgency);
  if (r._mentions !== undefined) out.mentions = r._mentions;
  if (r._history !== undefined) out.statusHistory = r._history.map(eventOfJson);
  return Object.keys(out).length ? out : undefined;
}

/** A row as a Platform, with its distance and the relations read with it. */
export function rowToPlatform(r: PlatformRow): Platform {
  return Object.assign(platformOfRow(r), { distanceMeters: r.distance_m ?? null, prefetched: prefetchedOf(r) });
}

// pg's own parser of a text[] (OID 1009, not among pg's named builtins)
const parseTextArray = (types.getTypeParser as (oid: number) => (text: string) => string[])(1009);

/** A page's edge: its cursor is made from the row's sort keys when (and if) a query asks for it. */
class Edge {
  constructor(
    private readonly order: PlatformOrder,
    private readonly keys: string,
    readonly node: Platform,
  ) {}
  get cursor(): string {
    return encodeCursor(this.order, parseTextArray(this.keys));
  }
}
const keysOf = (cursor: string, order: PlatformOrder, spec: OrderSpec, name: string) =>
  decodeCursor(cursor, order, spec.types, name, `a cursor of this connection with orderBy ${order}`);

/** Reads platforms: one by id, pages of a filter, counts and facets, and the batches the DataLoaders use. */
export class PlatformService {
  constructor(
    private readonly ds: Queryable,
    private readonly search = new SearchInterpreter(ds),
  ) {}

  /**
   * One platform by id (archived ones included: an id is a permanent address), with the relations in
   * `read.relations`; `read.columns` and `read.relationColumns` (absent or null: all) read only what a
   * query selects (lookahead.platformSelection).
   */
  async findById(id: string, read: Partial<PlatformSelection> = {}, asOf: string | null = null): Promise<Platform | null> {
    const rows: PlatformRow[] = await readWith(
      this.ds,
      { platforms: [id], columns: relationReads(read) },
      asOf === null ? byIdSql(read) : byIdAsOfSql(read),
      asOf === null ? [id] : [id, asOf],
    );
    return rows[0] ? rowToPlatform(rows[0]) : null;
  }

  /** Platforms by ids, in the order asked (null where unknown). */
  async findByIds(ids: readonly string[]): Promise<Array<Platform | null>> {
    const rows: PlatformRow[] = await readWith(this.ds, { platforms: ids }, `SELECT ${PLATFORM_SELECT} FROM platform p WHERE p.id = ANY($1::text[])`, [ids]);
    const byId = new Map(rows.map((r) => [r.id, rowToPlatform(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * One page of a filter, with keyset cursors: the page starts strictly after (or before) the
   * cursor's sort keys, with the id as tie-break, so pages stay stable while rows are inserted.
   * The relations in `read` come in the same statement, with the columns it names, as in findById.
   */
  async page(args: PageArgs, read: Partial<PlatformSelection> = {}): Promise<PlatformPage> {
    const { first, last, after, before } = args;
    for (const [name, v] of [
      ["first", first],
      ["last", last],
    ] as const) {
      if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 0 || v > MAX_PAGE)) {
        throw badInput(`${name} must be between 0 and ${MAX_PAGE}`, { field: name, max: MAX_PAGE });
      }
    }
    if (first != null && last != null) throw badInput("give first or last, not both", { field: "last" });
    const reading = await this.search.read(args.filter);
    const c = compileFilter(args.filter, reading?.terms, args.asOf ?? null);
    const asked = args.orderBy ?? (c.rank ? PlatformOrder.RELEVANCE : c.distance ? PlatformOrder.DISTANCE : PlatformOrder.NAME);
    // a search that only names districts or domains leaves no text to rank by: by name, then
    const order = asked === PlatformOrder.RELEVANCE && !c.rank && reading ? PlatformOrder.NAME : asked;
    const spec = orderSpec(order, c);
    const backward = last != null || (before != null && first == null);
    const n = backward ? (last ?? DEFAULT_PAGE) : (first ?? DEFAULT_PAGE);

    const sqlParams = c.params();
    const $ = (v: unknown) => sqlParams.add(v);
    const tuple = `(${spec.keys.join(", ")})`;
    const bound = (cursor: string, name: string, greater: boolean) => {
      const values = keysOf(cursor, order, spec, name);
      const cmp = (spec.dir === "ASC") === greater ? ">" : "<";
      return `${tuple} ${cmp} (${values.map((v, i) => `${$(v)}::${spec.types[i]}`).join(", ")})`;
    };
    const conds = [c.where];
    if (after) conds.push(bound(after, "after", true));
    if (before) conds.push(bound(before, "before", false));
    const dir = backward ? (spec.dir === "ASC" ? "DESC" : "ASC") : spec.dir;
    const sql = `SELECT ${platformSelect(read.columns ?? null)}, ${c.distance ?? "NULL::float8"} AS distance_m,
        ARRAY[${spec.keys.map((k) => `(${k})::text`).join(", ")}]::text AS _k${relationColumns(read)}
      FROM ${c.from} WHERE ${conds.join(" AND ")}
      ORDER BY ${spec.keys.map((k) => `${k} ${dir}`).join(", ")}
      LIMIT ${$(n + 1)}`;
    const rows: PlatformRow[] = await readWith(this.ds, { columns: [...c.reads, ...spec.reads, ...relationReads(read)] }, sql, sqlParams.values);
    readPlatforms(rows.map((r) => r.id));
    const more = rows.length > n;
    const pageRows = rows.slice(0, n);
    if (backward) pageRows.reverse();
    const edges = pageRows.map((r) => new Edge(order, r._k!, rowToPlatform(r)));
    return {
      edges,
      pageInfo: {
        hasNextPage: backward ? before != null : more,
        hasPreviousPage: backward ? more : after != null,
        get startCursor() {
          return edges[0]?.cursor ?? null;
        },
        get endCursor() {
          return edges[edges.length - 1]?.cursor ?? null;
        },
      },
      query: c,
      searchInterpretation: reading?.interpretation ?? null,
    };
  }

  /** Whether one platform matches a compiled filter (for subscriptions). */
  async matches(c: CompiledFilter, id: string): Promise<boolean> {
    const p = c.params();
    const rows: unknown[] = await this.ds.query(`SELECT 1 FROM ${c.from} WHERE ${c.where} AND p.id = ${p.add(id)}`, p.values);
    return rows.length > 0;
  }

  async count(c: CompiledFilter): Promise<number> {
    const rows: Array<{ n: string }> = await readWith(
      this.ds,
      { columns: c.reads },
      `SELECT count(*) AS n FROM ${c.from} WHERE ${c.where}`,
      c.values as unknown[],
    );
    return Number(rows[0].n);
  }

  /** Counts by kind, status and district (one statement, grouping sets) and by domain. */
  async facets(c: CompiledFilter): Promise<PlatformFacets> {
    const rows: Array<{ kind: string | null; status: string | null; district: string | null; g: number; n: string }> = await readWith(
      this.ds,
      { columns: [...c.reads, ...PLATFORM.reads("kind", "status", "districtCode")] },
      `SELECT p.kind, p.status, p.${col.districtCode} AS district, GROUPING(p.kind, p.status, p.${col.districtCode}) AS g, count(*) AS n
       FROM ${c.from} WHERE ${c.where}
       GROUP BY GROUPING SETS ((p.kind), (p.status), (p.${col.districtCode}))
       ORDER BY n DESC, 1, 2, 3`,
      c.values as unknown[],
    );
    const kind: FacetCount[] = [],
      status: FacetCount[] = [],
      district: FacetCount[] = [];
    for (const r of rows) {
      // GROUPING bits: kind=4, status=2, district=1 (a set bit = not grouped by that column)
      if (r.g === 3) kind.push({ value: r.kind, count: Number(r.n) });
      else if (r.g === 5) status.push({ value: r.status, count: Number(r.n) });
      else if (r.g === 6) district.push({ value: r.district, count: Number(r.n) });
    }
    const drows: Array<{ domain_id: string; n: string }> = await readWith(
      this.ds,
      { columns: [...c.reads, ...PLATFORM_DOMAIN.reads()] },
      `SELECT pd.domain_id, count(*) AS n FROM ${c.from} JOIN platform_domain pd ON pd.platform_id = p.id
       WHERE ${c.where} GROUP BY pd.domain_id ORDER BY n DESC, pd.domain_id`,
      c.values as unknown[],
    );
    return { kind, status, district, domain: drows.map((r) => ({ value: r.domain_id, count: Number(r.n) })) };
  }

  // ---- batches for the per-request DataLoaders: one statement per batch, rows grouped by key ----

  async childrenOf(zoneIds: readonly string[]): Promise<Platform[][]> {
    const rows: PlatformRow[] = await readWith(
      this.ds,
      { columns: PLATFORM.reads("zoneId", "archivedAt", "sortKey") },
      `SELECT ${PLATFORM_SELECT} FROM platform p WHERE p.${col.zoneId} = ANY($1::text[]) AND p.${col.archivedAt} IS NULL ORDER BY p.${col.sortKey}, p.id`,
      [zoneIds],
    );
    readPlatforms(rows.map((r) => r.id));
    return groupBy(
      zoneIds,
      rows.map(rowToPlatform),
      (p) => p.zoneId!,
      (p) => p,
    );
  }

  async domainsOf(ids: readonly string[]): Promise<Domain[][]> {
    return (await readRelation(this.ds, "domains", ids)).map((rows) => rows.map(rowToDomain));
  }

  async agenciesOf(ids: readonly string[]): Promise<Agency[][]> {
    return (await readRelation(this.ds, "agencies", ids)).map((rows) => rows.map(rowToAgency));
  }

  async mentionsOf(ids: readonly string[]): Promise<Mention[][]> {
    return (await readRelation(this.ds, "mentions", ids)) as unknown as Mention[][];
  }

  /** Later names (with the date each took effect and its source), oldest first. */
  async laterNamesOf(ids: readonly string[]): Promise<PlatformName[][]> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a raw SQL row
    const rows: Array<Record<string, any>> = await readWith(
      this.ds,
      { platforms: ids },
      `SELECT n.platform_id, n.name, n.script, n.effective_date::text AS effective_date, n.date_precision, n.source_title,
         n.source_publisher, n.source_published_at::text AS source_published_at, n.source_url
       FROM platform_name n WHERE n.platform_id = ANY($1::text[]) ORDER BY n.effective_date, n.id`,
      [ids],
    );
    return groupBy(
      ids,
      rows,
      (r) => r.platform_id,
      (r) =>
        Object.assign(new PlatformName(), {
          platformId: r.platform_id,
          name: r.name,
          script: r.script,
          effectiveDate: r.effective_date,
          datePrecision: r.date_precision,
          source: { title: r.source_title, publisher: r.source_publisher, publishedAt: r.source_published_at, url: r.source_url },
        }),
    );
  }

  /** Status history, newest first. */
  async historyOf(ids: readonly string[]): Promise<StatusEvent[][]> {
    return (await readRelation(this.ds, "statusHistory", ids)).map((rows) => rows.map((e) => eventOfJson(e as unknown as EventJson)));
  }
}

/** For each key, the mapped rows that belong to it, in row order. */
function groupBy<R, T>(keys: readonly string[], rows: R[], keyOf: (r: R) => string, map: (r: R) => T): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const r of rows) groups.get(keyOf(r))?.push(map(r));
  return keys.map((k) => groups.get(k)!);
}
