/**
 * The plan's data set (seeds/data): reading it, every rule it must satisfy (against the schema's
 * enums and the source text: every excerpt verbatim at its offset), and writing it in one
 * transaction. Idempotent: records are upserted by id and a row is only touched when something
 * in it differs, so a second run changes nothing. Platforms are written through the platform's
 * store (src/modules/platform/platform.store.ts), like every other writer.
 *
 * Status belongs to the status workflow once a platform exists: the loader sets a platform's
 * status and writes its first status event (citing the plan) only when it creates the platform.
 * The data set's dated history after the plan (seeds/data/history/events.json) is recorded as
 * status events of the data set (actor `seed`) on platforms whose history is the data set's own;
 * where an official has recorded a change, the data set's events are held back (see writeHistory).
 */
import fs from "node:fs";
import path from "node:path";
import type { DataSource, EntityManager } from "typeorm";
import { Table } from "../../db/table";
import { repoRoot } from "../../paths";
import { AGENCY_TABLE } from "../agency/agency.entity";
import { DISTRICT_TABLE } from "../district/district.entity";
import { DOMAIN_TABLE } from "../domain/domain.entity";
import { DatePrecision, PlatformKind, PlatformLevel, PlatformStatus } from "../platform/platform.enums";
import { isAllowedTransition } from "../status/lifecycle";
import { STATUS_EVENT } from "../status/status-event.entity";
import { isValidDate, todayInGuangzhou } from "../../dates";
import { finite, inEnum, inGuangzhou, nonEmpty, platformProblems, SLUG, type PlatformRecord, type PlatformRules } from "../platform/platform.rules";
import { col, districtCentroids, rowsWritten, upsertPlatform } from "../platform/platform.store";
import { mentionProblem, PLAN_DATE, PLAN_TITLE, type MentionRecord } from "../source/plan";

/** Who issued the plan. */
const PLAN_PUBLISHER = "廣州市人民政府";
import { Target } from "../target/target.entity";

