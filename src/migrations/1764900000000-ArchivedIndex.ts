import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The archived platforms, indexed alone: counts that leave them out (platforms per domain and per
 * agency, src/modules/platform/platform.relations.ts) look them up with an anti-join, instead of
 * reading every platform's row to find the few archived ones.
 */
export class ArchivedIndex1764900000000 implements MigrationInterface {
  name = "ArchivedIndex1764900000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX platform_archived_idx ON platform (id) WHERE archived_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX platform_archived_idx`);
  }
}
