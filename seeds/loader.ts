/**
 * The seed loader: reads the plan's data set (seeds/data), validates all of it against the
 * schema's rules and against the source text (every excerpt verbatim at its offset), and only
 * then writes it, in one transaction. Idempotent: records are upserted by id and a row is only
 * touched when something in it differs, so a second run changes nothing.
 *
 * Status belongs to the status workflow once a platform exists: the loader sets a platform's
 * status and writes its first status event (citing the plan) only when it creates the platform.
 */
import fs from "node:fs";
import path from "node:path";
import type { DataSource, EntityManager } from "typeorm";
import { buildSearchDocument } from "../src/modules/platform/search";
import { LocationPrecision, PlatformKind, PlatformLevel, PlatformStatus } from "../src/modules/platform/platform.enums";

/** Repository root, whether running from sources or from dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("package.json not found above " + __dirname);
    dir = up;
  }
  return dir;
}

export const PLAN_TITLE = "廣州市建設國際科技産業創新中心三年行動計劃(2018—2020年)";
export const PLAN_DATE = "2018-09-14";
/** Guangzhou's extent, for sanity checks of coordinates. */
export const GUANGZHOU_BBOX = { minLng: 112.9, minLat: 22.5, maxLng: 114.1, maxLat: 23.95 };

export interface SeedMention { section: string; excerpt: string; offset: number }
export interface SeedDistrict { code: string; nameHant: string; nameHans: string; nameEn: string; centroid: { lng: number; lat: number } }
export interface SeedAgency { id: string; nameHant: string; nameHans: string; nameEn: string; abbreviations: string[]; level: string | null; note?: string | null }
export interface SeedDomain {
  id: string; parentId: string | null; alsoIn: string[]; nameHant: string; nameHans: string; nameEn: string;
  isGroup: boolean; mentions: SeedMention[]; note?: string | null;
}
export interface SeedPlatform {
  id: string; nameHant: string; nameHans: string; nameEn: string; nameEnEstablished: boolean; aliases: string[];
  kind: string; level: string | null; domains: string[]; district: string | null;
  overseas: { city: string; country: string } | null; zone: string | null;
  location: { lng?: number; lat?: number; precision: string } | null;
  status: string; statusWording: string; statusInferred: boolean; agencies: string[];
  mentions: SeedMention[]; note: string | null;
}
export interface SeedTarget {
  id: string; section: string; metricHant: string; metricHans: string; metricEn: string; unit: string;
  year: number | null; scope: string; valueMin: number; valueMax: number; comparator: string | null;
  excerpt: string; offset: number; countRule: { kinds?: string[]; levels?: string[]; statuses?: string[] } | null; note?: string | null;
}
export interface SeedData {
  source: string;
  districts: SeedDistrict[];
  agencies: SeedAgency[];
  domains: SeedDomain[];
  platforms: SeedPlatform[];
  targets: SeedTarget[];
}

export class SeedValidationError extends Error {
  override name = "SeedValidationError";
  constructor(readonly problems: string[]) {
    super(`seed data is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was written:\n  - ${problems.join("\n  - ")}`);
  }
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (err) {
    throw new SeedValidationError([`${path.basename(file)}: ${(err as Error).message}`]);
  }
}

