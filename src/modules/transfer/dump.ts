/**
 * The whole registry as a versioned dump, and back. A dump holds everything a city would want to
 * move or keep: reference data, platforms with their relations and versions, targets, the
 * full status history with its exact timestamps, the city's reported figures and the platforms'
 * later names. API tokens are not part of it (secrets belong
 * to the installation). Export → import into an empty database → export gives the same bytes:
 * everything is ordered, and timestamps are written in UTC with microseconds.
 */
import { createHash } from "node:crypto";
import type { DataSource } from "typeorm";
import { isAllowedTransition } from "../status/lifecycle";
import { STATUS_EVENT } from "../status/status-event.entity";
import {
  validateSeedData,
  writeFigures,
  writeNames,
  writeReference,
  writeTargets,
  type SeedAgency,
  type SeedDistrict,
  type SeedDomain,
  type SeedFigure,
  type SeedName,
  type SeedTarget,
} from "../dataset/dataset";
import { PlatformStatus } from "../platform/platform.enums";
import { readPlatformRecords, upsertPlatform, type StoredPlatform } from "../platform/platform.store";
import { planText } from "../source/plan";
import { rowToAgency, type Agency } from "../agency/agency.entity";
import { rowToDistrict, type District } from "../district/district.entity";
import { rowToDomain, type Domain } from "../domain/domain.entity";
import { Target } from "../target/target.entity";
import { Table } from "../../db/table";
import { toCsv } from "../../csv";

const TARGET_TABLE = new Table(Target);

export const DUMP_FORMAT = "gz-innovation-registry-dump";
/**
 * 3: with the reported figures and the later names. 2: with a manifest. Dumps of versions 1 and 2
 * are still read (without those sections, which an import then leaves as they are), and checked
 * the same otherwise.
 */
export const DUMP_VERSION = 3;

/** The dump's lists, in the order they are written. */
export const DUMP_SECTIONS = ["districts", "agencies", "domains", "targets", "platforms", "statusEvents", "reportedFigures", "laterNames"] as const;
export type DumpSection = (typeof DUMP_SECTIONS)[number];
/** The sections a dump of a version holds. */
const sectionsOf = (version: number): readonly DumpSection[] => (version >= 3 ? DUMP_SECTIONS : DUMP_SECTIONS.slice(0, 6));

/** Per section: how many records, and the SHA-256 (hex) of the section written as compact JSON. */
export type DumpManifest = Partial<Record<DumpSection, { count: number; sha256: string }>>;

const digest = (rows: unknown[]) => ({ count: rows.length, sha256: createHash("sha256").update(JSON.stringify(rows)).digest("hex") });

/** The manifest of a dump's sections (those of its version) as they are now. */
export function manifestOf(d: Partial<Pick<Dump, DumpSection>>, version = DUMP_VERSION): DumpManifest {
  return Object.fromEntries(sectionsOf(version).map((k) => [k, digest(d[k] ?? [])])) as DumpManifest;
}

/** A row that cites a source, its date as text (pub). */
interface SourcedRow {
  source_title: string;
  source_publisher: string;
  pub: string;
  source_url: string | null;
}
interface FigureRow extends SourcedRow {
  target_id: string;
  year: number;
  value: number;
  unit: string;
  note: string | null;
  comparable: boolean;
}
interface EventDumpRow {
  eid: string;
  platform_id: string;
  from_status: string | null;
  to_status: string;
  eff: string;
  rec: string;
  actor: string;
  note: string | null;
  source_title: string | null;
  source_url: string | null;
  pub: string | null;
  source_publisher: string | null;
  correction: boolean;
  date_precision: string;
}
interface NameRow extends SourcedRow {
  platform_id: string;
  name: string;
  script: string;
  eff: string;
  date_precision: string;
}

/** A platform with everything it had: its status, version and timestamps included. */
export type DumpPlatform = StoredPlatform;

export interface DumpEvent {
  id: string;
  platformId: string;
  from: string | null;
  to: string;
  effectiveDate: string;
  recordedAt: string;
  actor: string;
  note: string | null;
  source: { title: string; url: string | null; publishedAt: string | null; publisher?: string | null } | null;
  datePrecision?: string;
  correction: boolean;
}

