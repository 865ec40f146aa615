/**
 * The platform's store: how a platform record becomes rows and rows become a Platform. It owns
 * the row mapping, the one upsert, the one relation writer and the one record read; the seed
 * loader, `import` and the API's create/update all write through it. Column names come from the
 * entity (src/db/table.ts), so a new column is an edit to the entity and its migration.
 */
import type { EntityManager } from "typeorm";
import { Table } from "../../db/table";
import type { Queryable } from "../../db/reader";
import { LocationPrecision } from "./platform.enums";
import { Platform } from "./platform.entity";
import type { PlatformRecord } from "./platform.rules";
import { buildSearchDocument } from "./search";

export const PLATFORM = new Table(Platform);
/** Quoted column names by property, for SQL written by hand: `p.${col.districtCode}`. */
export const col = PLATFORM.c;

/** The columns a Platform object needs (the search columns stay in the database), on alias `p`. */
const SEARCH_COLUMNS: Array<keyof Platform> = ["searchText", "searchGrams", "sortKey"];
export const PLATFORM_SELECT = PLATFORM.select("p", SEARCH_COLUMNS);

/** PLATFORM_SELECT, or only the given columns (a query's selection, see lookahead.platformSelection). */
export function platformSelect(columns: ReadonlyArray<keyof Platform> | null | undefined): string {
  return columns ? PLATFORM.select("p", SEARCH_COLUMNS, columns) : PLATFORM_SELECT;
}

/** A row (snake_case columns, or row_to_json of one) as a Platform. */
export function rowToPlatform(r: Record<string, unknown>): Platform {
  return PLATFORM.fromRow(r);
}

/** District centroids, for records placed at their district (precision DISTRICT). */
export async function districtCentroids(q: Queryable): Promise<Map<string, { lng: number; lat: number }>> {
  const rows: Array<{ code: string; lng: number; lat: number }> = await q.query(`SELECT code, centroid_lng AS lng, centroid_lat AS lat FROM district`);
  return new Map(rows.map((r) => [r.code, { lng: r.lng, lat: r.lat }]));
}

/** The first status event of a platform the write creates. */
export interface FirstEvent {
  actor: string;
  note: string | null;
  sourceTitle: string | null;
  sourceUrl?: string | null;
  sourcePublisher?: string | null;
  sourcePublishedAt: string | null;
  effectiveDate: string;
  tokenId: string | null;
}

/** What a dump restores exactly, beyond the record: the status, the version and the timestamps. */
export interface RestoredState {
  status: string;
  version: number;
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The descriptive columns of a record. */
function descriptive(x: PlatformRecord, centroids: Map<string, { lng: number; lat: number }>): Partial<Record<keyof Platform, unknown>> {
  const doc = buildSearchDocument(x);
  let lng: number | null = null, lat: number | null = null, precision: string | null = null;
  if (x.location) {
    precision = x.location.precision;
    if (precision === LocationPrecision.DISTRICT && (x.location.lng === undefined || x.location.lat === undefined)) {
      ({ lng, lat } = centroids.get(x.district!)!);
    } else ({ lng, lat } = x.location as { lng: number; lat: number });
  }
  return {
    id: x.id, nameHans: x.nameHans, nameHant: x.nameHant, nameEn: x.nameEn, nameEnEstablished: x.nameEnEstablished, aliases: x.aliases,
    kind: x.kind, level: x.level, districtCode: x.district, zoneId: x.zone, overseasCity: x.overseas?.city ?? null,
    overseasCountry: x.overseas?.country ?? null, lng, lat, precision, locationNote: x.locationNote ?? null, note: x.note,
    searchText: doc.text, searchGrams: doc.grams, sortKey: doc.sortKey,
  };
}

/**
 * Writes a platform record: inserts it, or updates what differs, and brings its domains, agencies
 * and mentions in line. `version` and `updatedAt` move whenever anything about the platform
 * changed, relations included. Status belongs to the status workflow: it is written only when the
 * platform is created, with `firstEvent`. With `restore` (an import), the status, version and
 * timestamps are written as given instead. Runs inside the caller's transaction; rows written per table.
 */
export async function upsertPlatform(
  m: EntityManager,
  x: PlatformRecord,
  opts: { centroids: Map<string, { lng: number; lat: number }>; firstEvent?: FirstEvent; restore?: RestoredState },
): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  const add = (k: string, n: number) => (written[k] = (written[k] ?? 0) + n);
  const values = descriptive(x, opts.centroids);
  let row;
  if (opts.restore) {
    const r = opts.restore;
    row = await PLATFORM.upsert(m, { ...values, status: r.status, version: r.version, archivedAt: r.archivedAt, createdAt: r.createdAt, updatedAt: r.updatedAt });
  } else {
    row = await PLATFORM.upsert(m, { ...values, status: x.status }, {
      insertOnly: ["status"],
      onUpdate: [`${col.version} = ${PLATFORM.name}.${col.version} + 1`, `${col.updatedAt} = now()`],
    });
  }
  add("platform", row ? 1 : 0);

  if (opts.firstEvent) {
    const e = opts.firstEvent;
    const hasEvent: unknown[] = await m.query(`SELECT 1 FROM status_event WHERE platform_id = $1 LIMIT 1`, [x.id]);
    if (!hasEvent.length) {
      await m.query(
        `INSERT INTO status_event (platform_id, from_status, to_status, effective_date, actor, note, source_title, source_url,
           source_published_at, correction, token_id, source_publisher)
         VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, false, $9, $10)`,
        [x.id, x.status, e.effectiveDate, e.actor, e.note, e.sourceTitle, e.sourceUrl ?? null, e.sourcePublishedAt, e.tokenId, e.sourcePublisher ?? null],
      );
      add("status_event", 1);
    }
  }