/** Reads the data set from a seeds folder (default: the repository's seeds/). */
export function readSeedData(seedsDir = path.join(repoRoot(), "seeds")): SeedData {
  const dataDir = path.join(seedsDir, "data");
  const platformDir = path.join(dataDir, "platforms");
  const platforms = fs.existsSync(platformDir)
    ? fs.readdirSync(platformDir).filter((f) => f.endsWith(".json")).sort().flatMap((f) => readJson<SeedPlatform[]>(path.join(platformDir, f)))
    : [];
  const opt = <T>(name: string): T[] => (fs.existsSync(path.join(dataDir, name)) ? readJson<T[]>(path.join(dataDir, name)) : []);
  return {
    source: fs.readFileSync(path.join(seedsDir, "source", "plan.clean.txt"), "utf8"),
    districts: opt<SeedDistrict>("districts.json"),
    agencies: opt<SeedAgency>("agencies.json"),
    domains: opt<SeedDomain>("domains.json"),
    platforms,
    targets: opt<SeedTarget>("targets.json"),
  };
}

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const inEnum = (e: object, v: unknown) => typeof v === "string" && (Object.values(e) as string[]).includes(v);
const nonEmpty = (v: unknown) => typeof v === "string" && v.trim().length > 0;
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Every rule the data set must satisfy; returns the problems, each naming its record. */
export function validateSeedData(d: SeedData, opts: { requireStatusWording?: boolean } = {}): string[] {
  const p: string[] = [];
  const checkMention = (who: string, m: SeedMention) => {
    const problem = mentionProblem(d.source, who, m);
    if (problem) p.push(problem);
  };
  const unique = (kind: string, ids: string[]) => {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) p.push(`${kind} '${id}': duplicate id`);
      seen.add(id);
    }
    return seen;
  };

  const districtCodes = unique("district", d.districts.map((x) => x.code));
  for (const x of d.districts) {
    const who = `district '${x.code}'`;
    if (!/^\d{6}$/.test(x.code)) p.push(`${who}: code must be 6 digits (GB/T 2260)`);
    if (![x.nameHans, x.nameHant, x.nameEn].every(nonEmpty)) p.push(`${who}: names are required`);
    if (!x.centroid || !finite(x.centroid.lng) || !finite(x.centroid.lat) || !inGuangzhou(x.centroid.lng, x.centroid.lat))
      p.push(`${who}: centroid must lie in Guangzhou`);
  }

  const agencyIds = unique("agency", d.agencies.map((x) => x.id));
  for (const x of d.agencies) {
    const who = `agency '${x.id}'`;
    if (!SLUG.test(x.id)) p.push(`${who}: id must be a kebab-case slug`);
    if (![x.nameHans, x.nameHant, x.nameEn].every(nonEmpty)) p.push(`${who}: names are required`);
  }

  const domainIds = unique("domain", d.domains.map((x) => x.id));
  const domainById = new Map(d.domains.map((x) => [x.id, x]));
  for (const x of d.domains) {
    const who = `domain '${x.id}'`;
    if (!SLUG.test(x.id)) p.push(`${who}: id must be a kebab-case slug`);
    if (![x.nameHans, x.nameHant, x.nameEn].every(nonEmpty)) p.push(`${who}: names are required`);
    if (x.parentId !== null && !domainIds.has(x.parentId)) p.push(`${who}: unknown parent '${x.parentId}'`);
    for (const g of x.alsoIn ?? []) if (!domainById.get(g)?.isGroup) p.push(`${who}: alsoIn '${g}' is not a group domain`);
    (x.mentions ?? []).forEach((m) => checkMention(who, m));
    // a parent chain must end
    let cur: SeedDomain | undefined = x;
    for (let i = 0; cur && cur.parentId; i++) {
      if (i > d.domains.length) { p.push(`${who}: parent chain has a cycle`); break; }
      cur = domainById.get(cur.parentId);
    }
  }

  unique("platform", d.platforms.map((x) => x.id));
  const platformById = new Map(d.platforms.map((x) => [x.id, x]));
  const rules: PlatformRules = {
    source: d.source,
    domainIsGroup: (id) => domainById.get(id)?.isGroup,
    agencyExists: (id) => agencyIds.has(id),
    districtExists: (code) => districtCodes.has(code),
    zoneOf: (id) => (platformById.has(id) ? platformById.get(id)!.zone : undefined),
    requireStatusWording: opts.requireStatusWording ?? true,
  };
  for (const x of d.platforms) p.push(...platformProblems(x, rules));
  // a platform named twice in different records would show up as the same name twice
  const byName = new Map<string, string>();
  for (const x of d.platforms) {
    const prev = byName.get(x.nameHant);
    if (prev) p.push(`platform '${x.id}': same nameHant as '${prev}'`);
    byName.set(x.nameHant, x.id);
  }

  unique("target", d.targets.map((x) => x.id));
  for (const x of d.targets) {
    const who = `target '${x.id}'`;
    if (![x.metricHans, x.metricHant, x.metricEn, x.unit, x.section].every(nonEmpty)) p.push(`${who}: metric names, unit and section are required`);
    if (!["YEARLY", "END_OF_2020", "ANNUAL"].includes(x.scope)) p.push(`${who}: unknown scope '${x.scope}'`);
    if (!finite(x.valueMin) || !finite(x.valueMax) || x.valueMax < x.valueMin) p.push(`${who}: valueMin ≤ valueMax, both numbers`);
    if (x.year !== null && !Number.isInteger(x.year)) p.push(`${who}: year must be an integer or null`);
    checkMention(who, { section: x.section, excerpt: x.excerpt, offset: x.offset });
    const r = x.countRule;
    if (r) {
      for (const k of r.kinds ?? []) if (!inEnum(PlatformKind, k)) p.push(`${who}: countRule kind '${k}' unknown`);
      for (const k of r.levels ?? []) if (!inEnum(PlatformLevel, k)) p.push(`${who}: countRule level '${k}' unknown`);
      for (const k of r.statuses ?? []) if (!inEnum(PlatformStatus, k)) p.push(`${who}: countRule status '${k}' unknown`);
    }
  }
  return p;
}

