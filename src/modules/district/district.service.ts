import type { Queryable } from "../../db/reader";
import { District } from "./district.entity";

function rowToDistrict(r: Record<string, unknown>): District {
  return Object.assign(new District(), {
    code: r.code, nameHans: r.name_hans, nameHant: r.name_hant, nameEn: r.name_en,
    centroidLng: r.centroid_lng, centroidLat: r.centroid_lat,
  });
}

export class DistrictService {
  constructor(private readonly ds: Queryable) {}

  /** All districts by code, each with its number of (non-archived) platforms. */
  async list(): Promise<District[]> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT d.*, (SELECT count(*) FROM platform p WHERE p.district_code = d.code AND p.archived_at IS NULL) AS platform_count
       FROM district d ORDER BY d.code`,
    );
    return rows.map((r) => Object.assign(rowToDistrict(r), { platformCount: Number(r.platform_count) }));
  }

  async findByCodes(codes: readonly string[]): Promise<Array<District | null>> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(`SELECT * FROM district WHERE code = ANY($1::text[])`, [codes]);
    const byCode = new Map(rows.map((r) => [r.code as string, rowToDistrict(r)]));
    return codes.map((c) => byCode.get(c) ?? null);
  }
}