export interface SeedDistrict {
  code: string;
  nameHant: string;
  nameHans: string;
  nameEn: string;
  centroid: { lng: number; lat: number };
}
export interface SeedAgency {
  id: string;
  nameHant: string;
  nameHans: string;
  nameEn: string;
  abbreviations: string[];
  level: string | null;
  note?: string | null;
}
export interface SeedDomain {
  id: string;
  parentId: string | null;
  alsoIn: string[];
  nameHant: string;
  nameHans: string;
  nameEn: string;
  isGroup: boolean;
  mentions: MentionRecord[];
  note?: string | null;
}
export type SeedPlatform = PlatformRecord & {
  /** Where the baseline status rests on a public source rather than the plan's wording: that source (its note says why). */
  baselineSource?: SeedSource | null;
};
export interface SeedTarget {
  id: string;
  section: string;
  metricHant: string;
  metricHans: string;
  metricEn: string;
  unit: string;
  year: number | null;
  scope: string;
  valueMin: number;
  valueMax: number;
  comparator: string | null;
  excerpt: string;
  offset: number;
  /** every clause that states the target, in document order (the first is excerpt/offset) */
  mentions?: MentionRecord[];
  /** ids of targets merged into this one (a target stated in several clauses is one target) */
  formerIds?: string[];
  countRule: { kinds?: string[]; levels?: string[]; statuses?: string[] } | null;
  note?: string | null;
}
/** A published document: every fact after the plan names one. */
export interface SeedSource {
  title: string;
  publisher: string;
  publishedAt: string;
  url: string | null;
}
/** A dated status event after the plan's date (seeds/data/history/events.json). */
export interface SeedEvent {
  platform: string;
  status: string;
  effectiveDate: string;
  datePrecision: string;
  note: string;
  source: SeedSource;
  evidence?: string | null;
}
/** A later name of a platform (seeds/data/history/names.json). */
export interface SeedName {
  platform: string;
  name: string;
  script: string;
  effectiveDate: string;
  datePrecision: string;
  source: SeedSource;
  evidence?: string | null;
}
/** A search of public sources that found nothing (seeds/data/history/searched.json): for a platform's history, or a target's figure. */
export interface SeedSearch {
  platform?: string;
  target?: string;
  searchedOn: string;
  queries: string[];
  result: string;
}
/** A figure the city published for a target's indicator (seeds/data/figures.json). */
export interface SeedFigure {
  target: string;
  year: number;
  value: number;
  unit: string;
  note: string | null;
  /** false: the figure measures something other than the target's indicator (the note says what); default true */
  comparable?: boolean;
  source: SeedSource;
  evidence?: string | null;
}
export interface SeedData {
  source: string;
  districts: SeedDistrict[];
  agencies: SeedAgency[];
  domains: SeedDomain[];
  platforms: SeedPlatform[];
  targets: SeedTarget[];
  events: SeedEvent[];
  names: SeedName[];
  searched: SeedSearch[];
  figures: SeedFigure[];
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
    ? fs
        .readdirSync(platformDir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .flatMap((f) => readJson<SeedPlatform[]>(path.join(platformDir, f)))
    : [];
  const opt = <T>(name: string): T[] => (fs.existsSync(path.join(dataDir, name)) ? readJson<T[]>(path.join(dataDir, name)) : []);
  const history = path.join("history");
  return {
    source: fs.readFileSync(path.join(seedsDir, "source", "plan.clean.txt"), "utf8"),
    districts: opt<SeedDistrict>("districts.json"),
    agencies: opt<SeedAgency>("agencies.json"),
    domains: opt<SeedDomain>("domains.json"),
    platforms,
    targets: opt<SeedTarget>("targets.json"),
    events: opt<SeedEvent>(path.join(history, "events.json")),
    names: opt<SeedName>(path.join(history, "names.json")),
    searched: opt<SeedSearch>(path.join(history, "searched.json")),
    figures: opt<SeedFigure>("figures.json"),
  };
}

const URL_RE = /^https?:\/\/\S+$/;
const PRECISIONS: readonly string[] = Object.values(DatePrecision);

/** A date as the data set writes it: a real ISO date, not after today in Guangzhou; MONTH and YEAR dates are the first day of it. */
function dateProblem(who: string, field: string, date: unknown, precision?: unknown): string | null {
  if (typeof date !== "string" || !isValidDate(date)) return `${who}: ${field} must be a real date YYYY-MM-DD`;
  if (date > todayInGuangzhou()) return `${who}: ${field} ${date} is in the future`;
  if (precision !== undefined) {
    if (typeof precision !== "string" || !PRECISIONS.includes(precision)) return `${who}: datePrecision must be DAY, MONTH or YEAR`;
    if (precision === DatePrecision.MONTH && !date.endsWith("-01")) return `${who}: a MONTH date is the first day of the month`;
    if (precision === DatePrecision.YEAR && !date.endsWith("-01-01")) return `${who}: a YEAR date is January 1st`;
  }
  return null;
}

/** A source names its title, publisher and publication date; a URL, when given, is http(s). */
function sourceProblems(who: string, src: SeedSource | null | undefined): string[] {
  if (!src || typeof src !== "object") return [`${who}: a source is required (title, publisher, publishedAt, url or null)`];
  const p: string[] = [];
  if (!nonEmpty(src.title)) p.push(`${who}: source.title is required`);
  if (!nonEmpty(src.publisher)) p.push(`${who}: source.publisher is required`);
  const d = dateProblem(who, "source.publishedAt", src.publishedAt);
  if (d) p.push(d);
  if (src.url !== null && src.url !== undefined && !(typeof src.url === "string" && URL_RE.test(src.url) && src.url.length <= 2000)) {
    p.push(`${who}: source.url must be an http(s) URL or null`);
  }
  return p;
}

/** The data set's events of each platform in the order they took effect (file order among equal dates). */
export function eventsByPlatform(events: readonly SeedEvent[]): Map<string, SeedEvent[]> {
  const out = new Map<string, SeedEvent[]>();
  for (const e of events) {
    if (!out.has(e.platform)) out.set(e.platform, []);
    out.get(e.platform)!.push(e);
  }
  for (const list of out.values()) list.sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : a.effectiveDate > b.effectiveDate ? 1 : 0));
  return out;
}

