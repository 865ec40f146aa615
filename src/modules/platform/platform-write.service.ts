/**
 * Admin writes to the catalogue: create, update and archive platforms. Each is one transaction,
 * checked by the seed loader's own rules (platformProblems), with optimistic concurrency.
 */
import fs from "node:fs";
import path from "node:path";
import type { DataSource, EntityManager } from "typeorm";
import { AppError, badInput, ErrorCode } from "../../errors";
import { PLAN_DATE, PLAN_TITLE, platformProblems, repoRoot, upsertPlatform, type SeedPlatform } from "../../../seeds/loader";
import { requireAdmin } from "../auth/auth";
import { markWrite } from "../../db/reader";
import type { Viewer } from "../auth/token.service";
import { checkVersion, isValidDate, lockPlatform, todayInGuangzhou } from "../status/status.service";
import type { CreatePlatformInput, UpdatePlatformInput } from "./platform-write.inputs";

let planText: string | undefined;
/** The source every mention must quote (read once). */
const plan = () => (planText ??= fs.readFileSync(path.join(repoRoot(), "seeds", "source", "plan.clean.txt"), "utf8"));

export class PlatformWriteService {
  constructor(private readonly ds: DataSource) {}

  /** Creates a platform the plan names (admin). Its first status event cites the given source, or the plan. */
  async create(viewer: Viewer, input: CreatePlatformInput): Promise<string> {
    requireAdmin(viewer);
    if (!isValidDate(input.effectiveDate) || input.effectiveDate > todayInGuangzhou()) {
      throw badInput("effectiveDate must be a real date, not in the future", { field: "effectiveDate" });
    }
    const record: SeedPlatform = {
      id: input.id,
      nameHant: input.nameHant ?? "",
      nameHans: input.nameHans ?? "",
      nameEn: input.nameEn ?? "",
      nameEnEstablished: input.nameEnEstablished ?? false,
      aliases: input.aliases ?? [],
      kind: input.kind ?? "",
      level: input.level ?? null,
      domains: input.domains ?? [],
      district: input.district ?? null,
      overseas: input.overseas ? { city: input.overseas.city, country: input.overseas.country } : null,
      zone: input.zone ?? null,
      location: toLocation(input.location),
      status: input.status,
      statusWording: "",
      statusInferred: false,
      agencies: input.agencies ?? [],
      mentions: (input.mentions ?? []).map((m) => ({ section: m.section, excerpt: m.excerpt, offset: m.offset })),
      note: input.note ?? null,
    };
    markWrite();
    return this.ds.transaction(async (m) => {
      const exists: unknown[] = await m.query(`SELECT 1 FROM platform WHERE id = $1`, [record.id]);
      if (exists.length) throw new AppError(ErrorCode.CONFLICT, `a platform with id ${record.id} already exists`, { id: record.id });
      await this.validate(m, record);
      await upsertPlatform(m, record, await this.centroids(m), {
        actor: viewer.name,
        note: "created",
        sourceTitle: input.source?.title ?? PLAN_TITLE,
        sourceUrl: input.source?.url ?? null,
        sourcePublishedAt: input.source ? (input.source.publishedAt ?? null) : PLAN_DATE,
        effectiveDate: input.effectiveDate,
        tokenId: viewer.tokenId,
      });
      return record.id;
    });
  }

  /** Changes descriptive fields (admin): the given fields replace the current ones. */
  async update(viewer: Viewer, input: UpdatePlatformInput): Promise<string> {
    requireAdmin(viewer);
    markWrite();
    return this.ds.transaction(async (m) => {
      const locked = await lockPlatform(m, input.id);
      checkVersion(locked, input.expectedVersion);
      const current = await this.currentRecord(m, input.id);
      const given = <K extends keyof UpdatePlatformInput>(k: K) => input[k] !== undefined;
      const next: SeedPlatform = {
        ...current,
        ...(given("nameHant") && { nameHant: input.nameHant! }),
        ...(given("nameHans") && { nameHans: input.nameHans! }),
        ...(given("nameEn") && { nameEn: input.nameEn! }),
        ...(given("nameEnEstablished") && { nameEnEstablished: input.nameEnEstablished! }),
        ...(given("aliases") && { aliases: input.aliases! }),
        ...(given("kind") && { kind: input.kind! }),
        ...(given("level") && { level: input.level ?? null }),
        ...(given("domains") && { domains: input.domains! }),
        ...(given("agencies") && { agencies: input.agencies! }),
        ...(given("district") && { district: input.district ?? null }),
        ...(given("overseas") && { overseas: input.overseas ? { city: input.overseas.city, country: input.overseas.country } : null }),
        ...(given("zone") && { zone: input.zone ?? null }),
        ...(given("location") && { location: toLocation(input.location) }),
        ...(given("note") && { note: input.note ?? null }),
        ...(given("mentions") && { mentions: input.mentions!.map((x) => ({ section: x.section, excerpt: x.excerpt, offset: x.offset })) }),
      };
      await this.validate(m, next);
      await upsertPlatform(m, next, await this.centroids(m), {
        actor: viewer.name, note: null, sourceTitle: null, sourcePublishedAt: null, effectiveDate: todayInGuangzhou(), tokenId: viewer.tokenId,
      });
      return input.id;
    });
  }