/** A mention must quote the source verbatim at its offset. */
function mentionProblem(source: string, who: string, m: SeedMention): string | null {
  if (!m || !nonEmpty(m.excerpt) || !Number.isInteger(m.offset) || !nonEmpty(m.section)) {
    return `${who}: a mention needs section, excerpt and an integer offset`;
  }
  if (source.slice(m.offset, m.offset + m.excerpt.length) !== m.excerpt) {
    return `${who}: excerpt "${m.excerpt.slice(0, 30)}…" is not found verbatim at offset ${m.offset}`;
  }
  return null;
}

/** What a platform record is checked against: the source text and the ids that exist. */
export interface PlatformRules {
  source: string;
  /** undefined: no such domain */
  domainIsGroup(id: string): boolean | undefined;
  agencyExists(id: string): boolean;
  districtExists(code: string): boolean;
  /** The zone of a platform; undefined: no such platform */
  zoneOf(id: string): string | null | undefined;
  /** Seed records quote the wording their status comes from. */
  requireStatusWording: boolean;
}

/** The seed loader's rules for one platform record, shared with the API's writes. */
export function platformProblems(x: SeedPlatform, r: PlatformRules): string[] {
  const p: string[] = [];
  const who = `platform '${x.id}'`;
  if (!SLUG.test(x.id ?? "") || x.id.length > 96) p.push(`${who}: id must be a kebab-case slug of at most 96 characters`);
  if (![x.nameHans, x.nameHant, x.nameEn].every(nonEmpty)) p.push(`${who}: nameHans, nameHant and nameEn are required`);
  if (typeof x.nameEnEstablished !== "boolean") p.push(`${who}: nameEnEstablished must be true or false`);
  if (!Array.isArray(x.aliases) || !x.aliases.every(nonEmpty)) p.push(`${who}: aliases must be a list of names`);
  if (!inEnum(PlatformKind, x.kind)) p.push(`${who}: unknown kind '${x.kind}'`);
  if (x.level !== null && !inEnum(PlatformLevel, x.level)) p.push(`${who}: unknown level '${x.level}'`);
  if (!inEnum(PlatformStatus, x.status)) p.push(`${who}: unknown status '${x.status}'`);
  for (const dom of x.domains ?? []) {
    const group = r.domainIsGroup(dom);
    if (group === undefined) p.push(`${who}: unknown domain '${dom}'`);
    else if (group) p.push(`${who}: domain '${dom}' is a group; tag platforms with sectors`);
  }
  for (const a of x.agencies ?? []) if (!r.agencyExists(a)) p.push(`${who}: unknown agency '${a}'`);
  if (new Set(x.agencies).size !== (x.agencies ?? []).length) p.push(`${who}: an agency is listed twice`);
  if (x.district !== null && !r.districtExists(x.district)) p.push(`${who}: unknown district code '${x.district}'`);
  if (x.overseas) {
    if (x.district !== null) p.push(`${who}: an overseas office has no district`);
    if (!nonEmpty(x.overseas.city) || !/^[A-Z]{2}$/.test(x.overseas.country ?? "")) p.push(`${who}: overseas needs a city and an ISO country code`);
  }
  if (x.zone !== null) {
    if (x.zone === x.id) p.push(`${who}: a platform cannot be its own zone`);
    else if (r.zoneOf(x.zone) === undefined) p.push(`${who}: unknown zone '${x.zone}'`);
    else {
      let cur: string | null | undefined = r.zoneOf(x.zone);
      for (let i = 0; cur; i++) {
        if (i > 10_000 || cur === x.id) { p.push(`${who}: zone chain has a cycle`); break; }
        cur = r.zoneOf(cur);
      }
    }
  }
  const loc = x.location;
  if (loc) {
    if (!inEnum(LocationPrecision, loc.precision)) p.push(`${who}: unknown precision '${loc.precision}'`);
    if (loc.precision === LocationPrecision.DISTRICT) {
      if (!x.district) p.push(`${who}: DISTRICT precision needs a district`);
      if (loc.lng !== undefined || loc.lat !== undefined) p.push(`${who}: DISTRICT precision takes the district centroid; give no coordinates`);
    } else if (!finite(loc.lng) || !finite(loc.lat) || Math.abs(loc.lng) > 180 || Math.abs(loc.lat) > 90) {
      p.push(`${who}: location needs finite lng and lat`);
    } else if (!x.overseas && !inGuangzhou(loc.lng, loc.lat)) {
      p.push(`${who}: location (${loc.lng}, ${loc.lat}) is outside Guangzhou`);
    }
  }
  if (!Array.isArray(x.mentions) || x.mentions.length === 0) p.push(`${who}: at least one mention of the plan is required`);
  for (const m of x.mentions ?? []) {
    const problem = mentionProblem(r.source, who, m);
    if (problem) p.push(problem);
  }
  if (r.requireStatusWording && (!nonEmpty(x.statusWording) || !(x.mentions ?? []).some((m) => m.excerpt?.includes(x.statusWording))))
    p.push(`${who}: statusWording must be quoted from one of its excerpts`);
  return p;
}

