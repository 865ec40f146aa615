import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Every committed change to the registry's data is announced on the `registry_changed` channel,
 * whoever makes it: the API, the seed loader, an import, or an operator with psql. Server
 * instances LISTEN and drop their cached responses (src/http/response-cache.ts). Statement-level
 * triggers: one NOTIFY per statement, folded by PostgreSQL into one per transaction (same channel
 * and payload), delivered only if the transaction commits. API tokens are not registry data and
 * are not announced.
 */
const TABLES = ["platform", "platform_domain", "platform_agency", "platform_mention", "status_event", "district", "agency", "domain", "target"];

export class ChangeNotify1764300000000 implements MigrationInterface {
  name = "ChangeNotify1764300000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION registry_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('registry_changed', TG_TABLE_NAME);
        RETURN NULL;
      END $$`);
    for (const t of TABLES) {
      await q.query(
        `CREATE TRIGGER ${t}_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION registry_notify_change()`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of TABLES) await q.query(`DROP TRIGGER ${t}_notify_change ON ${t}`);
    await q.query(`DROP FUNCTION registry_notify_change()`);
  }
}
