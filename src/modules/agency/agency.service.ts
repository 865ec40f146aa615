import { countPlatformsBy } from "../platform/platform.relations";
import { readWith, type Queryable } from "../../db/reader";
import { AGENCY_TABLE, rowToAgency, type Agency } from "./agency.entity";

export class AgencyService {
  constructor(private readonly ds: Queryable) {}

  /** All agencies by id. */
  async list(): Promise<Agency[]> {
    const rows: Array<Record<string, unknown>> = await readWith(this.ds, { columns: AGENCY_TABLE.reads() }, `SELECT * FROM agency ORDER BY id`);
    return rows.map(rowToAgency);
  }

  /** Non-archived platforms each agency is responsible for, for a batch of ids (one statement). */
  async countPlatforms(ids: readonly string[]): Promise<number[]> {
    return countPlatformsBy(this.ds, "agency", ids);
  }
}