/** The first status event of a platform the write creates. */
export interface FirstEvent {
  actor: string;
  note: string | null;
  sourceTitle: string | null;
  sourceUrl?: string | null;
  sourcePublishedAt: string | null;
  effectiveDate: string;
  tokenId: string | null;
}

/**
 * Inserts a platform, or updates its descriptive fields when they differ (bumping version),
 * and brings its domains, agencies and mentions in line with the record. Status is written only
 * when the platform is created, with its first status event. Returns rows written per table.
 * Runs inside the caller's transaction.
 */
export async function upsertPlatform(
  m: EntityManager,
  x: SeedPlatform,
  centroid: Map<string, { lng: number; lat: number }>,
  firstEvent: FirstEvent,
): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  const add = (k: string, n: number) => (written[k] = (written[k] ?? 0) + n);
    const doc = buildSearchDocument(x);
  let lng: number | null = null, lat: number | null = null, precision: string | null = null;
  if (x.location) {
    precision = x.location.precision;
    if (precision === LocationPrecision.DISTRICT) ({ lng, lat } = centroid.get(x.district!)!);
    else ({ lng, lat } = x.location as { lng: number; lat: number });
  }
  const descriptive = [x.nameHans, x.nameHant, x.nameEn, x.nameEnEstablished, x.aliases, x.kind, x.level, x.district, x.zone,
    x.overseas?.city ?? null, x.overseas?.country ?? null, lng, lat, precision, x.note, doc.text, doc.grams, doc.sortKey];
  const inserted: Array<{ inserted: boolean }> = await m.query(
    `INSERT INTO platform (name_hans, name_hant, name_en, name_en_established, aliases, kind, level, district_code, zone_id,
       overseas_city, overseas_country, lng, lat, precision, note, search_text, search_grams, sort_key, id, status)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
     ON CONFLICT (id) DO UPDATE SET name_hans=EXCLUDED.name_hans, name_hant=EXCLUDED.name_hant, name_en=EXCLUDED.name_en,
       name_en_established=EXCLUDED.name_en_established, aliases=EXCLUDED.aliases, kind=EXCLUDED.kind, level=EXCLUDED.level,
       district_code=EXCLUDED.district_code, zone_id=EXCLUDED.zone_id, overseas_city=EXCLUDED.overseas_city,
       overseas_country=EXCLUDED.overseas_country, lng=EXCLUDED.lng, lat=EXCLUDED.lat, precision=EXCLUDED.precision,
       note=EXCLUDED.note, search_text=EXCLUDED.search_text, search_grams=EXCLUDED.search_grams, sort_key=EXCLUDED.sort_key,
       version = platform.version + 1, updated_at = now()
     WHERE (platform.name_hans, platform.name_hant, platform.name_en, platform.name_en_established, platform.aliases, platform.kind,
       platform.level, platform.district_code, platform.zone_id, platform.overseas_city, platform.overseas_country, platform.lng,
       platform.lat, platform.precision, platform.note, platform.search_text, platform.search_grams, platform.sort_key)
       IS DISTINCT FROM (EXCLUDED.name_hans, EXCLUDED.name_hant, EXCLUDED.name_en, EXCLUDED.name_en_established, EXCLUDED.aliases,
       EXCLUDED.kind, EXCLUDED.level, EXCLUDED.district_code, EXCLUDED.zone_id, EXCLUDED.overseas_city, EXCLUDED.overseas_country,
       EXCLUDED.lng, EXCLUDED.lat, EXCLUDED.precision, EXCLUDED.note, EXCLUDED.search_text, EXCLUDED.search_grams, EXCLUDED.sort_key)
     RETURNING (xmax = 0) AS inserted`,
    [...descriptive, x.id, x.status]);
  add("platform", inserted.length);

  const hasEvent: unknown[] = await m.query(`SELECT 1 FROM status_event WHERE platform_id = $1 LIMIT 1`, [x.id]);
  if (!hasEvent.length) {
    add("status_event", await count(m,
      `INSERT INTO status_event (platform_id, from_status, to_status, effective_date, actor, note, source_title, source_url,
         source_published_at, correction, token_id)
       VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, false, $9)`,
      [x.id, x.status, firstEvent.effectiveDate, firstEvent.actor, firstEvent.note, firstEvent.sourceTitle, firstEvent.sourceUrl ?? null,
        firstEvent.sourcePublishedAt, firstEvent.tokenId]));
  }

  for (const [k, n] of Object.entries(await writePlatformRelations(m, x))) add(k, n);
  return written;
}