/** The rules of the history after the plan: events, later names, searches and the city's figures. */
function historyProblems(d: SeedData, p: string[]): void {
  const platformById = new Map(d.platforms.map((x) => [x.id, x]));
  d.events.forEach((e, i) => {
    const who = `event ${i + 1} (${e.platform ?? "?"} ${e.status ?? "?"} ${e.effectiveDate ?? "?"})`;
    if (!platformById.has(e.platform)) p.push(`${who}: unknown platform '${e.platform}'`);
    if (!inEnum(PlatformStatus, e.status)) p.push(`${who}: unknown status '${e.status}'`);
    const dp = dateProblem(who, "effectiveDate", e.effectiveDate, e.datePrecision);
    if (dp) p.push(dp);
    else if (e.effectiveDate <= PLAN_DATE) p.push(`${who}: effectiveDate must be after the plan's date ${PLAN_DATE} (the baseline is the platform's status)`);
    if (!nonEmpty(e.note) || e.note.length > 2000) p.push(`${who}: a note (1-2000 characters) says what happened`);
    p.push(...sourceProblems(who, e.source));
  });
  // Each platform's events follow the lifecycle from its baseline, in the order they took effect.
  for (const [id, list] of eventsByPlatform(d.events)) {
    const base = platformById.get(id);
    if (!base) continue;
    let from = base.status as PlatformStatus;
    let date = PLAN_DATE;
    for (const e of list) {
      if (!inEnum(PlatformStatus, e.status)) continue;
      if (!isAllowedTransition(from, e.status as PlatformStatus)) {
        p.push(`event (${id} ${e.status} ${e.effectiveDate}): ${from} → ${e.status} is not a lifecycle step (after ${date})`);
      }
      from = e.status as PlatformStatus;
      date = e.effectiveDate;
    }
  }
  const nameKeys = new Set<string>();
  d.names.forEach((n, i) => {
    const who = `name ${i + 1} (${n.platform ?? "?"} ${n.name ?? "?"})`;
    if (!platformById.has(n.platform)) p.push(`${who}: unknown platform '${n.platform}'`);
    if (!nonEmpty(n.name)) p.push(`${who}: name is required`);
    if (!["Hans", "Hant", "En"].includes(n.script)) p.push(`${who}: script must be Hans, Hant or En`);
    if (nameKeys.has(`${n.platform}|${n.name}`)) p.push(`${who}: duplicate`);
    nameKeys.add(`${n.platform}|${n.name}`);
    const dp = dateProblem(who, "effectiveDate", n.effectiveDate, n.datePrecision);
    if (dp) p.push(dp);
    p.push(...sourceProblems(who, n.source));
  });
  const targetIds = new Set(d.targets.map((t) => t.id));
  d.searched.forEach((x, i) => {
    const who = `search ${i + 1} (${x.platform ?? x.target ?? "?"})`;
    if ((x.platform === undefined) === (x.target === undefined)) p.push(`${who}: names a platform or a target (one of them)`);
    else if (x.platform !== undefined && !platformById.has(x.platform)) p.push(`${who}: unknown platform '${x.platform}'`);
    else if (x.target !== undefined && !targetIds.has(x.target)) p.push(`${who}: unknown target '${x.target}'`);
    const dp = dateProblem(who, "searchedOn", x.searchedOn);
    if (dp) p.push(dp);
    if (!Array.isArray(x.queries) || !x.queries.length || !x.queries.every(nonEmpty)) p.push(`${who}: the queries searched are required`);
    if (!nonEmpty(x.result)) p.push(`${who}: result (what was found) is required`);
  });
  const figureKeys = new Set<string>();
  d.figures.forEach((f, i) => {
    const who = `figure ${i + 1} (${f.target ?? "?"} ${f.year ?? "?"})`;
    if (!targetIds.has(f.target)) p.push(`${who}: unknown target '${f.target}'`);
    if (!Number.isInteger(f.year) || f.year < 2000 || f.year > Number(todayInGuangzhou().slice(0, 4))) p.push(`${who}: year must be a past or current year`);
    if (!finite(f.value)) p.push(`${who}: value must be a number`);
    if (!nonEmpty(f.unit)) p.push(`${who}: unit is required`);
    if (f.note !== null && f.note !== undefined && !nonEmpty(f.note)) p.push(`${who}: note is a text or null`);
    if (f.comparable !== undefined && typeof f.comparable !== "boolean") p.push(`${who}: comparable is true or false`);
    if (f.comparable === false && !nonEmpty(f.note)) p.push(`${who}: a figure not comparable with the target's says in its note what it measures`);
    p.push(...sourceProblems(who, f.source));
    const key = `${f.target}|${f.year}|${f.source?.title}`;
    if (figureKeys.has(key)) p.push(`${who}: duplicate (same target, year and source title)`);
    figureKeys.add(key);
  });
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

  const districtCodes = unique(
    "district",
    d.districts.map((x) => x.code),
  );
  for (const x of d.districts) {
    const who = `district '${x.code}'`;
    if (!/^\d{6}$/.test(x.code)) p.push(`${who}: code must be 6 digits (GB/T 2260)`);
    if (![x.nameHans, x.nameHant, x.nameEn].every(nonEmpty)) p.push(`${who}: names are required`);
    if (!x.centroid || !finite(x.centroid.lng) || !finite(x.centroid.lat) || !inGuangzhou(x.centroid.lng, x.centroid.lat))
      p.push(`${who}: centroid must lie in Guangzhou`);
  }

  const agencyIds = unique(
    "agency",
    d.agencies.map((x) => x.id),
  );
  for (const x of d.agencies) {
    const who = `agency '${x.id}'`;
    if (!SLUG.test(x.id)) p.push(`${who}: id must be a kebab-case slug`);
    if (![x.nameHans, x.nameHant, x.nameEn].every(nonEmpty)) p.push(`${who}: names are required`);
  }

  const domainIds = unique(
    "domain",
    d.domains.map((x) => x.id),
  );
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
      if (i > d.domains.length) {
        p.push(`${who}: parent chain has a cycle`);
        break;
      }
      cur = domainById.get(cur.parentId);
    }
  }

  unique(
    "platform",
    d.platforms.map((x) => x.id),
  );
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
    if (x.baselineSource !== undefined && x.baselineSource !== null) p.push(...sourceProblems(`platform '${x.id}' baselineSource`, x.baselineSource));
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

  unique(
    "target",
    d.targets.map((x) => x.id),
  );
  for (const x of d.targets) {
    const who = `target '${x.id}'`;
    if (![x.metricHans, x.metricHant, x.metricEn, x.unit, x.section].every(nonEmpty)) p.push(`${who}: metric names, unit and section are required`);
    if (!["YEARLY", "END_OF_2020", "ANNUAL"].includes(x.scope)) p.push(`${who}: unknown scope '${x.scope}'`);
    if (!finite(x.valueMin) || !finite(x.valueMax) || x.valueMax < x.valueMin) p.push(`${who}: valueMin ≤ valueMax, both numbers`);
    if (x.year !== null && !Number.isInteger(x.year)) p.push(`${who}: year must be an integer or null`);
    checkMention(who, { section: x.section, excerpt: x.excerpt, offset: x.offset });
    const mentions = x.mentions ?? [];
    mentions.forEach((m) => checkMention(who, m));
    if (mentions.length && (mentions[0].offset !== x.offset || mentions[0].excerpt !== x.excerpt)) p.push(`${who}: the first mention is excerpt/offset`);
    for (const f of x.formerIds ?? []) {
      if (!SLUG.test(f)) p.push(`${who}: formerIds '${f}' is not an id`);
      if (d.targets.some((t) => t.id === f)) p.push(`${who}: former id '${f}' is still a target's id`);
    }
    const r = x.countRule;
    if (r) {
      for (const k of r.kinds ?? []) if (!inEnum(PlatformKind, k)) p.push(`${who}: countRule kind '${k}' unknown`);
      for (const k of r.levels ?? []) if (!inEnum(PlatformLevel, k)) p.push(`${who}: countRule level '${k}' unknown`);
      for (const k of r.statuses ?? []) if (!inEnum(PlatformStatus, k)) p.push(`${who}: countRule status '${k}' unknown`);
    }
  }
  // A target stated in several clauses is one target: no two share metric, year, scope and figure.
  const seenTarget = new Map<string, string>();
  for (const x of d.targets) {
    const key = [x.metricEn, x.year, x.scope, x.valueMin, x.valueMax, x.unit].join("|");
    if (seenTarget.has(key)) p.push(`target '${x.id}': states the same as '${seenTarget.get(key)}' (merge them: one target with both mentions)`);
    seenTarget.set(key, x.id);
  }
  historyProblems(d, p);
  return p;
}

