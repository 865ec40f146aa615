import type { MigrationInterface, QueryRunner } from "typeorm";

/** Where a platform's point comes from, or why it has none (seeds/FORMAT.md, `locationNote`). */
export class LocationNote1764400000000 implements MigrationInterface {
  name = "LocationNote1764400000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform ADD COLUMN location_note text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform DROP COLUMN location_note`);
  }
}