/** Brings a platform's domains, agencies (in order) and mentions in line with the record. Rows written per table. */
export async function writePlatformRelations(
  m: EntityManager,
  x: Pick<SeedPlatform, "id" | "domains" | "agencies" | "mentions">,
): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  const add = (k: string, n: number) => (written[k] = (written[k] ?? 0) + n);
  add("platform_domain", await count(m,
    `DELETE FROM platform_domain WHERE platform_id = $1 AND NOT (domain_id = ANY($2::text[]))`, [x.id, x.domains]));
  add("platform_domain", await count(m,
    `INSERT INTO platform_domain (platform_id, domain_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [x.id, x.domains]));
  add("platform_agency", await count(m,
    `DELETE FROM platform_agency WHERE platform_id = $1 AND NOT (agency_id = ANY($2::text[]))`, [x.id, x.agencies]));
  add("platform_agency", await count(m,
    `INSERT INTO platform_agency (platform_id, agency_id, position)
     SELECT $1, a, ord::int FROM unnest($2::text[]) WITH ORDINALITY AS t(a, ord)
     ON CONFLICT (platform_id, agency_id) DO UPDATE SET position = EXCLUDED.position WHERE platform_agency.position <> EXCLUDED.position`,
    [x.id, x.agencies]));
  add("platform_mention", await count(m,
    `DELETE FROM platform_mention WHERE platform_id = $1 AND position > $2`, [x.id, x.mentions.length]));
  for (const [i, mm] of x.mentions.entries()) {
    add("platform_mention", await count(m,
      `INSERT INTO platform_mention (platform_id, position, section, excerpt, "offset") VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (platform_id, position) DO UPDATE SET section=EXCLUDED.section, excerpt=EXCLUDED.excerpt, "offset"=EXCLUDED."offset"
       WHERE (platform_mention.section, platform_mention.excerpt, platform_mention."offset") IS DISTINCT FROM (EXCLUDED.section, EXCLUDED.excerpt, EXCLUDED."offset")`,
      [x.id, i + 1, mm.section, mm.excerpt, mm.offset]));
  }
  return written;
}

function inGuangzhou(lng: number, lat: number): boolean {
  const b = GUANGZHOU_BBOX;
  return lng >= b.minLng && lng <= b.maxLng && lat >= b.minLat && lat <= b.maxLat;
}

export interface SeedResult {
  /** rows inserted or changed, per table */
  written: Record<string, number>;
}

/** Validates the whole data set, then writes it in one transaction. Throws SeedValidationError before writing anything. */
export async function loadSeed(dataSource: DataSource, data: SeedData = readSeedData()): Promise<SeedResult> {
  const problems = validateSeedData(data);
  if (problems.length) throw new SeedValidationError(problems);
  return dataSource.transaction("SERIALIZABLE", (m) => writeSeed(m, data));
}

/** Rows a statement wrote. TypeORM answers UPDATE and DELETE with [rows, affected], INSERT with rows. */
async function count(m: EntityManager, sql: string, params: unknown[]): Promise<number> {
  const res: unknown[] = await m.query(sql + " RETURNING 1", params);
  if (res.length === 2 && Array.isArray(res[0]) && typeof res[1] === "number") return res[1];
  return res.length;
}

async function writeSeed(m: EntityManager, d: SeedData): Promise<SeedResult> {
  const written: Record<string, number> = {};
  const add = (k: string, n: number) => (written[k] = (written[k] ?? 0) + n);
  const centroid = new Map(d.districts.map((x) => [x.code, x.centroid]));
  for (const [k, n] of Object.entries(await writeReference(m, d))) add(k, n);

  for (const x of d.platforms) {
    const w = await upsertPlatform(m, x, centroid, {
      actor: "seed",
      note: `Status as of the plan's date, from its wording 「${x.statusWording}」${x.statusInferred ? " (inferred: the wording does not state the construction state directly)" : ""}`,
      sourceTitle: PLAN_TITLE,
      sourcePublishedAt: PLAN_DATE,
      effectiveDate: PLAN_DATE,
      tokenId: null,
    });
    for (const [k, n] of Object.entries(w)) add(k, n);
  }

  for (const [k, n] of Object.entries(await writeTargets(m, d))) add(k, n);
  return { written };
}