export interface Dump {
  format: typeof DUMP_FORMAT;
  formatVersion: number;
  /** the newest migration of the schema it was taken from */
  schema: string;
  /** counts and SHA-256 of each section, as exported (formatVersion 2) */
  manifest?: DumpManifest;
  districts: SeedDistrict[];
  agencies: SeedAgency[];
  domains: SeedDomain[];
  targets: SeedTarget[];
  platforms: DumpPlatform[];
  statusEvents: DumpEvent[];
  /** the city's reported figures for the targets, in the data set's format (formatVersion 3) */
  reportedFigures?: SeedFigure[];
  /** the platforms' later names, in the data set's format (formatVersion 3) */
  laterNames?: SeedName[];
}

const UTC = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Reads the whole registry, in a stable order. `onProgress` hears (table, rows) as it goes. */
export async function exportDump(ds: DataSource, onProgress: (table: string, n: number) => void = () => undefined): Promise<Dump> {
  return ds.transaction("REPEATABLE READ", async (m) => {
    const [{ name: schema }] = await m.query(`SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1`);
    // rows become entities through each table's column definitions (src/db/table.ts), then the seed format's key order
    const districts = (await m.query(`SELECT * FROM district ORDER BY code`)).map(rowToDistrict).map((d: District) => ({
      code: d.code,
      nameHant: d.nameHant,
      nameHans: d.nameHans,
      nameEn: d.nameEn,
      centroid: { lng: d.centroidLng, lat: d.centroidLat },
    }));
    onProgress("districts", districts.length);
    const agencies = (await m.query(`SELECT * FROM agency ORDER BY id`)).map(rowToAgency).map((a: Agency) => ({
      id: a.id,
      nameHant: a.nameHant,
      nameHans: a.nameHans,
      nameEn: a.nameEn,
      abbreviations: a.abbreviations,
      level: a.level,
      note: a.note,
    }));
    onProgress("agencies", agencies.length);
    const domains = (await m.query(`SELECT * FROM domain ORDER BY id`)).map(rowToDomain).map((d: Domain) => ({
      id: d.id,
      parentId: d.parentId,
      alsoIn: d.alsoIn,
      nameHant: d.nameHant,
      nameHans: d.nameHans,
      nameEn: d.nameEn,
      isGroup: d.isGroup,
      mentions: d.mentions,
      note: d.note,
    }));
    onProgress("domains", domains.length);
    const targets = (await m.query(`SELECT * FROM target ORDER BY id`))
      .map((r: Record<string, unknown>) => TARGET_TABLE.fromRow(r))
      .map((t: Target) => ({
        id: t.id,
        section: t.section,
        metricHant: t.metricHant,
        metricHans: t.metricHans,
        metricEn: t.metricEn,
        unit: t.unit,
        year: t.year,
        scope: t.scope,
        valueMin: t.valueMin,
        valueMax: t.valueMax,
        comparator: t.comparator,
        excerpt: t.excerpt,
        offset: t.offset,
        mentions: t.mentions,
        formerIds: t.formerIds,
        countRule: t.countRule,
        note: t.note,
      }));
    onProgress("targets", targets.length);
    const platforms: DumpPlatform[] = await readPlatformRecords(m);
    onProgress("platforms", platforms.length);
    const statusEvents: DumpEvent[] = (
      await m.query(
        `SELECT e.*, e.id::text AS eid, e.effective_date::text AS eff, e.source_published_at::text AS pub, ${UTC("e.recorded_at")} AS rec
       FROM status_event e ORDER BY e.id`,
      )
    ).map((r: EventDumpRow) => ({
      id: r.eid,
      platformId: r.platform_id,
      from: r.from_status,
      to: r.to_status,
      effectiveDate: r.eff,
      recordedAt: r.rec,
      actor: r.actor,
      note: r.note,
      source: r.source_title ? { title: r.source_title, url: r.source_url, publishedAt: r.pub, publisher: r.source_publisher } : null,
      correction: r.correction,
      datePrecision: r.date_precision,
    }));
    onProgress("status events", statusEvents.length);
    const src = (r: SourcedRow) => ({ title: r.source_title, publisher: r.source_publisher, publishedAt: r.pub, url: r.source_url });
    const reportedFigures: SeedFigure[] = (
      await m.query(`SELECT f.*, f.source_published_at::text AS pub FROM reported_figure f ORDER BY f.target_id, f.year, f.source_title`)
    ).map((r: FigureRow) => ({
      target: r.target_id,
      year: r.year,
      value: r.value,
      unit: r.unit,
      note: r.note,
      comparable: r.comparable,
      source: src(r),
    }));
    onProgress("reported figures", reportedFigures.length);
    const laterNames: SeedName[] = (
      await m.query(
        `SELECT n.*, n.effective_date::text AS eff, n.source_published_at::text AS pub FROM platform_name n ORDER BY n.platform_id, n.effective_date, n.name`,
      )
    ).map((r: NameRow) => ({
      platform: r.platform_id,
      name: r.name,
      script: r.script,
      effectiveDate: r.eff,
      datePrecision: r.date_precision,
      source: src(r),
    }));
    onProgress("later names", laterNames.length);
    const sections = { districts, agencies, domains, targets, platforms, statusEvents, reportedFigures, laterNames };
    return { format: DUMP_FORMAT, formatVersion: DUMP_VERSION, schema, manifest: manifestOf(sections), ...sections };
  });
}

