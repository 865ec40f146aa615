/**
 * The rules a platform record must satisfy, whoever writes it: the seed loader, `import`, and
 * the API's create/update. One place, so the writers cannot drift apart.
 */
import { mentionProblem, type MentionRecord } from "../source/plan";
import { LocationPrecision, PlatformKind, PlatformLevel, PlatformStatus } from "./platform.enums";

/** A platform as the data set, a dump and the API's writes describe it (the seed format, seeds/FORMAT.md). */
export interface PlatformRecord {
  id: string;
  nameHant: string;
  nameHans: string;
  nameEn: string;
  nameEnEstablished: boolean;
  aliases: string[];
  kind: string;
  level: string | null;
  domains: string[];
  district: string | null;
  overseas: { city: string; country: string } | null;
  zone: string | null;
  location: { lng?: number; lat?: number; precision: string } | null;
  /** Where the point comes from, or why there is none. */
  locationNote?: string | null;
  status: string;
  statusWording: string;
  statusInferred: boolean;
  agencies: string[];
  mentions: MentionRecord[];
  note: string | null;
}

/** Guangzhou's extent, for sanity checks of coordinates. */
export const GUANGZHOU_BBOX = { minLng: 112.9, minLat: 22.5, maxLng: 114.1, maxLat: 23.95 };

export function inGuangzhou(lng: number, lat: number): boolean {
  const b = GUANGZHOU_BBOX;
  return lng >= b.minLng && lng <= b.maxLng && lat >= b.minLat && lat <= b.maxLat;
}

export const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const inEnum = (e: object, v: unknown) => typeof v === "string" && (Object.values(e) as string[]).includes(v);
export const nonEmpty = (v: unknown) => typeof v === "string" && v.trim().length > 0;
export const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

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

/** Every problem of one platform record, each naming it. Empty: the record may be written. */
export function platformProblems(x: PlatformRecord, r: PlatformRules): string[] {
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
        if (i > 10_000 || cur === x.id) {
          p.push(`${who}: zone chain has a cycle`);
          break;
        }
        cur = r.zoneOf(cur);
      }
    }
  }
  const loc = x.location;
  if (loc) {
    if (!inEnum(LocationPrecision, loc.precision)) p.push(`${who}: unknown precision '${loc.precision}'`);
    if (loc.precision === LocationPrecision.DISTRICT) {
      if (!x.district) p.push(`${who}: DISTRICT precision needs a district`);
      // a district's centre may lie far outside the zone: a member with no site of its own takes the zone's point
      if (x.zone) p.push(`${who}: a platform inside a zone takes the zone's point (APPROXIMATE), not its district's centre`);
      if (loc.lng !== undefined || loc.lat !== undefined) p.push(`${who}: DISTRICT precision takes the district centroid; give no coordinates`);
    } else if (!finite(loc.lng) || !finite(loc.lat) || Math.abs(loc.lng) > 180 || Math.abs(loc.lat) > 90) {
      p.push(`${who}: location needs finite lng and lat`);
    } else if (!x.overseas && !inGuangzhou(loc.lng, loc.lat)) {
      p.push(`${who}: location (${loc.lng}, ${loc.lat}) is outside Guangzhou`);
    }
  }
  if (x.locationNote !== undefined && x.locationNote !== null && (typeof x.locationNote !== "string" || x.locationNote.length > 2000)) {
    p.push(`${who}: locationNote must be text of at most 2000 characters`);
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