/** Districts, agencies and domains (upserted by id, touched only when different). Rows written per table. */
export async function writeReference(m: EntityManager, d: Pick<SeedData, "districts" | "agencies" | "domains">): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  const add = (k: string, n: number) => (written[k] = (written[k] ?? 0) + n);
  for (const x of d.districts) {
    add("district", await count(m,
      `INSERT INTO district (code, name_hans, name_hant, name_en, centroid_lng, centroid_lat) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (code) DO UPDATE SET name_hans=EXCLUDED.name_hans, name_hant=EXCLUDED.name_hant, name_en=EXCLUDED.name_en,
         centroid_lng=EXCLUDED.centroid_lng, centroid_lat=EXCLUDED.centroid_lat
       WHERE (district.name_hans, district.name_hant, district.name_en, district.centroid_lng, district.centroid_lat)
         IS DISTINCT FROM (EXCLUDED.name_hans, EXCLUDED.name_hant, EXCLUDED.name_en, EXCLUDED.centroid_lng, EXCLUDED.centroid_lat)`,
      [x.code, x.nameHans, x.nameHant, x.nameEn, x.centroid.lng, x.centroid.lat]));
  }
  for (const x of d.agencies) {
    add("agency", await count(m,
      `INSERT INTO agency (id, name_hans, name_hant, name_en, abbreviations, level, note) VALUES ($1,$2,$3,$4,$5,$6,$7)
       ON CONFLICT (id) DO UPDATE SET name_hans=EXCLUDED.name_hans, name_hant=EXCLUDED.name_hant, name_en=EXCLUDED.name_en,
         abbreviations=EXCLUDED.abbreviations, level=EXCLUDED.level, note=EXCLUDED.note
       WHERE (agency.name_hans, agency.name_hant, agency.name_en, agency.abbreviations, agency.level, agency.note)
         IS DISTINCT FROM (EXCLUDED.name_hans, EXCLUDED.name_hant, EXCLUDED.name_en, EXCLUDED.abbreviations, EXCLUDED.level, EXCLUDED.note)`,
      [x.id, x.nameHans, x.nameHant, x.nameEn, x.abbreviations ?? [], x.level ?? null, x.note ?? null]));
  }
  for (const x of d.domains) {
    add("domain", await count(m,
      `INSERT INTO domain (id, parent_id, also_in, name_hans, name_hant, name_en, is_group, note, mentions) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
       ON CONFLICT (id) DO UPDATE SET parent_id=EXCLUDED.parent_id, also_in=EXCLUDED.also_in, name_hans=EXCLUDED.name_hans,
         name_hant=EXCLUDED.name_hant, name_en=EXCLUDED.name_en, is_group=EXCLUDED.is_group, note=EXCLUDED.note, mentions=EXCLUDED.mentions
       WHERE (domain.parent_id, domain.also_in, domain.name_hans, domain.name_hant, domain.name_en, domain.is_group, domain.note, domain.mentions)
         IS DISTINCT FROM (EXCLUDED.parent_id, EXCLUDED.also_in, EXCLUDED.name_hans, EXCLUDED.name_hant, EXCLUDED.name_en, EXCLUDED.is_group, EXCLUDED.note, EXCLUDED.mentions)`,
      [x.id, x.parentId, x.alsoIn ?? [], x.nameHans, x.nameHant, x.nameEn, x.isGroup, x.note ?? null, JSON.stringify(x.mentions ?? [])]));
  }

  return written;
}