const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Every problem of a dump, each naming its row (e.g. `platforms[12] (id x): ...`). Empty: importable. */
export function validateDump(d: unknown): string[] {
  const p: string[] = [];
  const dump = d as Dump;
  if (!dump || typeof dump !== "object") return ["the file is not a JSON object"];
  if (dump.format !== DUMP_FORMAT) return [`format must be "${DUMP_FORMAT}"`];
  if (![1, 2, DUMP_VERSION].includes(dump.formatVersion))
    return [`formatVersion ${dump.formatVersion} is not supported (this build reads 1 to ${DUMP_VERSION})`];
  for (const key of sectionsOf(dump.formatVersion)) {
    if (!Array.isArray(dump[key])) return [`${key} must be a list`];
  }
  p.push(...manifestProblems(dump));
  const rowOf = new Map(dump.platforms.map((x, i) => [x.id, i]));
  const problems = validateSeedData(
    {
      source: planText(),
      districts: dump.districts,
      agencies: dump.agencies,
      domains: dump.domains,
      targets: dump.targets,
      events: [],
      names: dump.laterNames ?? [],
      searched: [],
      figures: dump.reportedFigures ?? [],
      // a dump carries the centroid a DISTRICT location stands for; the seed rules want it implied
      platforms: dump.platforms.map((x) => ({
        ...x,
        location: x.location?.precision === "DISTRICT" ? { precision: "DISTRICT" } : x.location,
        statusWording: "",
        statusInferred: false,
      })),
    },
    { requireStatusWording: false },
  );
  // name the row as well as the record
  for (const msg of problems) {
    const m = /^platform '([^']*)'/.exec(msg);
    p.push(m && rowOf.has(m[1]) ? `platforms[${rowOf.get(m[1])}] ${msg}` : msg);
  }
  dump.platforms.forEach((x, i) => {
    const who = `platforms[${i}] (id ${x.id})`;
    if (!Number.isInteger(x.version) || x.version < 1) p.push(`${who}: version must be a positive integer`);
    for (const [k, v] of [
      ["createdAt", x.createdAt],
      ["updatedAt", x.updatedAt],
    ] as const)
      if (!ISO_TS.test(v ?? "")) p.push(`${who}: ${k} must be a UTC timestamp`);
    if (x.archivedAt !== null && !ISO_TS.test(x.archivedAt ?? "")) p.push(`${who}: archivedAt must be a UTC timestamp or null`);
  });
  const statuses = Object.values(PlatformStatus) as string[];
  const eventIds = new Set<string>();
  dump.statusEvents.forEach((e, i) => {
    const who = `statusEvents[${i}] (id ${e.id})`;
    if (!/^\d+$/.test(e.id ?? "")) p.push(`${who}: id must be a positive integer`);
    if (eventIds.has(e.id)) p.push(`${who}: duplicate id`);
    eventIds.add(e.id);
    if (!rowOf.has(e.platformId)) p.push(`${who}: unknown platform '${e.platformId}'`);
    if (e.from !== null && !statuses.includes(e.from)) p.push(`${who}: unknown status '${e.from}'`);
    if (!statuses.includes(e.to)) p.push(`${who}: unknown status '${e.to}'`);
    if (!ISO_DATE.test(e.effectiveDate ?? "")) p.push(`${who}: effectiveDate must be YYYY-MM-DD`);
    if (!ISO_TS.test(e.recordedAt ?? "")) p.push(`${who}: recordedAt must be a UTC timestamp`);
    if (typeof e.actor !== "string" || !e.actor) p.push(`${who}: actor is required`);
    if (typeof e.correction !== "boolean") p.push(`${who}: correction must be true or false`);
  });
  p.push(...historyProblems(dump));
  return p;
}