  const relations = await writePlatformRelations(m, x);
  for (const [k, n] of Object.entries(relations)) add(k, n);
  // A change of domains, agencies or mentions alone is a change of the platform.
  if (!row && !opts.restore && Object.values(relations).some((n) => n > 0)) {
    await m.query(`UPDATE platform SET ${col.version} = ${col.version} + 1, ${col.updatedAt} = now() WHERE id = $1`, [x.id]);
    add("platform", 1);
  }
  return written;
}

/** Rows a statement wrote. TypeORM answers UPDATE and DELETE with [rows, affected], INSERT with rows. */
export async function rowsWritten(m: Queryable, sql: string, params: unknown[]): Promise<number> {
  const res: unknown[] = await m.query(sql + " RETURNING 1", params);
  if (res.length === 2 && Array.isArray(res[0]) && typeof res[1] === "number") return res[1];
  return res.length;
}

/** Brings a platform's domains, agencies (in order) and mentions in line with the record. Rows written per table. */
export async function writePlatformRelations(
  m: Queryable,
  x: Pick<PlatformRecord, "id" | "domains" | "agencies" | "mentions">,
): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  const add = (k: string, n: number) => (written[k] = (written[k] ?? 0) + n);
  add("platform_domain", await rowsWritten(m,
    `DELETE FROM platform_domain WHERE platform_id = $1 AND NOT (domain_id = ANY($2::text[]))`, [x.id, x.domains]));
  add("platform_domain", await rowsWritten(m,
    `INSERT INTO platform_domain (platform_id, domain_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [x.id, x.domains]));
  add("platform_agency", await rowsWritten(m,
    `DELETE FROM platform_agency WHERE platform_id = $1 AND NOT (agency_id = ANY($2::text[]))`, [x.id, x.agencies]));
  add("platform_agency", await rowsWritten(m,
    `INSERT INTO platform_agency (platform_id, agency_id, position)
     SELECT $1, a, ord::int FROM unnest($2::text[]) WITH ORDINALITY AS t(a, ord)
     ON CONFLICT (platform_id, agency_id) DO UPDATE SET position = EXCLUDED.position WHERE platform_agency.position <> EXCLUDED.position`,
    [x.id, x.agencies]));
  add("platform_mention", await rowsWritten(m,
    `DELETE FROM platform_mention WHERE platform_id = $1 AND position > $2`, [x.id, x.mentions.length]));
  for (const [i, mm] of x.mentions.entries()) {
    add("platform_mention", await rowsWritten(m,
      `INSERT INTO platform_mention (platform_id, position, section, excerpt, "offset") VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (platform_id, position) DO UPDATE SET section=EXCLUDED.section, excerpt=EXCLUDED.excerpt, "offset"=EXCLUDED."offset"
       WHERE (platform_mention.section, platform_mention.excerpt, platform_mention."offset") IS DISTINCT FROM (EXCLUDED.section, EXCLUDED.excerpt, EXCLUDED."offset")`,
      [x.id, i + 1, mm.section, mm.excerpt, mm.offset]));
  }
  return written;
}

/** A stored platform as a record, with what a dump keeps besides (timestamps in UTC with microseconds). */
export type StoredPlatform = Omit<PlatformRecord, "statusWording" | "statusInferred"> & RestoredState;

const UTC = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Platforms as records, ordered by id: all of them, or the ids given. A DISTRICT location keeps
 * the centroid it stands for. The one read of a whole record (update merges into it; export writes it).
 */
export async function readPlatformRecords(q: Queryable, ids?: readonly string[]): Promise<StoredPlatform[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a raw SQL row
  const rows: Array<Record<string, any>> = await q.query(
    `SELECT ${PLATFORM_SELECT}, ${UTC(`p.${col.archivedAt}`)} AS _archived, ${UTC(`p.${col.createdAt}`)} AS _created, ${UTC(`p.${col.updatedAt}`)} AS _updated,
       coalesce((SELECT array_agg(domain_id ORDER BY domain_id) FROM platform_domain WHERE platform_id = p.id), '{}') AS _domains,
       coalesce((SELECT array_agg(agency_id ORDER BY position) FROM platform_agency WHERE platform_id = p.id), '{}') AS _agencies,
       coalesce((SELECT json_agg(json_build_object('section', section, 'excerpt', excerpt, 'offset', "offset") ORDER BY position)
                 FROM platform_mention WHERE platform_id = p.id), '[]') AS _mentions
     FROM platform p ${ids ? "WHERE p.id = ANY($1::text[])" : ""} ORDER BY p.id`,
    ids ? [ids] : [],
  );
  return rows.map((r) => {
    const p = rowToPlatform(r);
    return {
      id: p.id, nameHant: p.nameHant, nameHans: p.nameHans, nameEn: p.nameEn, nameEnEstablished: p.nameEnEstablished,
      aliases: p.aliases, kind: p.kind, level: p.level, domains: r._domains, district: p.districtCode,
      overseas: p.overseasCity ? { city: p.overseasCity, country: p.overseasCountry! } : null, zone: p.zoneId,
      location: p.lng === null ? null : { lng: p.lng, lat: p.lat!, precision: p.precision! },
      locationNote: p.locationNote,
      status: p.status, agencies: r._agencies, mentions: r._mentions, note: p.note,
      version: p.version, archivedAt: r._archived, createdAt: r._created, updatedAt: r._updated,
    };
  });
}
