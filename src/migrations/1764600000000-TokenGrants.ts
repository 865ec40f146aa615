import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * An editor's scope becomes a list of grants: an agency, a district, or an agency within a district.
 * A token may act where any of its grants applies. Tokens made before keep exactly their rights: each
 * agency of the old list becomes a whole-agency grant and each district a whole-district grant (the
 * old scope was their union, and so is a list of grants).
 *
 * Tokens also get an end (`expires_at`) and can be rotated (`rotated_at`: a new secret, same id).
 * A change that ends a secret (revoke, rotate, a new expiry) is announced on `registry_tokens` with
 * the token's id, so every instance closes the WebSocket connections that still hold it.
 */
export class TokenGrants1764600000000 implements MigrationInterface {
  name = "TokenGrants1764600000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_token_grant (
        id bigserial PRIMARY KEY,
        token_id varchar(32) NOT NULL REFERENCES api_token(id) ON DELETE CASCADE,
        agency_id varchar(64) REFERENCES agency(id),
        district_code varchar(6) REFERENCES district(code),
        CHECK (agency_id IS NOT NULL OR district_code IS NOT NULL)
      )`);
    await q.query(`CREATE UNIQUE INDEX api_token_grant_unique ON api_token_grant (token_id, coalesce(agency_id, ''), coalesce(district_code, ''))`);
    await q.query(`
      INSERT INTO api_token_grant (token_id, agency_id)
      SELECT t.id, a FROM api_token t, unnest(t.agencies) AS a`);
    await q.query(`
      INSERT INTO api_token_grant (token_id, district_code)
      SELECT t.id, d FROM api_token t, unnest(t.districts) AS d`);
    await q.query(`ALTER TABLE api_token DROP COLUMN agencies, DROP COLUMN districts`);
    await q.query(`ALTER TABLE api_token ADD COLUMN expires_at timestamptz, ADD COLUMN rotated_at timestamptz`);
    await q.query(`
      CREATE FUNCTION registry_notify_token() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('registry_tokens', NEW.id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER api_token_notify AFTER UPDATE OF revoked_at, token_hash, expires_at ON api_token
      FOR EACH ROW EXECUTE FUNCTION registry_notify_token()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER api_token_notify ON api_token`);
    await q.query(`DROP FUNCTION registry_notify_token()`);
    await q.query(`ALTER TABLE api_token DROP COLUMN expires_at, DROP COLUMN rotated_at`);
    await q.query(`ALTER TABLE api_token ADD COLUMN agencies text[] NOT NULL DEFAULT '{}', ADD COLUMN districts text[] NOT NULL DEFAULT '{}'`);
    // A grant of an agency within a district has no equivalent in the old scope (a union of agencies
    // and districts): going back would widen it, so such a token is revoked instead.
    await q.query(`
      UPDATE api_token t SET revoked_at = coalesce(revoked_at, now())
      WHERE EXISTS (SELECT 1 FROM api_token_grant g WHERE g.token_id = t.id AND g.agency_id IS NOT NULL AND g.district_code IS NOT NULL)`);
    await q.query(`
      UPDATE api_token t SET
        agencies = coalesce((SELECT array_agg(g.agency_id ORDER BY g.agency_id) FROM api_token_grant g WHERE g.token_id = t.id AND g.district_code IS NULL), '{}'),
        districts = coalesce((SELECT array_agg(g.district_code ORDER BY g.district_code) FROM api_token_grant g WHERE g.token_id = t.id AND g.agency_id IS NULL), '{}')`);
    await q.query(`DROP TABLE api_token_grant`);
  }
}
