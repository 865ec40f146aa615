/**
 * The plan's data set (seeds/data): reading it, every rule it must satisfy (against the schema's
 * enums and the source text: every excerpt verbatim at its offset), and writing it in one
 * transaction. Idempotent: records are upserted by id and a row is only touched when something
 * in it differs, so a second run changes nothing. Platforms are written through the platform's
 * store (src/modules/platform/platform.store.ts), like every other writer.
 *
 * Status belongs to the status workflow once a platform exists: the loader sets a platform's
 * status and writes its first status event (citing the plan) only when it creates the platform.
 */
import fs from "node:fs";
import path from "node:path";
import type { DataSource, EntityManager } from "typeorm";
import { Table } from "../../db/table";
import { repoRoot } from "../../paths";
import { AGENCY_TABLE } from "../agency/agency.entity";
import { DISTRICT_TABLE } from "../district/district.entity";
import { DOMAIN_TABLE } from "../domain/domain.entity";
import { PlatformKind, PlatformLevel, PlatformStatus } from "../platform/platform.enums";
import { finite, inEnum, inGuangzhou, nonEmpty, platformProblems, SLUG, type PlatformRecord, type PlatformRules } from "../platform/platform.rules";
import { col, districtCentroids, upsertPlatform } from "../platform/platform.store";
import { mentionProblem, PLAN_DATE, PLAN_TITLE, type MentionRecord } from "../source/plan";
import { Target } from "../target/target.entity";

export interface SeedDistrict { code: string; nameHant: string; nameHans: string; nameEn: string; centroid: { lng: number; lat: number } }
export interface SeedAgency { id: string; nameHant: string; nameHans: string; nameEn: string; abbreviations: string[]; level: string | null; note?: string | null }
export interface SeedDomain {
  id: string; parentId: string | null; alsoIn: string[]; nameHant: string; nameHans: string; nameEn: string;
  isGroup: boolean; mentions: MentionRecord[]; note?: string | null;
}
export type SeedPlatform = PlatformRecord;
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

/** Every rule the data set must satisfy; returns the problems, each naming its record. */
export function validateSeedData(d: SeedData, opts: { requireStatusWording?: boolean } = {}): string[] {
  const p: string[] = [];
  const checkMention = (who: string, m: MentionRecord) => {
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
  for (const x of d.platforms) {
    p.push(...platformProblems(x, rules));
    // the data set says where every point comes from, and why a platform has none
    if (!nonEmpty(x.locationNote)) p.push(`platform '${x.id}': locationNote is required (where the point comes from, or why there is none)`);
  }
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

/** The first status event's note: the plan's words the status comes from. */
export function seedEventNote(x: Pick<SeedPlatform, "statusWording" | "statusInferred">): string {
  return `Status as of the plan's date, from its wording 「${x.statusWording}」${x.statusInferred ? " (inferred: the wording does not state the construction state directly)" : ""}`;
}

async function writeSeed(m: EntityManager, d: SeedData): Promise<SeedResult> {
  const written: Record<string, number> = {};
  const add = (w: Record<string, number>) => {
    for (const [k, n] of Object.entries(w)) written[k] = (written[k] ?? 0) + n;
  };
  add(await writeReference(m, d));
  const centroids = await districtCentroids(m);
  for (const x of d.platforms) {
    add(await correctBaseline(m, x));
    add(await upsertPlatform(m, x, {
      centroids,
      firstEvent: {
        actor: "seed",
        note: seedEventNote(x),
        sourceTitle: PLAN_TITLE,
        sourcePublishedAt: PLAN_DATE,
        effectiveDate: PLAN_DATE,
        tokenId: null,
      },
    }));
  }
  add(await writeTargets(m, d));
  return { written };
}

/**
 * A registry loaded from an earlier edition of the data set keeps the baseline status it had then,
 * since status belongs to the status workflow. Where nobody has recorded a change yet (every event
 * of the platform is the data set's own) and the data set's baseline has since been corrected,
 * the correction is recorded as such: a correction event citing the plan, and the new status.
 * Once an official has recorded a change, the data set never touches the platform's status.
 */
async function correctBaseline(m: EntityManager, x: SeedPlatform): Promise<Record<string, number>> {
  const rows: Array<{ status: string; version: number; human: boolean }> = await m.query(
    `SELECT p.${col.status} AS status, p.${col.version} AS version,
       EXISTS (SELECT 1 FROM status_event e WHERE e.platform_id = p.id AND e.actor <> 'seed') AS human
     FROM platform p WHERE p.id = $1 FOR UPDATE`,
    [x.id],
  );
  const p = rows[0];
  if (!p || p.human || p.status === x.status) return {};
  await m.query(
    `INSERT INTO status_event (platform_id, from_status, to_status, effective_date, actor, note, source_title, source_url,
       source_published_at, correction, token_id)
     VALUES ($1, $2, $3, $4, 'seed', $5, $6, NULL, $4, true, NULL)`,
    [x.id, p.status, x.status, PLAN_DATE, `Baseline corrected by the data set's review. ${seedEventNote(x)}`, PLAN_TITLE],
  );
  await m.query(`UPDATE platform SET ${col.status} = $2, ${col.version} = ${col.version} + 1, ${col.updatedAt} = now() WHERE id = $1`, [x.id, x.status]);
  return { platform: 1, status_event: 1 };
}

const DISTRICT = DISTRICT_TABLE;
const AGENCY = AGENCY_TABLE;
const DOMAIN = DOMAIN_TABLE;
const TARGET = new Table(Target);

/** Districts, agencies and domains (upserted by id, touched only when different). Rows written per table. */
export async function writeReference(m: EntityManager, d: Pick<SeedData, "districts" | "agencies" | "domains">): Promise<Record<string, number>> {
  const written = { district: 0, agency: 0, domain: 0 };
  for (const x of d.districts) {
    const { centroid, ...rest } = x;
    if (await DISTRICT.upsert(m, { ...rest, centroidLng: centroid.lng, centroidLat: centroid.lat })) written.district++;
  }
  for (const x of d.agencies) {
    if (await AGENCY.upsert(m, { ...x, abbreviations: x.abbreviations ?? [], level: x.level ?? null, note: x.note ?? null })) written.agency++;
  }
  for (const x of d.domains) {
    if (await DOMAIN.upsert(m, { ...x, alsoIn: x.alsoIn ?? [], note: x.note ?? null, mentions: x.mentions ?? [] })) written.domain++;
  }
  return written;
}

/** Targets (upserted by id, touched only when different). Rows written per table. */
export async function writeTargets(m: EntityManager, d: Pick<SeedData, "targets">): Promise<Record<string, number>> {
  let target = 0;
  for (const x of d.targets) {
    if (await TARGET.upsert(m, { ...x, countRule: x.countRule ?? null, note: x.note ?? null } as Partial<Record<keyof Target, unknown>>)) target++;
  }
  return { target };
}