export interface SeedResult {
  /** rows inserted or changed, per table */
  written: Record<string, number>;
  /** the data set's events not written because an official has recorded the platform's status since (see writeHistory) */
  heldBack: Array<{ platform: string; status: string; effectiveDate: string }>;
}

/** Validates the whole data set, then writes it in one transaction. Throws SeedValidationError before writing anything. */
export async function loadSeed(dataSource: DataSource, data: SeedData = readSeedData()): Promise<SeedResult> {
  const problems = validateSeedData(data);
  if (problems.length) throw new SeedValidationError(problems);
  return dataSource.transaction("SERIALIZABLE", (m) => writeSeed(m, data));
}

/** The first status event's note: the plan's words the status comes from, or the public source that corrects them. */
export function seedEventNote(x: Pick<SeedPlatform, "statusWording" | "statusInferred" | "baselineSource">): string {
  if (x.baselineSource)
    return `Status as of the plan's date from a public source (the plan's wording 「${x.statusWording}」 reads otherwise; see the platform's note)`;
  return `Status as of the plan's date, from its wording 「${x.statusWording}」${x.statusInferred ? " (inferred: the wording does not state the construction state directly)" : ""}`;
}

/** The source of a platform's baseline: the plan, or the public source that corrects its wording. */
function baselineSourceOf(x: SeedPlatform): { title: string; publisher: string | null; publishedAt: string; url: string | null } {
  return x.baselineSource ?? { title: PLAN_TITLE, publisher: PLAN_PUBLISHER, publishedAt: PLAN_DATE, url: null };
}