/** The manifest against the sections: a section changed, added to or cut after export. */
function manifestProblems(dump: Dump): string[] {
  if (dump.formatVersion === 1) return [];
  const m = dump.manifest;
  if (!m || typeof m !== "object") return ["manifest is missing: a dump of formatVersion 2 carries the count and SHA-256 of each section"];
  const now = manifestOf(dump, dump.formatVersion);
  const p: string[] = [];
  for (const k of sectionsOf(dump.formatVersion)) {
    const said = m[k];
    if (!said || said.count !== now[k]!.count || said.sha256 !== now[k]!.sha256) {
      p.push(
        `manifest: ${k} has ${now[k]!.count} records with SHA-256 ${now[k]!.sha256}, but the manifest says ${said ? `${said.count} with ${said.sha256}` : "nothing"}: the file was changed after export`,
      );
    }
  }
  return p;
}

/**
 * What a platform's history implies, record by record: it starts with the creation event (from
 * nothing), each event moves the platform from where the one before left it (none missing in
 * between), a move that is not a lifecycle step is marked as a correction, the platform's status
 * is its latest event's, and its version is at least its number of events (each status change
 * raised it by one; edits and archiving raise it too).
 */
function historyProblems(dump: Dump): string[] {
  const p: string[] = [];
  const index = new Map(dump.statusEvents.map((e, i) => [e, i]));
  const byPlatform = new Map<string, DumpEvent[]>();
  for (const e of [...dump.statusEvents].filter((e) => /^\d+$/.test(e.id ?? "")).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))) {
    (byPlatform.get(e.platformId) ?? byPlatform.set(e.platformId, []).get(e.platformId)!).push(e);
  }
  const ev = (e: DumpEvent) => `statusEvents[${index.get(e)}] (id ${e.id})`;
  dump.platforms.forEach((x, i) => {
    const who = `platforms[${i}] (id ${x.id})`;
    const events = byPlatform.get(x.id) ?? [];
    if (!events.length) return void p.push(`${who}: has no status history; its first event is missing`);
    if (events[0].from !== null)
      p.push(`${ev(events[0])}: the history of ${x.id} starts by moving it from ${events[0].from}: the event that created it is missing`);
    events.forEach((e, j) => {
      const before = events[j - 1];
      if (before && e.from !== before.to) {
        p.push(
          `${ev(e)}: moves ${x.id} from ${e.from}, but the event before it (id ${before.id}) left it ${before.to}: an event between them is missing or altered`,
        );
      }
      if (e.from !== null && !e.correction && !isAllowedTransition(e.from as PlatformStatus, e.to as PlatformStatus)) {
        p.push(`${ev(e)}: ${e.from} → ${e.to} is not a lifecycle step and is not marked as a correction`);
      }
    });
    const last = events[events.length - 1];
    if (x.status !== last.to) p.push(`${who}: status ${x.status} disagrees with its history, whose latest event (id ${last.id}) says ${last.to}`);
    if (Number.isInteger(x.version) && x.version < events.length) {
      p.push(`${who}: version ${x.version} is lower than its ${events.length} status events (each raised it by one)`);
    }
  });
  return p;
}

export class DumpValidationError extends Error {
  override name = "DumpValidationError";
  constructor(readonly problems: string[]) {
    super(`the dump is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was written:\n  - ${problems.join("\n  - ")}`);
  }
}

/**
 * Validates the whole dump, then writes it in one transaction: upserts by id, touching a row only
 * when it differs, so importing the same dump twice changes nothing. Returns rows written per table.
 */