  /** Archives a platform (admin): left out of queries unless asked for; its id stays valid. */
  async archive(viewer: Viewer, id: string, expectedVersion: number): Promise<string> {
    requireAdmin(viewer);
    markWrite();
    return this.ds.transaction(async (m) => {
      const p = await lockPlatform(m, id);
      checkVersion(p, expectedVersion);
      if (p.archived_at) throw badInput(`platform ${id} is already archived`, { id });
      await m.query(`UPDATE platform SET archived_at = now(), version = version + 1, updated_at = now() WHERE id = $1`, [id]);
      return id;
    });
  }

  private async validate(m: EntityManager, x: SeedPlatform): Promise<void> {
    // one after another: they share the transaction's connection (pg 9 will refuse queries queued on a busy client)
    const domains: Array<{ id: string; is_group: boolean }> = await m.query(`SELECT id, is_group FROM domain WHERE id = ANY($1::text[])`, [x.domains]);
    const agencies: Array<{ id: string }> = await m.query(`SELECT id FROM agency WHERE id = ANY($1::text[])`, [x.agencies]);
    const districts: Array<{ code: string }> = await m.query(`SELECT code FROM district WHERE code = $1`, [x.district]);
    // the enclosing zone and its ancestors (UNION stops at a cycle)
    const chain: Array<{ id: string; zone_id: string | null }> = await m.query(
      `WITH RECURSIVE up(id, zone_id) AS (SELECT id, zone_id FROM platform WHERE id = $1
         UNION SELECT p.id, p.zone_id FROM platform p JOIN up ON p.id = up.zone_id) SELECT * FROM up`,
      [x.zone],
    );
    const zones = new Map(chain.map((r) => [r.id, r.zone_id]));
    const problems = platformProblems(x, {
      source: plan(),
      domainIsGroup: (id) => domains.find((d) => d.id === id)?.is_group,
      agencyExists: (id) => agencies.some((a) => a.id === id),
      districtExists: (code) => districts.some((d) => d.code === code),
      zoneOf: (id) => (zones.has(id) ? zones.get(id)! : undefined),
      requireStatusWording: false,
    });
    if (problems.length) throw badInput(problems.join("; "), { problems });
  }

  private async centroids(m: EntityManager): Promise<Map<string, { lng: number; lat: number }>> {
    const rows: Array<{ code: string; lng: number; lat: number }> = await m.query(`SELECT code, centroid_lng AS lng, centroid_lat AS lat FROM district`);
    return new Map(rows.map((r) => [r.code, { lng: r.lng, lat: r.lat }]));
  }

  /** The platform as a seed record, to merge an update into. */
  private async currentRecord(m: EntityManager, id: string): Promise<SeedPlatform> {
    const [r]: Array<Record<string, any>> = await m.query(
      `SELECT p.*,
         coalesce((SELECT array_agg(domain_id ORDER BY domain_id) FROM platform_domain WHERE platform_id = p.id), '{}') AS domain_ids,
         coalesce((SELECT array_agg(agency_id ORDER BY position) FROM platform_agency WHERE platform_id = p.id), '{}') AS agency_ids,
         coalesce((SELECT json_agg(json_build_object('section', section, 'excerpt', excerpt, 'offset', "offset") ORDER BY position)
                   FROM platform_mention WHERE platform_id = p.id), '[]') AS mention_list
       FROM platform p WHERE p.id = $1`,
      [id],
    );
    return {
      id: r.id, nameHant: r.name_hant, nameHans: r.name_hans, nameEn: r.name_en, nameEnEstablished: r.name_en_established,
      aliases: r.aliases, kind: r.kind, level: r.level, domains: r.domain_ids, district: r.district_code,
      overseas: r.overseas_city ? { city: r.overseas_city, country: r.overseas_country } : null, zone: r.zone_id,
      location: r.precision === "DISTRICT" ? { precision: "DISTRICT" } : r.lng === null ? null : { lng: r.lng, lat: r.lat, precision: r.precision },
      status: r.status, statusWording: "", statusInferred: false, agencies: r.agency_ids, mentions: r.mention_list, note: r.note,
    };
  }
}

function toLocation(l: { lng?: number | null; lat?: number | null; precision: string } | null | undefined): SeedPlatform["location"] {
  if (!l) return null;
  if (l.precision === "DISTRICT") return { precision: "DISTRICT" };
  return { lng: l.lng ?? undefined, lat: l.lat ?? undefined, precision: l.precision };
}
