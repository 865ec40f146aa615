import type { DataSource } from "typeorm";
import { Target } from "./target.entity";

export class TargetService {
  constructor(private readonly ds: DataSource) {}

  /** The plan's numeric targets (optionally of one year), each with the registry's own count where a rule exists. */
  async list(year?: number | null): Promise<Target[]> {
    const qb = this.ds.getRepository(Target).createQueryBuilder("t").orderBy("t.section").addOrderBy("t.year", "ASC", "NULLS FIRST").addOrderBy("t.id");
    if (year !== undefined && year !== null) qb.where("t.year = :year", { year });
    const targets = await qb.getMany();
    const ruled = targets.filter((t) => t.countRule);
    if (ruled.length) {
      // One statement counts every rule.
      const rows: Array<{ id: string; n: string }> = await this.ds.query(
        `SELECT t.id, (SELECT count(*) FROM platform p WHERE p.archived_at IS NULL
            AND (NOT (t.count_rule ? 'kinds') OR p.kind = ANY(ARRAY(SELECT jsonb_array_elements_text(t.count_rule->'kinds'))))
            AND (NOT (t.count_rule ? 'levels') OR p.level = ANY(ARRAY(SELECT jsonb_array_elements_text(t.count_rule->'levels'))))
            AND (NOT (t.count_rule ? 'statuses') OR p.status = ANY(ARRAY(SELECT jsonb_array_elements_text(t.count_rule->'statuses'))))
          ) AS n
         FROM target t WHERE t.id = ANY($1::text[])`,
        [ruled.map((t) => t.id)],
      );
      const byId = new Map(rows.map((r) => [r.id, Number(r.n)]));
      for (const t of targets) t.registryCount = t.countRule ? (byId.get(t.id) ?? 0) : null;
    } else {
      for (const t of targets) t.registryCount = null;
    }
    return targets;
  }
}