export async function importDump(
  ds: DataSource,
  dump: Dump,
  onProgress: (table: string, n: number) => void = () => undefined,
): Promise<Record<string, number>> {
  const problems = validateDump(dump);
  if (problems.length) throw new DumpValidationError(problems);
  return ds.transaction(async (m) => {
    const written: Record<string, number> = {};
    const add = (w: Record<string, number>) => {
      for (const [k, n] of Object.entries(w)) written[k] = (written[k] ?? 0) + n;
    };
    add(await writeReference(m, dump));
    onProgress("reference data", dump.districts.length + dump.agencies.length + dump.domains.length);
    await m.query(`SET CONSTRAINTS ALL DEFERRED`); // zones may point forward in the list
    let done = 0;
    const centroids = new Map(dump.districts.map((x) => [x.code, x.centroid]));
    for (const x of dump.platforms) {
      const record = { ...x, locationNote: x.locationNote ?? null, statusWording: "", statusInferred: false };
      const { status, version, archivedAt, createdAt, updatedAt } = x;
      add(await upsertPlatform(m, record, { centroids, restore: { status, version, archivedAt, createdAt, updatedAt } }));
      if (++done % 1000 === 0) onProgress("platforms", done);
    }
    onProgress("platforms", done);
    add(await writeTargets(m, dump));
    for (const e of dump.statusEvents) {
      const inserted = await STATUS_EVENT.insertIfAbsent(m, {
        id: e.id,
        platformId: e.platformId,
        from: e.from,
        to: e.to,
        effectiveDate: e.effectiveDate,
        recordedAt: e.recordedAt,
        actor: e.actor,
        note: e.note,
        sourceTitle: e.source?.title ?? null,
        sourceUrl: e.source?.url ?? null,
        sourcePublishedAt: e.source?.publishedAt ?? null,
        correction: e.correction,
        sourcePublisher: e.source?.publisher ?? null,
        datePrecision: e.datePrecision ?? "DAY",
      });
      written.status_event = (written.status_event ?? 0) + (inserted ? 1 : 0);
    }
    onProgress("status events", dump.statusEvents.length);
    await m.query(`SELECT setval(pg_get_serial_sequence('status_event', 'id'), greatest((SELECT max(id) FROM status_event), 1))`);
    // a dump of version 3 carries the whole of both: the registry's figures and names become the dump's
    if (dump.reportedFigures) add(await writeFigures(m, { figures: dump.reportedFigures }));
    if (dump.laterNames) add(await writeNames(m, { names: dump.laterNames }));
    return written;
  });
}

/**
 * Platforms as CSV (one row each; lists joined by |): for spreadsheets. Export only. Written by
 * src/csv.ts: a byte-order mark first, formula-like cells neutralised (the dump keeps them verbatim).
 */
export function platformsCsv(dump: Dump): string {
  const header = [
    "id",
    "nameHans",
    "nameHant",
    "nameEn",
    "aliases",
    "kind",
    "level",
    "status",
    "district",
    "zone",
    "overseasCity",
    "overseasCountry",
    "lng",
    "lat",
    "precision",
    "domains",
    "agencies",
    "version",
    "archivedAt",
    "updatedAt",
    "firstMentionSection",
    "firstMentionExcerpt",
  ];
  const rows = dump.platforms.map((x) => [
    x.id,
    x.nameHans,
    x.nameHant,
    x.nameEn,
    x.aliases,
    x.kind,
    x.level,
    x.status,
    x.district,
    x.zone,
    x.overseas?.city,
    x.overseas?.country,
    x.location?.lng,
    x.location?.lat,
    x.location?.precision,
    x.domains,
    x.agencies,
    x.version,
    x.archivedAt,
    x.updatedAt,
    x.mentions[0]?.section,
    x.mentions[0]?.excerpt,
  ]);
  return toCsv(header, rows);
}

/** Platforms as an RFC 7946 FeatureCollection (located ones; the rest counted). Export only. */
export function platformsGeoJson(dump: Dump): string {
  const located = dump.platforms.filter((x) => x.location && x.location.lng !== undefined && x.location.lat !== undefined);
  return (
    JSON.stringify(
      {
        type: "FeatureCollection",
        numberWithoutLocation: dump.platforms.length - located.length,
        features: located.map((x) => ({
          type: "Feature",
          id: x.id,
          geometry: { type: "Point", coordinates: [x.location!.lng, x.location!.lat] },
          properties: {
            nameHans: x.nameHans,
            nameHant: x.nameHant,
            nameEn: x.nameEn,
            kind: x.kind,
            level: x.level,
            status: x.status,
            district: x.district,
            domains: x.domains,
            precision: x.location!.precision,
            locationNote: x.locationNote ?? null,
            version: x.version,
            updatedAt: x.updatedAt,
          },
        })),
      },
      null,
      1,
    ) + "\n"
  );
}
