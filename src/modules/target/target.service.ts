import { col } from "../platform/platform.store";
import type { Queryable } from "../../db/reader";
import { Target } from "./target.entity";

export class TargetService {
  constructor(private readonly ds: Queryable) {}

  /** The plan's numeric targets (optionally of one year), each with the registry's own count where a rule exists. */
  async list(year?: number | null): Promise<Target[]> {
    // One statement: the targets and, where a rule exists, the registry's count of matching platforms.
    const rows: Array<Record<string, any>> = await this.ds.query(
      `SELECT t.*, CASE WHEN t.count_rule IS NULL THEN NULL ELSE (SELECT count(*)::int FROM platform p WHERE p.${col.archivedAt} IS NULL
            AND (NOT (t.count_rule ? 'kinds') OR p.kind = ANY(ARRAY(SELECT jsonb_array_elements_text(t.count_rule->'kinds'))))
            AND (NOT (t.count_rule ? 'levels') OR p.level = ANY(ARRAY(SELECT jsonb_array_elements_text(t.count_rule->'levels'))))
            AND (NOT (t.count_rule ? 'statuses') OR p.status = ANY(ARRAY(SELECT jsonb_array_elements_text(t.count_rule->'statuses'))))
          ) END AS registry_count
       FROM target t WHERE ($1::int IS NULL OR t.year = $1) ORDER BY t.section, t.year NULLS FIRST, t.id`,
      [year ?? null],
    );
    return rows.map((r) => Object.assign(new Target(), {
      id: r.id, section: r.section, metricHant: r.metric_hant, metricHans: r.metric_hans, metricEn: r.metric_en, unit: r.unit,
      year: r.year, scope: r.scope, valueMin: r.value_min, valueMax: r.value_max, comparator: r.comparator, excerpt: r.excerpt,
      offset: r.offset, countRule: r.count_rule, note: r.note, registryCount: r.registry_count,
    }));
  }
}
