import { countPlatformsBy } from "../platform/platform.relations";
import type { Queryable } from "../../db/reader";
import { rowToAgency, type Agency } from "./agency.entity";

export class AgencyService {
  constructor(private readonly ds: Queryable) {}

  /** All agencies by id. */
  async list(): Promise<Agency[]> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(`SELECT * FROM agency ORDER BY id`);
    return rows.map(rowToAgency);
  }

  /** Non-archived platforms each agency is responsible for, for a batch of ids (one statement). */
  async countPlatforms(ids: readonly string[]): Promise<number[]> {
    return countPlatformsBy(this.ds, "agency", ids);
  }
}
