import type { Queryable } from "../../db/reader";
import { rowToDomain } from "../platform/platform.service";
import type { Domain } from "./domain.entity";

export class DomainService {
  constructor(private readonly ds: Queryable) {}

  /**
   * All domains, each with the number of platforms tagged with it or with anything under it
   * (tree children and, for a group, its members), counted once per platform.
   */
  async list(): Promise<Domain[]> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `WITH RECURSIVE reach(root, id) AS (
         SELECT id, id FROM domain
         UNION SELECT r.root, c.id FROM domain c JOIN reach r ON c.parent_id = r.id OR r.id = ANY(c.also_in))
       SELECT d.*, (SELECT count(DISTINCT pd.platform_id) FROM reach r JOIN platform_domain pd ON pd.domain_id = r.id
                    JOIN platform p ON p.id = pd.platform_id AND p.archived_at IS NULL WHERE r.root = d.id) AS platform_count
       FROM domain d ORDER BY d.is_group DESC, d.id`,
    );
    return rows.map((r) => Object.assign(rowToDomain(r), { platformCount: Number(r.platform_count) }));
  }
}
