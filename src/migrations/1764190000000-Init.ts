import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The registry's first schema. Enumerations are CHECK constraints (adding a value is a new
 * migration, as it should be). Coordinates are two doubles with a GiST index on point(lng, lat):
 * built into PostgreSQL, so no extension is needed on the embedded server or a city's server.
 * Search uses an array of character unigrams and bigrams with a GIN index, which works for
 * Chinese whatever the database's locale (pg_trgm extracts nothing from CJK under a C ctype).
 */
export class Init1764190000000 implements MigrationInterface {
  name = "Init1764190000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE district (
        code varchar(6) PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
        name_hans text NOT NULL, name_hant text NOT NULL, name_en text NOT NULL,
        centroid_lng double precision NOT NULL CHECK (centroid_lng BETWEEN -180 AND 180),
        centroid_lat double precision NOT NULL CHECK (centroid_lat BETWEEN -90 AND 90)
      )`);
    await q.query(`
      CREATE TABLE agency (
        id varchar(64) PRIMARY KEY,
        name_hans text NOT NULL, name_hant text NOT NULL, name_en text NOT NULL,
        abbreviations text[] NOT NULL DEFAULT '{}',
        level text, note text
      )`);
    await q.query(`
      CREATE TABLE domain (
        id varchar(64) PRIMARY KEY,
        parent_id varchar(64) REFERENCES domain(id) DEFERRABLE INITIALLY DEFERRED,
        also_in text[] NOT NULL DEFAULT '{}',
        name_hans text NOT NULL, name_hant text NOT NULL, name_en text NOT NULL,
        is_group boolean NOT NULL DEFAULT false,
        note text,
        mentions jsonb NOT NULL DEFAULT '[]'
      )`);
    await q.query(`
      CREATE TABLE platform (
        id varchar(96) PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
        name_hans text NOT NULL, name_hant text NOT NULL, name_en text NOT NULL,
        name_en_established boolean NOT NULL DEFAULT false,
        aliases text[] NOT NULL DEFAULT '{}',
        kind varchar(32) NOT NULL CHECK (kind IN ('LABORATORY','BIG_SCIENCE_FACILITY','UNIVERSITY','RESEARCH_INSTITUTE',
          'INNOVATION_CENTER','TESTING_CENTER','INNOVATION_ZONE','HIGH_TECH_PARK','SCIENCE_TOWN','INCUBATOR','TECH_TRANSFER',
          'INTERNATIONAL_COOPERATION','OVERSEAS_OFFICE','OTHER')),
        level varchar(16) CHECK (level IN ('NATIONAL','PROVINCIAL','MUNICIPAL','DISTRICT')),
        status varchar(24) NOT NULL CHECK (status IN ('PLANNED','PREPARING','UNDER_CONSTRUCTION','TRIAL_OPERATION','OPERATIONAL','SUSPENDED','CANCELLED')),
        district_code varchar(6) REFERENCES district(code),
        zone_id varchar(96) REFERENCES platform(id) DEFERRABLE INITIALLY DEFERRED CHECK (zone_id <> id),
        overseas_city text,
        overseas_country varchar(2) CHECK (overseas_country ~ '^[A-Z]{2}$'),
        lng double precision CHECK (lng BETWEEN -180 AND 180),
        lat double precision CHECK (lat BETWEEN -90 AND 90),
        precision varchar(16) CHECK (precision IN ('EXACT','APPROXIMATE','DISTRICT','CITY')),
        note text,
        search_text text NOT NULL DEFAULT '',
        search_grams text[] NOT NULL DEFAULT '{}',
        sort_key text NOT NULL DEFAULT '',
        version int NOT NULL DEFAULT 1 CHECK (version > 0),
        archived_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((lng IS NULL) = (lat IS NULL)),
        CHECK ((lng IS NULL) = (precision IS NULL)),
        CHECK ((overseas_city IS NULL) = (overseas_country IS NULL)),
        CHECK (overseas_city IS NULL OR district_code IS NULL)
      )`);
    await q.query(`CREATE INDEX platform_district_idx ON platform (district_code, sort_key, id)`);
    await q.query(`CREATE INDEX platform_kind_idx ON platform (kind)`);
    await q.query(`CREATE INDEX platform_status_idx ON platform (status)`);
    await q.query(`CREATE INDEX platform_zone_idx ON platform (zone_id)`);
    await q.query(`CREATE INDEX platform_sort_idx ON platform (sort_key, id)`);
    await q.query(`CREATE INDEX platform_updated_idx ON platform (updated_at, id)`);
    await q.query(`CREATE INDEX platform_point_idx ON platform USING gist (point(lng, lat)) WHERE lng IS NOT NULL`);
    await q.query(`CREATE INDEX platform_grams_idx ON platform USING gin (search_grams)`);

    await q.query(`
      CREATE TABLE platform_domain (
        platform_id varchar(96) NOT NULL REFERENCES platform(id) ON DELETE CASCADE,
        domain_id varchar(64) NOT NULL REFERENCES domain(id),
        PRIMARY KEY (platform_id, domain_id)
      )`);
    await q.query(`CREATE INDEX platform_domain_domain_idx ON platform_domain (domain_id, platform_id)`);
    await q.query(`
      CREATE TABLE platform_agency (
        platform_id varchar(96) NOT NULL REFERENCES platform(id) ON DELETE CASCADE,
        agency_id varchar(64) NOT NULL REFERENCES agency(id),
        position int NOT NULL,
        PRIMARY KEY (platform_id, agency_id)
      )`);
    await q.query(`CREATE INDEX platform_agency_agency_idx ON platform_agency (agency_id, platform_id)`);
    await q.query(`
      CREATE TABLE platform_mention (
        id serial PRIMARY KEY,
        platform_id varchar(96) NOT NULL REFERENCES platform(id) ON DELETE CASCADE,
        section text NOT NULL, excerpt text NOT NULL,
        "offset" int NOT NULL CHECK ("offset" >= 0),
        position int NOT NULL,
        UNIQUE (platform_id, position)
      )`);
    await q.query(`
      CREATE TABLE status_event (
        id bigserial PRIMARY KEY,
        platform_id varchar(96) NOT NULL REFERENCES platform(id) ON DELETE CASCADE,
        from_status varchar(24),
        to_status varchar(24) NOT NULL,
        effective_date date NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        note text,
        source_title text, source_url text, source_published_at date,
        correction boolean NOT NULL DEFAULT false
      )`);
    await q.query(`CREATE INDEX status_event_platform_idx ON status_event (platform_id, recorded_at DESC, id DESC)`);
    await q.query(`CREATE INDEX status_event_recorded_idx ON status_event (recorded_at, id)`);
    await q.query(`
      CREATE TABLE target (
        id varchar(96) PRIMARY KEY,
        section text NOT NULL,
        metric_hant text NOT NULL, metric_hans text NOT NULL, metric_en text NOT NULL,
        unit text NOT NULL,
        year int,
        scope text NOT NULL CHECK (scope IN ('YEARLY','END_OF_2020','ANNUAL')),
        value_min double precision NOT NULL,
        value_max double precision NOT NULL CHECK (value_max >= value_min),
        comparator text,
        excerpt text NOT NULL,
        "offset" int NOT NULL,
        count_rule jsonb,
        note text
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ["target", "status_event", "platform_mention", "platform_agency", "platform_domain", "platform", "domain", "agency", "district"]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
