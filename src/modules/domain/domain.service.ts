import { col } from "../platform/platform.store";
import type { Queryable } from "../../db/reader";
import { rowToDomain, type Domain } from "./domain.entity";

export class DomainService {
  constructor(private readonly ds: Queryable) {}

  /** All domains (a small table): groups first, then by id. */
  async list(): Promise<Domain[]> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(`SELECT * FROM domain ORDER BY is_group DESC, id`);
    return rows.map(rowToDomain);
  }

  /**
   * For a batch of domains, the non-archived platforms tagged with each or with anything under
   * it (tree children and, for a group, its members), counted once per platform. One statement.
   */
  async countPlatforms(ids: readonly string[]): Promise<number[]> {
    const rows: Array<{ id: string; n: number }> = await this.ds.query(
      `WITH RECURSIVE reach(root, id) AS (
         SELECT id, id FROM domain WHERE id = ANY($1::text[])
         UNION SELECT r.root, c.id FROM domain c JOIN reach r ON c.parent_id = r.id OR r.id = ANY(c.also_in))
       SELECT r.root AS id, count(DISTINCT pd.platform_id)::int AS n
       FROM reach r JOIN platform_domain pd ON pd.domain_id = r.id JOIN platform p ON p.id = pd.platform_id AND p.${col.archivedAt} IS NULL
       GROUP BY r.root`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r.n]));
    return ids.map((id) => byId.get(id) ?? 0);
  }
}
