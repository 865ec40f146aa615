import { countPlatformsBy } from "../platform/platform.relations";
import { readWith, type Queryable } from "../../db/reader";
import { DOMAIN_TABLE, rowToDomain, type Domain } from "./domain.entity";

export class DomainService {
  constructor(private readonly ds: Queryable) {}

  /** All domains (a small table): groups first, then by id. */
  async list(): Promise<Domain[]> {
    const rows: Array<Record<string, unknown>> = await readWith(this.ds, { columns: DOMAIN_TABLE.reads() }, `SELECT * FROM domain ORDER BY is_group DESC, id`);
    return rows.map(rowToDomain);
  }

  /**
   * For a batch of domains, the non-archived platforms tagged with each or with anything under
   * it (tree children and, for a group, its members), counted once per platform. One statement.
   */
  async countPlatforms(ids: readonly string[]): Promise<number[]> {
    return countPlatformsBy(this.ds, "domain", ids);
  }
}
