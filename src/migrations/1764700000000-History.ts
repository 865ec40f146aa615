import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * What became of the plan: dated history and the city's reported figures.
 *
 * - status_event: how precise the effective date is (a source may give only the month or the year),
 *   and the source's publisher; an index on (platform_id, effective_date, recorded_at, id), which
 *   answers "the latest event on or before a date" for each platform with one index probe.
 * - target: every clause that states it (a target stated twice is one target), and the ids it
 *   had before duplicates were merged, so an old id still resolves.
 * - reported_figure: the city's published figure for a target's indicator, with its source.
 * - platform_name: a later name of a platform, with the date it took effect and its source.
 */
export class History1764700000000 implements MigrationInterface {
  name = "History1764700000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE status_event
      ADD COLUMN date_precision varchar(5) NOT NULL DEFAULT 'DAY' CHECK (date_precision IN ('DAY','MONTH','YEAR')),
      ADD COLUMN source_publisher text`);
    await q.query(`CREATE INDEX status_event_effective_idx ON status_event (platform_id, effective_date, recorded_at, id)`);
    await q.query(`ALTER TABLE target ADD COLUMN mentions jsonb NOT NULL DEFAULT '[]', ADD COLUMN former_ids text[] NOT NULL DEFAULT '{}'`);
    await q.query(`
      CREATE TABLE reported_figure (
        id serial PRIMARY KEY,
        target_id varchar(96) NOT NULL REFERENCES target(id) ON DELETE CASCADE,
        year int NOT NULL,
        value double precision NOT NULL,
        unit text NOT NULL,
        note text,
        comparable boolean NOT NULL DEFAULT true,
        source_title text NOT NULL,
        source_publisher text NOT NULL,
        source_published_at date NOT NULL,
        source_url text,
        UNIQUE (target_id, year, source_title)
      )`);
    await q.query(`
      CREATE TABLE platform_name (
        id serial PRIMARY KEY,
        platform_id varchar(96) NOT NULL REFERENCES platform(id) ON DELETE CASCADE,
        name text NOT NULL,
        script varchar(4) NOT NULL CHECK (script IN ('Hans','Hant','En')),
        effective_date date NOT NULL,
        date_precision varchar(5) NOT NULL DEFAULT 'DAY' CHECK (date_precision IN ('DAY','MONTH','YEAR')),
        source_title text NOT NULL,
        source_publisher text NOT NULL,
        source_published_at date NOT NULL,
        source_url text,
        UNIQUE (platform_id, name)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS platform_name`);
    await q.query(`DROP TABLE IF EXISTS reported_figure`);
    await q.query(`ALTER TABLE target DROP COLUMN mentions, DROP COLUMN former_ids`);
    await q.query(`DROP INDEX IF EXISTS status_event_effective_idx`);
    await q.query(`ALTER TABLE status_event DROP COLUMN date_precision, DROP COLUMN source_publisher`);
  }
}
