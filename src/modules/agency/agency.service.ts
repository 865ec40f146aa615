import type { Queryable } from "../../db/reader";
import { rowToAgency } from "../platform/platform.service";
import type { Agency } from "./agency.entity";

export class AgencyService {
  constructor(private readonly ds: Queryable) {}

  /** All agencies, each with the number of (non-archived) platforms it is responsible for. */
  async list(): Promise<Agency[]> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT a.*, (SELECT count(*) FROM platform_agency pa JOIN platform p ON p.id = pa.platform_id
                    WHERE pa.agency_id = a.id AND p.archived_at IS NULL) AS platform_count
       FROM agency a ORDER BY a.id`,
    );
    return rows.map((r) => Object.assign(rowToAgency(r), { platformCount: Number(r.platform_count) }));
  }
}
