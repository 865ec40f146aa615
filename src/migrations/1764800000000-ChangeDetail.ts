import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Changes announced with what they touched, so that a response cache drops only the answers a change
 * can alter (src/reads.ts). For the tables whose rows belong to one platform, each statement's
 * notice on `registry_changed` is JSON: `{"t": table, "ids": [platform ids], "cols": [columns] | null}`,
 * read from the statement's transition tables; `cols` names the columns that changed in an UPDATE of
 * `platform`, and is null for an insert, a delete, or any change to the other tables. A statement that
 * touches more than MAX_ROWS rows, or whose notice would be too long, is announced with the table's
 * name alone, as before (every answer may be altered), and so is TRUNCATE.
 *
 * The tables added since ChangeNotify (reported_figure, platform_name) were not announced at all; they
 * are now.
 */
const MAX_ROWS = 100;
/** table → the column holding the platform's id */
const KEYED: Record<string, string> = {
  platform: "id",
  platform_domain: "platform_id",
  platform_agency: "platform_id",
  platform_mention: "platform_id",
  platform_name: "platform_id",
  status_event: "platform_id",
};
const OPS = [
  ["insert", "INSERT", "NEW TABLE AS new_rows"],
  ["update", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"],
  ["delete", "DELETE", "OLD TABLE AS old_rows"],
] as const;

export class ChangeDetail1764800000000 implements MigrationInterface {
  name = "ChangeDetail1764800000000";

  async up(q: QueryRunner): Promise<void> {
    // TG_ARGV[0]: the column holding the platform's id. Transition tables are read in static SQL,
    // which PL/pgSQL plans once per table the trigger is on.
    await q.query(`
      CREATE FUNCTION registry_notify_rows() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        k text := TG_ARGV[0];
        n int;
        ids text[];
        cols text[];
        payload text;
      BEGIN
        IF TG_OP = 'DELETE' THEN
          SELECT count(*) INTO n FROM (SELECT 1 FROM old_rows LIMIT ${MAX_ROWS + 1}) r;
        ELSE
          SELECT count(*) INTO n FROM (SELECT 1 FROM new_rows LIMIT ${MAX_ROWS + 1}) r;
        END IF;
        IF n = 0 THEN
          RETURN NULL;
        END IF;
        IF n > ${MAX_ROWS} THEN
          PERFORM pg_notify('registry_changed', TG_TABLE_NAME);
          RETURN NULL;
        END IF;
        IF TG_OP = 'INSERT' THEN
          SELECT array_agg(DISTINCT to_jsonb(x) ->> k) INTO ids FROM new_rows x;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT array_agg(DISTINCT to_jsonb(x) ->> k) INTO ids FROM old_rows x;
        ELSE
          SELECT array_agg(DISTINCT r.v) INTO ids FROM (SELECT to_jsonb(x) ->> k AS v FROM old_rows x UNION SELECT to_jsonb(x) ->> k FROM new_rows x) r;
          IF TG_TABLE_NAME = 'platform' THEN
            -- the columns whose values differ, each row matched with itself by id; if an id changed,
            -- rows go unmatched, and every column counts as changed (cols stays null)
            IF (SELECT count(*) FROM old_rows o JOIN new_rows w ON to_jsonb(w) ->> 'id' = to_jsonb(o) ->> 'id') = n THEN
              SELECT coalesce(array_agg(DISTINCT e.key), '{}') INTO cols
              FROM old_rows o JOIN new_rows w ON to_jsonb(w) ->> 'id' = to_jsonb(o) ->> 'id', jsonb_each(to_jsonb(w)) e
              WHERE to_jsonb(o) -> e.key IS DISTINCT FROM e.value;
            END IF;
          END IF;
        END IF;
        payload := json_build_object('t', TG_TABLE_NAME, 'ids', ids, 'cols', cols)::text;
        IF octet_length(payload) > 7000 THEN
          payload := TG_TABLE_NAME;
        END IF;
        PERFORM pg_notify('registry_changed', payload);
        RETURN NULL;
      END $$`);
    for (const [t, key] of Object.entries(KEYED)) {
      if (t !== "platform_name") await q.query(`DROP TRIGGER ${t}_notify_change ON ${t}`);
      for (const [suffix, op, transition] of OPS) {
        await q.query(
          `CREATE TRIGGER ${t}_notify_${suffix} AFTER ${op} ON ${t} REFERENCING ${transition} FOR EACH STATEMENT EXECUTE FUNCTION registry_notify_rows('${key}')`,
        );
      }
      await q.query(`CREATE TRIGGER ${t}_notify_truncate AFTER TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION registry_notify_change()`);
    }
    await q.query(
      `CREATE TRIGGER reported_figure_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reported_figure FOR EACH STATEMENT EXECUTE FUNCTION registry_notify_change()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER reported_figure_notify_change ON reported_figure`);
    for (const t of Object.keys(KEYED)) {
      for (const [suffix] of OPS) await q.query(`DROP TRIGGER ${t}_notify_${suffix} ON ${t}`);
      await q.query(`DROP TRIGGER ${t}_notify_truncate ON ${t}`);
      if (t !== "platform_name") {
        await q.query(
          `CREATE TRIGGER ${t}_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION registry_notify_change()`,
        );
      }
    }
    await q.query(`DROP FUNCTION registry_notify_rows()`);
  }
}
