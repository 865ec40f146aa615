import { col } from "../platform/platform.store";
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
    const rows: Array<{ id: string; n: number }> = await this.ds.query(
      `SELECT pa.agency_id AS id, count(*)::int AS n FROM platform_agency pa JOIN platform p ON p.id = pa.platform_id
       WHERE pa.agency_id = ANY($1::text[]) AND p.${col.archivedAt} IS NULL GROUP BY pa.agency_id`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r.n]));
    return ids.map((id) => byId.get(id) ?? 0);
  }
}
