import { col } from "../platform/platform.store";
import { platformsAsOf } from "../platform/platform.query";
import type { Queryable } from "../../db/reader";
import { Target } from "./target.entity";
import { PlanProgress, ReportedFigure } from "./reported-figure.entity";

/** A reported_figure row as json_build_object writes it below. */
interface FigureJson {
  year: number;
  value: number;
  unit: string;
  note: string | null;
  comparable: boolean;
  title: string;
  publisher: string;
  publishedAt: string;
  url: string | null;
}

/**
 * The plan's figure against the published one for the target's year: MET when the published value
 * reaches valueMin (the lower end of a range such as 1—2家), BEHIND when it does not, NO_PUBLIC_FIGURE
 * when the registry holds no comparable one for that year (a figure of another measure is shown, not compared). A target without a year has no figure to compare.
 */
export function progressOf(t: Pick<Target, "year" | "valueMin">, reported: ReadonlyArray<Pick<ReportedFigure, "year" | "value" | "comparable">>): PlanProgress {
  const figure = t.year === null ? undefined : reported.find((f) => f.year === t.year && f.comparable);
  if (!figure) return PlanProgress.NO_PUBLIC_FIGURE;
  return figure.value >= t.valueMin ? PlanProgress.MET : PlanProgress.BEHIND;
}

export class TargetService {
  constructor(private readonly ds: Queryable) {}

  /**
   * The plan's numeric targets (optionally of one year), each with the figures the city published
   * and the registry's own count where a rule exists, counted on `asOf` (an ISO date) when given:
   * one statement.
   */
  async list(year?: number | null, asOf: string | null = null): Promise<Target[]> {
    return this.read(`($1::int IS NULL OR t.year = $1)`, [year ?? null], asOf);
  }

  /** One target by its id, or by an id it had before duplicates were merged; null when unknown. */
  async byId(id: string, asOf: string | null = null): Promise<Target | null> {
    const rows = await this.read(`(t.id = $1 OR $1 = ANY(t.former_ids))`, [id], asOf);
    return rows[0] ?? null;
  }

  private async read(where: string, params: unknown[], asOf: string | null): Promise<Target[]> {
    const from = asOf === null ? "platform p" : platformsAsOf(`$${params.length + 1}`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a raw SQL row
    const rows: Array<Record<string, any>> = await this.ds.query(
      `SELECT t.*, CASE WHEN t.count_rule IS NULL THEN NULL ELSE (SELECT count(*)::int FROM ${from} WHERE p.${col.archivedAt} IS NULL
            AND (NOT (t.count_rule ? 'kinds') OR p.kind = ANY(ARRAY(SELECT jsonb_array_elements_text(t.count_rule->'kinds'))))
            AND (NOT (t.count_rule ? 'levels') OR p.level = ANY(ARRAY(SELECT jsonb_array_elements_text(t.count_rule->'levels'))))
            AND (NOT (t.count_rule ? 'statuses') OR p.status = ANY(ARRAY(SELECT jsonb_array_elements_text(t.count_rule->'statuses'))))
          ) END AS registry_count,
          (SELECT coalesce(json_agg(json_build_object('year', f.year, 'value', f.value, 'unit', f.unit, 'note', f.note, 'comparable', f.comparable,
              'title', f.source_title, 'publisher', f.source_publisher, 'publishedAt', f.source_published_at::text, 'url', f.source_url)
              ORDER BY f.year, f.source_published_at DESC, f.id), '[]') FROM reported_figure f WHERE f.target_id = t.id) AS reported
       FROM target t WHERE ${where} ORDER BY t.section, t.year NULLS FIRST, t.id`,
      asOf === null ? params : [...params, asOf],
    );
    return rows.map((r) => {
      const reported = (r.reported as FigureJson[]).map((f) =>
        Object.assign(new ReportedFigure(), {
          year: f.year,
          value: f.value,
          unit: f.unit,
          note: f.note,
          comparable: f.comparable,
          source: { title: f.title, publisher: f.publisher, publishedAt: f.publishedAt, url: f.url },
        }),
      );
      const t = Object.assign(new Target(), {
        id: r.id,
        section: r.section,
        metricHant: r.metric_hant,
        metricHans: r.metric_hans,
        metricEn: r.metric_en,
        unit: r.unit,
        year: r.year,
        scope: r.scope,
        valueMin: r.value_min,
        valueMax: r.value_max,
        comparator: r.comparator,
        excerpt: r.excerpt,
        offset: r.offset,
        mentions: r.mentions,
        formerIds: r.former_ids,
        countRule: r.count_rule,
        note: r.note,
        registryCount: r.registry_count,
        reported,
      });
      t.progress = progressOf(t, reported);
      return t;
    });
  }
}