async function writeSeed(m: EntityManager, d: SeedData): Promise<SeedResult> {
  const written: Record<string, number> = {};
  const heldBack: SeedResult["heldBack"] = [];
  const add = (w: Record<string, number>) => {
    for (const [k, n] of Object.entries(w)) written[k] = (written[k] ?? 0) + n;
  };
  add(await writeReference(m, d));
  const centroids = await districtCentroids(m);
  const events = eventsByPlatform(d.events);
  const laterNames = new Map<string, string[]>();
  for (const n of d.names) laterNames.set(n.platform, [...(laterNames.get(n.platform) ?? []), n.name]);
  for (const x of d.platforms) {
    // a later name is an alias too, so that search finds the platform by it
    const names = new Set([x.nameHans, x.nameHant, x.nameEn, ...x.aliases]);
    const record = { ...x, aliases: [...x.aliases, ...(laterNames.get(x.id) ?? []).filter((n) => !names.has(n))] };
    add(await correctBaseline(m, x));
    add(
      await upsertPlatform(m, record, {
        centroids,
        firstEvent: {
          actor: SEED_ACTOR,
          note: seedEventNote(x),
          sourceTitle: baselineSourceOf(x).title,
          sourcePublisher: baselineSourceOf(x).publisher,
          sourceUrl: baselineSourceOf(x).url,
          sourcePublishedAt: baselineSourceOf(x).publishedAt,
          effectiveDate: PLAN_DATE,
          tokenId: null,
        },
      }),
    );
    const h = await writeHistory(m, x.id, events.get(x.id) ?? []);
    add(h.written);
    heldBack.push(...h.heldBack);
  }
  add(await writeTargets(m, d));
  add(await writeFigures(m, d));
  add(await writeNames(m, d));
  return { written, heldBack };
}

/** The actor of every event the data set records (the registry's own data set, not an official). */
export const SEED_ACTOR = "seed";

interface StoredEvent {
  id: string;
  to_status: string;
  effective_date: string;
  actor: string;
  correction: boolean;
}

/**
 * The data set's dated events of one platform, after the plan's date. Idempotent: an event already
 * recorded by the data set (same status and effective date) is not written again; each new one is a
 * status event of the data set (actor `seed`, no token) with its date precision and source, and
 * bumps the version by one, so that version stays the number of events.
 *
 * Officials own a platform's status once they have recorded a change of it (any event not the data
 * set's): the data set then writes none of its events for that platform, older or newer than the
 * official's, and reports them as held back. An official's record is never reordered, overridden or
 * left behind a data-set event that would take effect after it.
 *
 * Otherwise the platform's status becomes that of its latest event by effective date (ties: the
 * last recorded), which is what `asOf` today answers.
 */
