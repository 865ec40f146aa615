import { countPlatformsBy } from "../platform/platform.relations";
import { readWith, type Queryable } from "../../db/reader";
import { DISTRICT_TABLE, rowToDistrict, type District } from "./district.entity";

export class DistrictService {
  constructor(private readonly ds: Queryable) {}

  /** All districts by code. */
  async list(): Promise<District[]> {
    const rows: Array<Record<string, unknown>> = await readWith(this.ds, { columns: DISTRICT_TABLE.reads() }, `SELECT * FROM district ORDER BY code`);
    return rows.map(rowToDistrict);
  }

  async findByCodes(codes: readonly string[]): Promise<Array<District | null>> {
    const rows: Array<Record<string, unknown>> = await readWith(
      this.ds,
      { columns: DISTRICT_TABLE.reads() },
      `SELECT * FROM district WHERE code = ANY($1::text[])`,
      [codes],
    );
    const byCode = new Map(rows.map((r) => [r.code as string, rowToDistrict(r)]));
    return codes.map((c) => byCode.get(c) ?? null);
  }

  /** Non-archived platforms per district, for a batch of codes (one statement). */
  async countPlatforms(codes: readonly string[]): Promise<number[]> {
    return countPlatformsBy(this.ds, "district", codes);
  }
}
