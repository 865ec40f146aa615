/**
 * A platform's list relations, each defined once: where its rows come from, their order, and a row
 * as JSON. Every read of a relation takes its SQL from here:
 * - a page's correlated subquery (`relationSubquery`), so a page and what it selects are one
 *   statement;
 * - a DataLoader's batch (`readRelation`), one statement for many platforms;
 * - the whole-record read (export, update), which asks the subquery for the ids alone.
 * So the order and the shape of a relation cannot differ between the paths.
 */
import { readWith, type Queryable } from "../../db/reader";
import { AGENCY_TABLE } from "../agency/agency.entity";
import { DOMAIN_TABLE } from "../domain/domain.entity";
import { STATUS_EVENT } from "../status/status-event.entity";
import { PLATFORM, PLATFORM_AGENCY, PLATFORM_DOMAIN, PLATFORM_MENTION } from "./platform.tables";

export type ListRelation = "domains" | "agencies" | "mentions" | "statusHistory";

interface RelationDef {
  /** FROM items; the platform's id is `key` */
  from: string;
  /** what the rows depend on besides the platform's own (src/reads.ts): the table they name */
  reads: string[];
  key: string;
  order: string;
  /** a row as a JSON object; `only`: these columns of the related table (null: all) */
  json(only: readonly string[] | null): string;
}

const pd = PLATFORM_DOMAIN.c,
  pa = PLATFORM_AGENCY.c,
  pm = PLATFORM_MENTION.c,
  e = STATUS_EVENT.c;

/** A status event as JSON, with its dates as text (the shape rowToEvent reads). */
const EVENT_JSON = `json_build_object('id', e.id::text, 'platform_id', e.${e.platformId}, 'from_status', e.${e.from},
      'to_status', e.${e.to}, 'effective_date', e.${e.effectiveDate}::text, 'recorded_at', e.${e.recordedAt}, 'actor', e.${e.actor}, 'note', e.${e.note},
      'source_title', e.${e.sourceTitle}, 'source_url', e.${e.sourceUrl}, 'source_published_at', e.${e.sourcePublishedAt}::text,
      'source_publisher', e.${e.sourcePublisher}, 'date_precision', e.${e.datePrecision},
      'correction', e.${e.correction}, 'token_id', e.${e.tokenId})`;

const RELATIONS: Record<ListRelation, RelationDef> = {
  domains: {
    from: `${PLATFORM_DOMAIN.name} pd JOIN ${DOMAIN_TABLE.name} d ON d.id = pd.${pd.domainId}`,
    reads: DOMAIN_TABLE.reads(),
    key: `pd.${pd.platformId}`,
    order: "d.id",
    json: (only) => DOMAIN_TABLE.json("d", only),
  },
  agencies: {
    from: `${PLATFORM_AGENCY.name} pa JOIN ${AGENCY_TABLE.name} a ON a.id = pa.${pa.agencyId}`,
    reads: AGENCY_TABLE.reads(),
    key: `pa.${pa.platformId}`,
    order: `pa.${pa.position}`,
    json: (only) => AGENCY_TABLE.json("a", only),
  },
  mentions: {
    from: `${PLATFORM_MENTION.name} m`,
    reads: [],
    key: `m.${pm.platformId}`,
    order: `m.${pm.position}`,
    json: () => `json_build_object('section', m.${pm.section}, 'excerpt', m.${pm.excerpt}, 'offset', m.${pm.offset})`,
  },
  statusHistory: {
    from: `${STATUS_EVENT.name} e`,
    reads: [],
    key: `e.${e.platformId}`,
    order: `e.${e.recordedAt} DESC, e.id DESC`,
    json: () => EVENT_JSON,
  },
};

/** What a relation's rows depend on besides the platform's own rows (src/reads.ts): the table they name, if any. */
export function relationReads(name: ListRelation): readonly string[] {
  return RELATIONS[name].reads;
}

/** The relation of the platform `platform` (an SQL expression, e.g. `p.id`) as a JSON array, in its order. */
export function relationSubquery(name: ListRelation, only: readonly string[] | null = null, platform = "p.id"): string {
  const r = RELATIONS[name];
  return `(SELECT coalesce(json_agg(${r.json(only)} ORDER BY ${r.order}), '[]') FROM ${r.from} WHERE ${r.key} = ${platform})`;
}