async function writeHistory(m: EntityManager, id: string, events: SeedEvent[]): Promise<{ written: Record<string, number>; heldBack: SeedResult["heldBack"] }> {
  if (!events.length) return { written: {}, heldBack: [] };
  const stored: StoredEvent[] = await m.query(
    `SELECT e.id::text AS id, e.to_status, e.effective_date::text AS effective_date, e.actor, e.correction
     FROM status_event e WHERE e.platform_id = $1 ORDER BY e.effective_date, e.recorded_at, e.id`,
    [id],
  );
  const recorded = new Set(stored.filter((e) => e.actor === SEED_ACTOR).map((e) => `${e.to_status}|${e.effective_date}`));
  const missing = events.filter((e) => !recorded.has(`${e.status}|${e.effectiveDate}`));
  if (!missing.length) return { written: {}, heldBack: [] };
  if (stored.some((e) => e.actor !== SEED_ACTOR)) {
    return { written: {}, heldBack: missing.map((e) => ({ platform: id, status: e.status, effectiveDate: e.effectiveDate })) };
  }
  // the status before each new event: the latest stored or new event that took effect before it
  const timeline: Array<{ to: string; date: string }> = stored.map((e) => ({ to: e.to_status, date: e.effective_date }));
  for (const e of missing) {
    const before = timeline.filter((t) => t.date <= e.effectiveDate);
    const from = before.length ? before[before.length - 1].to : null;
    await STATUS_EVENT.insert(m, {
      platformId: id,
      from,
      to: e.status,
      effectiveDate: e.effectiveDate,
      datePrecision: e.datePrecision,
      actor: SEED_ACTOR,
      note: e.note,
      sourceTitle: e.source.title,
      sourcePublisher: e.source.publisher,
      sourceUrl: e.source.url ?? null,
      sourcePublishedAt: e.source.publishedAt,
      correction: false,
      tokenId: null,
    });
    timeline.push({ to: e.status, date: e.effectiveDate });
    timeline.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }
  await statusFromHistory(m, id, missing.length);
  return { written: { status_event: missing.length, platform: 1 }, heldBack: [] };
}

/** Sets a platform's status to its latest event's (by effective date) and raises its version by the events added. */
async function statusFromHistory(m: EntityManager, id: string, added: number): Promise<void> {
  await m.query(
    `UPDATE platform SET ${col.status} = (SELECT e.to_status FROM status_event e WHERE e.platform_id = $1
         ORDER BY e.effective_date DESC, e.recorded_at DESC, e.id DESC LIMIT 1),
       ${col.version} = ${col.version} + $2, ${col.updatedAt} = now() WHERE id = $1`,
    [id, added],
  );
}

/**
 * A registry loaded from an earlier edition of the data set keeps the baseline status it had then,
 * since status belongs to the status workflow. Where nobody has recorded a change yet (every event
 * of the platform is the data set's own) and the data set's baseline has since been corrected,
 * the correction is recorded as such: a correction event on the plan's date citing the plan, and
 * the status of the platform's latest event. Once an official has recorded a change, the data set
 * never touches the platform's status.
 */
