import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * API tokens for writers. Only a SHA-256 hash of each token is kept: tokens are 256-bit random
 * values, so a fast hash is enough (nothing to brute-force), and lookups are by hash.
 */
export class ApiTokens1764200000000 implements MigrationInterface {
  name = "ApiTokens1764200000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_token (
        id varchar(32) PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        role varchar(16) NOT NULL CHECK (role IN ('ADMIN', 'EDITOR')),
        agencies text[] NOT NULL DEFAULT '{}',
        districts text[] NOT NULL DEFAULT '{}',
        token_hash char(64) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    // Who recorded an event, as a reference to the token (actor keeps the readable name).
    await q.query(`ALTER TABLE status_event ADD COLUMN token_id varchar(32) REFERENCES api_token(id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE status_event DROP COLUMN token_id`);
    await q.query(`DROP TABLE api_token`);
  }
}