/** Targets (upserted by id, touched only when different). Rows written per table. */
export async function writeTargets(m: EntityManager, d: Pick<SeedData, "targets">): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  const add = (k: string, n: number) => (written[k] = (written[k] ?? 0) + n);
  for (const x of d.targets) {
    add("target", await count(m,
      `INSERT INTO target (id, section, metric_hant, metric_hans, metric_en, unit, year, scope, value_min, value_max, comparator, excerpt, "offset", count_rule, note)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
       ON CONFLICT (id) DO UPDATE SET section=EXCLUDED.section, metric_hant=EXCLUDED.metric_hant, metric_hans=EXCLUDED.metric_hans,
         metric_en=EXCLUDED.metric_en, unit=EXCLUDED.unit, year=EXCLUDED.year, scope=EXCLUDED.scope, value_min=EXCLUDED.value_min,
         value_max=EXCLUDED.value_max, comparator=EXCLUDED.comparator, excerpt=EXCLUDED.excerpt, "offset"=EXCLUDED."offset",
         count_rule=EXCLUDED.count_rule, note=EXCLUDED.note
       WHERE (target.section, target.metric_hant, target.metric_hans, target.metric_en, target.unit, target.year, target.scope,
         target.value_min, target.value_max, target.comparator, target.excerpt, target."offset", target.count_rule, target.note)
         IS DISTINCT FROM (EXCLUDED.section, EXCLUDED.metric_hant, EXCLUDED.metric_hans, EXCLUDED.metric_en, EXCLUDED.unit, EXCLUDED.year,
         EXCLUDED.scope, EXCLUDED.value_min, EXCLUDED.value_max, EXCLUDED.comparator, EXCLUDED.excerpt, EXCLUDED."offset", EXCLUDED.count_rule, EXCLUDED.note)`,
      [x.id, x.section, x.metricHant, x.metricHans, x.metricEn, x.unit, x.year, x.scope, x.valueMin, x.valueMax, x.comparator,
        x.excerpt, x.offset, x.countRule ? JSON.stringify(x.countRule) : null, x.note ?? null]));
  }
  return written;
}