async function correctBaseline(m: EntityManager, x: SeedPlatform): Promise<Record<string, number>> {
  const rows: Array<{ baseline: string | null; human: boolean }> = await m.query(
    `SELECT (SELECT e.to_status FROM status_event e WHERE e.platform_id = p.id AND e.effective_date <= $2
              ORDER BY e.effective_date DESC, e.recorded_at DESC, e.id DESC LIMIT 1) AS baseline,
       EXISTS (SELECT 1 FROM status_event e WHERE e.platform_id = p.id AND e.actor <> $3) AS human
     FROM platform p WHERE p.id = $1 FOR UPDATE`,
    [x.id, PLAN_DATE, SEED_ACTOR],
  );
  const p = rows[0];
  if (!p || p.human || p.baseline === null || p.baseline === x.status) return {};
  const src = baselineSourceOf(x);
  await STATUS_EVENT.insert(m, {
    platformId: x.id,
    from: p.baseline,
    to: x.status,
    effectiveDate: PLAN_DATE,
    actor: SEED_ACTOR,
    note: `Baseline corrected by the data set's review. ${seedEventNote(x)}`,
    sourceTitle: src.title,
    sourcePublisher: src.publisher,
    sourceUrl: src.url,
    sourcePublishedAt: src.publishedAt,
    correction: true,
    tokenId: null,
  });
  await statusFromHistory(m, x.id, 1);
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

/**
 * Targets (upserted by id, touched only when different). A target merged into another (its id now
 * among the other's formerIds) is deleted, so it is listed once. Rows written per table.
 */
export async function writeTargets(m: EntityManager, d: Pick<SeedData, "targets">): Promise<Record<string, number>> {
  let target = 0;
  for (const x of d.targets) {
    const mentions = x.mentions?.length ? x.mentions : [{ section: x.section, excerpt: x.excerpt, offset: x.offset }];
    const row = { ...x, mentions, formerIds: x.formerIds ?? [], countRule: x.countRule ?? null, note: x.note ?? null };
    if (await TARGET.upsert(m, row as Partial<Record<keyof Target, unknown>>)) target++;
  }
  const former = d.targets.flatMap((x) => x.formerIds ?? []);
  if (former.length) target += await rowsWritten(m, `DELETE FROM target WHERE id = ANY($1::text[])`, [former]);
  return { target };
}

/** The city's reported figures: upserted by (target, year, source title); figures no longer in the data set are deleted. */
export async function writeFigures(m: EntityManager, d: Pick<SeedData, "figures">): Promise<Record<string, number>> {
  let n = 0;
  for (const f of d.figures) {
    n += await rowsWritten(
      m,
      `INSERT INTO reported_figure (target_id, year, value, unit, note, comparable, source_title, source_publisher, source_published_at, source_url)
       VALUES ($1, $2, $3, $4, $5, $10, $6, $7, $8, $9)
       ON CONFLICT (target_id, year, source_title) DO UPDATE SET value = EXCLUDED.value, unit = EXCLUDED.unit, note = EXCLUDED.note,
         comparable = EXCLUDED.comparable, source_publisher = EXCLUDED.source_publisher, source_published_at = EXCLUDED.source_published_at,
         source_url = EXCLUDED.source_url
       WHERE (reported_figure.value, reported_figure.unit, reported_figure.note, reported_figure.comparable, reported_figure.source_publisher,
              reported_figure.source_published_at, reported_figure.source_url)
         IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.unit, EXCLUDED.note, EXCLUDED.comparable, EXCLUDED.source_publisher, EXCLUDED.source_published_at,
              EXCLUDED.source_url)`,
      [f.target, f.year, f.value, f.unit, f.note ?? null, f.source.title, f.source.publisher, f.source.publishedAt, f.source.url ?? null, f.comparable ?? true],
    );
  }
  n += await rowsWritten(
    m,
    `DELETE FROM reported_figure f WHERE NOT EXISTS (SELECT 1 FROM unnest($1::text[], $2::int[], $3::text[]) AS k(t, y, s)
       WHERE k.t = f.target_id AND k.y = f.year AND k.s = f.source_title)`,
    [d.figures.map((f) => f.target), d.figures.map((f) => f.year), d.figures.map((f) => f.source.title)],
  );
  return { reported_figure: n };
}

/** Later names, with the date each took effect: upserted by (platform, name); names no longer in the data set are deleted. */
export async function writeNames(m: EntityManager, d: Pick<SeedData, "names">): Promise<Record<string, number>> {
  let n = 0;
  for (const x of d.names) {
    n += await rowsWritten(
      m,
      `INSERT INTO platform_name (platform_id, name, script, effective_date, date_precision, source_title, source_publisher, source_published_at, source_url)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (platform_id, name) DO UPDATE SET script = EXCLUDED.script, effective_date = EXCLUDED.effective_date,
         date_precision = EXCLUDED.date_precision, source_title = EXCLUDED.source_title, source_publisher = EXCLUDED.source_publisher,
         source_published_at = EXCLUDED.source_published_at, source_url = EXCLUDED.source_url
       WHERE (platform_name.script, platform_name.effective_date, platform_name.date_precision, platform_name.source_title,
              platform_name.source_publisher, platform_name.source_published_at, platform_name.source_url)
         IS DISTINCT FROM (EXCLUDED.script, EXCLUDED.effective_date, EXCLUDED.date_precision, EXCLUDED.source_title,
              EXCLUDED.source_publisher, EXCLUDED.source_published_at, EXCLUDED.source_url)`,
      [x.platform, x.name, x.script, x.effectiveDate, x.datePrecision, x.source.title, x.source.publisher, x.source.publishedAt, x.source.url ?? null],
    );
  }
  n += await rowsWritten(
    m,
    `DELETE FROM platform_name n WHERE NOT EXISTS (SELECT 1 FROM unnest($1::text[], $2::text[]) AS k(p, name) WHERE k.p = n.platform_id AND k.name = n.name)`,
    [d.names.map((x) => x.platform), d.names.map((x) => x.name)],
  );
  return { platform_name: n };
}
