/**
 * Admin writes to the catalogue: create, update and archive platforms. Each is one transaction,
 * checked by the platform's rules (platform.rules.ts) and written through its store
 * (platform.store.ts), as the seed loader and import are, with optimistic concurrency.
 */
import type { DataSource, EntityManager } from "typeorm";
import { AppError, badInput, ErrorCode } from "../../errors";
import { PLAN_DATE, PLAN_TITLE, planText } from "../source/plan";
import { platformProblems, type PlatformRecord } from "./platform.rules";
import { checkVersion, col, districtCentroids, lockPlatform, readPlatformRecords, upsertPlatform } from "./platform.store";
import { requireAdmin } from "../auth/auth";
import { markWrite } from "../../db/reader";
import type { Viewer } from "../auth/token.service";
import { isValidDate, todayInGuangzhou } from "../../dates";
import type { CreatePlatformInput, UpdatePlatformInput } from "./platform-write.inputs";

export class PlatformWriteService {
  constructor(private readonly ds: DataSource) {}

  /** Creates a platform the plan names (admin). Its first status event cites the given source, or the plan. */
  async create(viewer: Viewer, input: CreatePlatformInput): Promise<string> {
    requireAdmin(viewer);
    if (!isValidDate(input.effectiveDate) || input.effectiveDate > todayInGuangzhou()) {
      throw badInput("effectiveDate must be a real date, not in the future", { field: "effectiveDate" });
    }
    const record: PlatformRecord = {
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
      locationNote: input.locationNote ?? null,
      status: input.status,
      statusWording: "",
      statusInferred: false,
      agencies: input.agencies ?? [],
      mentions: (input.mentions ?? []).map((m) => ({ section: m.section, excerpt: m.excerpt, offset: m.offset })),
      note: input.note ?? null,
    };
    markWrite();
    return this.ds.transaction(async (m) => {
      // Creates of one id queue here, so the second sees the first's row and gets CONFLICT
      // (without the lock both would pass the check, and the upsert would overwrite).
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('platform:' || $1, 0))`, [record.id]);
      const exists: unknown[] = await m.query(`SELECT 1 FROM platform WHERE id = $1`, [record.id]);
      if (exists.length) throw new AppError(ErrorCode.CONFLICT, `a platform with id ${record.id} already exists`, { id: record.id });
      await this.validate(m, record);
      await upsertPlatform(m, record, {
        centroids: await districtCentroids(m),
        firstEvent: {
          actor: viewer.name,
          note: "created",
          sourceTitle: input.source?.title ?? PLAN_TITLE,
          sourceUrl: input.source?.url ?? null,
          sourcePublishedAt: input.source ? (input.source.publishedAt ?? null) : PLAN_DATE,
          effectiveDate: input.effectiveDate,
          tokenId: viewer.tokenId,
        },
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
      const next: PlatformRecord = {
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
        ...(given("locationNote") && { locationNote: input.locationNote ?? null }),
        ...(given("note") && { note: input.note ?? null }),
        ...(given("mentions") && { mentions: input.mentions!.map((x) => ({ section: x.section, excerpt: x.excerpt, offset: x.offset })) }),
      };
      await this.validate(m, next);
      await upsertPlatform(m, next, { centroids: await districtCentroids(m) });
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
      if (p.archivedAt) throw badInput(`platform ${id} is already archived`, { id });
      await m.query(`UPDATE platform SET ${col.archivedAt} = now(), ${col.version} = ${col.version} + 1, ${col.updatedAt} = now() WHERE id = $1`, [id]);
      return id;
    });
  }

  private async validate(m: EntityManager, x: PlatformRecord): Promise<void> {
    // one after another: they share the transaction's connection (pg 9 will refuse queries queued on a busy client)
    const domains: Array<{ id: string; is_group: boolean }> = await m.query(`SELECT id, is_group FROM domain WHERE id = ANY($1::text[])`, [x.domains]);
    const agencies: Array<{ id: string }> = await m.query(`SELECT id FROM agency WHERE id = ANY($1::text[])`, [x.agencies]);
    const districts: Array<{ code: string }> = await m.query(`SELECT code FROM district WHERE code = $1`, [x.district]);
    // the enclosing zone and its ancestors (UNION stops at a cycle)
    const chain: Array<{ id: string; parent: string | null }> = await m.query(
      `WITH RECURSIVE up(id, parent) AS (SELECT id, ${col.zoneId} FROM platform WHERE id = $1
         UNION SELECT p.id, p.${col.zoneId} FROM platform p JOIN up ON p.id = up.parent) SELECT * FROM up`,
      [x.zone],
    );
    const zones = new Map(chain.map((r) => [r.id, r.parent]));
    const problems = platformProblems(x, {
      source: planText(),
      domainIsGroup: (id) => domains.find((d) => d.id === id)?.is_group,
      agencyExists: (id) => agencies.some((a) => a.id === id),
      districtExists: (code) => districts.some((d) => d.code === code),
      zoneOf: (id) => (zones.has(id) ? zones.get(id)! : undefined),
      requireStatusWording: false,
    });
    if (problems.length) throw badInput(problems.join("; "), { problems });
  }

  /** The platform as a record, to merge an update into. */
  private async currentRecord(m: EntityManager, id: string): Promise<PlatformRecord> {
    const [r] = await readPlatformRecords(m, [id]);
    const location = r.location?.precision === "DISTRICT" ? { precision: "DISTRICT" } : r.location;
    return { ...r, location, statusWording: "", statusInferred: false };
  }
}

function toLocation(l: { lng?: number | null; lat?: number | null; precision: string } | null | undefined): PlatformRecord["location"] {
  if (!l) return null;
  if (l.precision === "DISTRICT") return { precision: "DISTRICT" };
  return { lng: l.lng ?? undefined, lat: l.lat ?? undefined, precision: l.precision };
}
