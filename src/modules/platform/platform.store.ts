/**
 * The platform's store: how a platform record becomes rows and rows become a Platform. It owns
 * the row mapping, the one upsert, the one relation writer and the one record read; the seed
 * loader, `import` and the API's create/update all write through it. Column names come from the
 * entity (src/db/table.ts), so a new column is an edit to the entity and its migration.
 */
import type { EntityManager } from "typeorm";
import { AppError, ErrorCode } from "../../errors";
import type { PlatformStatus } from "./platform.enums";
import { STATUS_EVENT } from "../status/status-event.entity";
import { returnedRows, type Queryable } from "../../db/reader";
import { LocationPrecision } from "./platform.enums";
import { Platform } from "./platform.entity";
import { relationSubquery } from "./platform.relations";
import { col, PLATFORM, PLATFORM_AGENCY, PLATFORM_DOMAIN, PLATFORM_MENTION } from "./platform.tables";
import type { PlatformRecord } from "./platform.rules";
import { buildSearchDocument } from "./search";

export { col, PLATFORM };
const pd = PLATFORM_DOMAIN.c,
  pa = PLATFORM_AGENCY.c,
  pm = PLATFORM_MENTION.c;

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
  let lng: number | null = null,
    lat: number | null = null,
    precision: string | null = null;
  if (x.location) {
    precision = x.location.precision;
    if (precision === LocationPrecision.DISTRICT && (x.location.lng === undefined || x.location.lat === undefined)) {
      ({ lng, lat } = centroids.get(x.district!)!);
    } else ({ lng, lat } = x.location as { lng: number; lat: number });
  }
  return {
    id: x.id,
    nameHans: x.nameHans,
    nameHant: x.nameHant,
    nameEn: x.nameEn,
    nameEnEstablished: x.nameEnEstablished,
    aliases: x.aliases,
    kind: x.kind,
    level: x.level,
    districtCode: x.district,
    zoneId: x.zone,
    overseasCity: x.overseas?.city ?? null,
    overseasCountry: x.overseas?.country ?? null,
    lng,
    lat,
    precision,
    locationNote: x.locationNote ?? null,
    note: x.note,
    searchText: doc.text,
    searchGrams: doc.grams,
    sortKey: doc.sortKey,
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
    row = await PLATFORM.upsert(m, {
      ...values,
      status: r.status,
      version: r.version,
      archivedAt: r.archivedAt,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    });
  } else {
    row = await PLATFORM.upsert(
      m,
      { ...values, status: x.status },
      {
        insertOnly: ["status"],
        onUpdate: [`${col.version} = ${PLATFORM.name}.${col.version} + 1`, `${col.updatedAt} = now()`],
      },
    );
  }
  add("platform", row ? 1 : 0);

  if (opts.firstEvent) {
    const e = opts.firstEvent;
    const hasEvent: unknown[] = await m.query(`SELECT 1 FROM status_event WHERE platform_id = $1 LIMIT 1`, [x.id]);
    if (!hasEvent.length) {
      await STATUS_EVENT.insert(m, {
        platformId: x.id,
        from: null,
        to: x.status,
        effectiveDate: e.effectiveDate,
        actor: e.actor,
        note: e.note,
        sourceTitle: e.sourceTitle,
        sourceUrl: e.sourceUrl ?? null,
        sourcePublishedAt: e.sourcePublishedAt,
        correction: false,
        tokenId: e.tokenId,
        sourcePublisher: e.sourcePublisher ?? null,
      });
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

/** Rows a statement wrote (one returned row each, however the driver answers: returnedRows). */
export async function rowsWritten(m: Queryable, sql: string, params: unknown[]): Promise<number> {
  return returnedRows(await m.query(sql + " RETURNING 1", params)).length;
}

/** Brings a platform's domains, agencies (in order) and mentions in line with the record. Rows written per table. */
export async function writePlatformRelations(
  m: Queryable,
  x: Pick<PlatformRecord, "id" | "domains" | "agencies" | "mentions">,
): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  const add = (k: string, n: number) => (written[k] = (written[k] ?? 0) + n);
  const [D, A, M] = [PLATFORM_DOMAIN.name, PLATFORM_AGENCY.name, PLATFORM_MENTION.name];
  add(D, await rowsWritten(m, `DELETE FROM ${D} WHERE ${pd.platformId} = $1 AND NOT (${pd.domainId} = ANY($2::text[]))`, [x.id, x.domains]));
  add(D, await rowsWritten(m, `INSERT INTO ${D} (${pd.platformId}, ${pd.domainId}) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [x.id, x.domains]));
  add(A, await rowsWritten(m, `DELETE FROM ${A} WHERE ${pa.platformId} = $1 AND NOT (${pa.agencyId} = ANY($2::text[]))`, [x.id, x.agencies]));
  add(
    A,
    await rowsWritten(
      m,
      `INSERT INTO ${A} (${pa.platformId}, ${pa.agencyId}, ${pa.position})
     SELECT $1, a, ord::int FROM unnest($2::text[]) WITH ORDINALITY AS t(a, ord)
     ON CONFLICT (${pa.platformId}, ${pa.agencyId}) DO UPDATE SET ${pa.position} = EXCLUDED.${pa.position} WHERE ${A}.${pa.position} <> EXCLUDED.${pa.position}`,
      [x.id, x.agencies],
    ),
  );
  add(M, await rowsWritten(m, `DELETE FROM ${M} WHERE ${pm.platformId} = $1 AND ${pm.position} > $2`, [x.id, x.mentions.length]));
  const kept = [pm.section, pm.excerpt, pm.offset];
  for (const [i, mm] of x.mentions.entries()) {
    add(
      M,
      await rowsWritten(
        m,
        `INSERT INTO ${M} (${pm.platformId}, ${pm.position}, ${kept.join(", ")}) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (${pm.platformId}, ${pm.position}) DO UPDATE SET ${kept.map((k) => `${k} = EXCLUDED.${k}`).join(", ")}
       WHERE (${kept.map((k) => `${M}.${k}`).join(", ")}) IS DISTINCT FROM (${kept.map((k) => `EXCLUDED.${k}`).join(", ")})`,
        [x.id, i + 1, mm.section, mm.excerpt, mm.offset],
      ),
    );
  }
  return written;
}

/** A stored platform as a record, with what a dump keeps besides (timestamps in UTC with microseconds). */
export type StoredPlatform = Omit<PlatformRecord, "statusWording" | "statusInferred"> & RestoredState;

const idsOf = (rows: Array<{ id: string }>) => rows.map((x) => x.id);

const UTC = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Platforms as records, ordered by id: all of them, or the ids given. A DISTRICT location keeps
 * the centroid it stands for. The one read of a whole record (update merges into it; export writes it).
 */
export async function readPlatformRecords(q: Queryable, ids?: readonly string[]): Promise<StoredPlatform[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a raw SQL row
  const rows: Array<Record<string, any>> = await q.query(
    `SELECT ${PLATFORM_SELECT}, ${UTC(`p.${col.archivedAt}`)} AS _archived, ${UTC(`p.${col.createdAt}`)} AS _created, ${UTC(`p.${col.updatedAt}`)} AS _updated,
       ${relationSubquery("domains", ["id"])} AS _domains, ${relationSubquery("agencies", ["id"])} AS _agencies,
       ${relationSubquery("mentions")} AS _mentions
     FROM platform p ${ids ? "WHERE p.id = ANY($1::text[])" : ""} ORDER BY p.id`,
    ids ? [ids] : [],
  );
  return rows.map((r) => {
    const p = rowToPlatform(r);
    return {
      id: p.id,
      nameHant: p.nameHant,
      nameHans: p.nameHans,
      nameEn: p.nameEn,
      nameEnEstablished: p.nameEnEstablished,
      aliases: p.aliases,
      kind: p.kind,
      level: p.level,
      domains: idsOf(r._domains),
      district: p.districtCode,
      overseas: p.overseasCity ? { city: p.overseasCity, country: p.overseasCountry! } : null,
      zone: p.zoneId,
      location: p.lng === null ? null : { lng: p.lng, lat: p.lat!, precision: p.precision! },
      locationNote: p.locationNote,
      status: p.status,
      agencies: idsOf(r._agencies),
      mentions: r._mentions,
      note: p.note,
      version: p.version,
      archivedAt: r._archived,
      createdAt: r._created,
      updatedAt: r._updated,
    };
  });
}

/* ---- the version lock ---- */

export interface LockedPlatform {
  id: string;
  status: PlatformStatus;
  version: number;
  districtCode: string | null;
  archivedAt: Date | null;
  agencies: string[];
  /** the effective date (YYYY-MM-DD) of its latest status event, null for none */
  latestEffective: string | null;
}

/** Locks a platform row for the rest of the transaction and reads what the rules need, in one statement. */
export async function lockPlatform(m: EntityManager, id: string): Promise<LockedPlatform> {
  const rows: LockedPlatform[] = await m.query(
    `SELECT p.id, p.status, p.version, p.${col.districtCode} AS "districtCode", p.${col.archivedAt} AS "archivedAt",
       coalesce((SELECT array_agg(pa.agency_id) FROM platform_agency pa WHERE pa.platform_id = p.id), '{}') AS agencies,
       (SELECT max(e.effective_date)::text FROM status_event e WHERE e.platform_id = p.id) AS "latestEffective"
     FROM platform p WHERE p.id = $1 FOR UPDATE OF p`,
    [id],
  );
  if (!rows[0]) throw new AppError(ErrorCode.NOT_FOUND, `no platform with id ${id}`, { id });
  return rows[0];
}

export function checkVersion(p: { id: string; version: number }, expected: number): void {
  if (p.version !== expected) {
    throw new AppError(ErrorCode.CONFLICT, `platform ${p.id} is at version ${p.version}, not ${expected}: read it again`, {
      id: p.id,
      currentVersion: p.version,
      expectedVersion: expected,
    });
  }
}