/** The relation of each platform given, in one statement: the rows (JSON objects) of each id, in the relation's order. */
export async function readRelation(q: Queryable, name: ListRelation, ids: readonly string[]): Promise<Array<Array<Record<string, unknown>>>> {
  const r = RELATIONS[name];
  const rows: Array<{ k: string; r: Record<string, unknown> }> = await readWith(
    q,
    { platforms: ids, columns: r.reads },
    `SELECT ${r.key} AS k, ${r.json(null)} AS r FROM ${r.from} WHERE ${r.key} = ANY($1::text[]) ORDER BY ${r.order}`,
    [ids],
  );
  const groups = new Map<string, Array<Record<string, unknown>>>(ids.map((id) => [id, []]));
  for (const row of rows) groups.get(row.k)?.push(row.r);
  return ids.map((id) => groups.get(id)!);
}

/** What platforms are counted by: their district, the agencies responsible, their domains (with the domain's subtree and, for a group, its members). */
export type CountKey = "district" | "agency" | "domain";

/** What each count depends on (src/reads.ts): which platforms are counted, and under which key. */
const COUNT_READS: Record<CountKey, string[]> = {
  district: PLATFORM.reads("districtCode", "archivedAt"),
  agency: [...PLATFORM.reads("archivedAt"), ...PLATFORM_AGENCY.reads()],
  domain: [...PLATFORM.reads("archivedAt"), ...PLATFORM_DOMAIN.reads(), ...DOMAIN_TABLE.reads()],
};

/** The platform `id` is not archived: an anti-join against the few archived platforms (index platform_archived_idx). */
const notArchived = (id: string) => `NOT EXISTS (SELECT 1 FROM platform a WHERE a.id = ${id} AND a.${PLATFORM.c.archivedAt} IS NOT NULL)`;

const COUNT_SQL: Record<CountKey, string> = {
  district: `SELECT p.${PLATFORM.c.districtCode} AS k, count(*)::int AS n FROM platform p
     WHERE p.${PLATFORM.c.districtCode} = ANY($1::text[]) AND p.${PLATFORM.c.archivedAt} IS NULL GROUP BY 1`,
  agency: `SELECT pa.${pa.agencyId} AS k, count(*)::int AS n FROM ${PLATFORM_AGENCY.name} pa
     WHERE pa.${pa.agencyId} = ANY($1::text[]) AND ${notArchived(`pa.${pa.platformId}`)} GROUP BY 1`,
  // A platform counts once under a domain however many of the domain's subtree it is tagged with. The
  // platforms are first folded into their sets of domains (few distinct sets, read in the primary key's
  // order), and each domain adds up the sets that meet its subtree: no DISTINCT over every
  // (domain, platform) pair, which sorted on disk at 100k platforms (1.3 s; this: 0.2 s, bench/README.md).
  domain: `WITH RECURSIVE reach(root, id) AS (
       SELECT id, id FROM ${DOMAIN_TABLE.name} WHERE id = ANY($1::text[])
       UNION SELECT r.root, c.id FROM ${DOMAIN_TABLE.name} c JOIN reach r ON c.${DOMAIN_TABLE.c.parentId} = r.id OR r.id = ANY(c.${DOMAIN_TABLE.c.alsoIn})),
     roots AS (SELECT root, array_agg(id) AS ids FROM reach GROUP BY root),
     sets AS (
       SELECT ds, count(*) AS n FROM (
         SELECT array_agg(pd.${pd.domainId} ORDER BY pd.${pd.domainId}) AS ds FROM ${PLATFORM_DOMAIN.name} pd
         WHERE ${notArchived(`pd.${pd.platformId}`)} GROUP BY pd.${pd.platformId}) x
       GROUP BY ds)
     SELECT r.root AS k, sum(s.n)::int AS n FROM roots r JOIN sets s ON s.ds && r.ids GROUP BY r.root`,
};

/** Non-archived platforms per key (districts, agencies or domains), for a batch of keys, in one statement; 0 where none. */
export async function countPlatformsBy(q: Queryable, by: CountKey, keys: readonly string[]): Promise<number[]> {
  const rows: Array<{ k: string; n: number }> = await readWith(q, { columns: COUNT_READS[by] }, COUNT_SQL[by], [keys]);
  const byKey = new Map(rows.map((r) => [r.k, r.n]));
  return keys.map((k) => byKey.get(k) ?? 0);
}
