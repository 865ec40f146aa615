/**
 * The benchmark's own databases: registry_bench_<size> on the server of BENCH_DATABASE_URL,
 * created, migrated (the registry's migrations), seeded (the real 110 platforms and the
 * reference data, with the registry's seed loader) and filled with generated platforms by COPY.
 * Never the registry's own database.
 */
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import cliProgress from "cli-progress";
import { dist } from "./dist.mjs";
import { COPY_TABLES, copyLines, createGenerator } from "./generate.mjs";

export const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export function benchDbName(size) {
  return `registry_bench_${size}`;
}

/** The URL of database `name` on the server of `adminUrl`. */
export function dbUrl(adminUrl, name) {
  const u = new URL(adminUrl);
  u.pathname = "/" + name;
  return u.toString();
}

async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url, application_name: "bench-harness" });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function dropDatabase(adminUrl, name) {
  if (!/^registry_bench_\w+$/.test(name)) throw new Error(`refusing to drop ${name}: not a benchmark database`);
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

export async function createDatabase(adminUrl, name) {
  await dropDatabase(adminUrl, name);
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
}

/** A new admin token on the database at `url` (S5 writes with it). */
export async function adminToken(url) {
  const { buildDataSource } = dist("ormconfig.js");
  const { TokenService } = dist("src/modules/auth/token.service.js");
  const ds = buildDataSource(url, { poolMax: 1, applicationName: "bench-harness" });
  await ds.initialize();
  try {
    return (await new TokenService(ds).create({ name: "bench admin", role: "ADMIN" })).token;
  } finally {
    await ds.destroy();
  }
}

/** Migrations, the real data set, and an admin token (for S5). Returns the token. */
export async function migrateAndSeed(url) {
  const { buildDataSource } = dist("ormconfig.js");
  const { loadSeed, readSeedData } = dist("src/modules/dataset/dataset.js");
  const ds = buildDataSource(url, { poolMax: 2, applicationName: "bench-harness" });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: "each" });
    await loadSeed(ds, readSeedData());
  } finally {
    await ds.destroy();
  }
  return adminToken(url);
}

/**
 * Generates `count` platforms and COPYs them (five tables, five connections, in step). The
 * tables' secondary indexes are dropped first and rebuilt after, with the migrations' own
 * definitions (read from pg_indexes), and foreign keys are not checked row by row
 * (session_replication_role = replica; the generator only references rows that exist).
 */
export async function loadGenerated(url, count, { seed = "gz-bench-1", log = console.error } = {}) {
  const { readSeedData } = dist("src/modules/dataset/dataset.js");
  const next = createGenerator(readSeedData(), seed);
  const tables = Object.keys(COPY_TABLES);
  const admin = new pg.Client({ connectionString: url, application_name: "bench-harness" });
  await admin.connect();
  const t0 = Date.now();
  try {
    const { rows: idx } = await admin.query(
      `SELECT indexname, indexdef FROM pg_indexes i
       WHERE schemaname = 'public' AND tablename = ANY($1)
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
      [tables],
    );
    for (const { indexname } of idx) await admin.query(`DROP INDEX ${indexname}`);

    const clients = await Promise.all(
      tables.map(async () => {
        const c = new pg.Client({ connectionString: url, application_name: "bench-copy" });
        await c.connect();
        await c.query("SET session_replication_role = replica");
        return c;
      }),
    );
    const streams = tables.map((t, k) => clients[k].query(copyFrom(`COPY ${COPY_TABLES[t]} FROM STDIN`)));
    const done = streams.map(
      (s) =>
        new Promise((resolve, reject) => {
          s.on("finish", resolve);
          s.on("error", reject);
        }),
    );
    const bar = new cliProgress.SingleBar(
      { format: `  load ${count.toLocaleString("en")} platforms [{bar}] {percentage}% {value}/{total} {eta_formatted} left`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(count, 0);
    const BATCH = 500;
    const buf = tables.map(() => []);
    for (let n = 0; n < count; n++) {
      const lines = copyLines(next());
      tables.forEach((t, k) => buf[k].push(lines[t]));
      if ((n + 1) % BATCH === 0 || n + 1 === count) {
        const waits = [];
        tables.forEach((_t, k) => {
          if (!streams[k].write(buf[k].join(""))) waits.push(new Promise((r) => streams[k].once("drain", r)));
          buf[k] = [];
        });
        if (waits.length) await Promise.all(waits);
        bar.update(n + 1);
      }
    }
    streams.forEach((s) => s.end());
    await Promise.all(done);
    bar.stop();
    await Promise.all(clients.map((c) => c.end()));
    const tCopy = Date.now();

    await admin.query("SET maintenance_work_mem = '1GB'");
    for (const { indexdef } of idx) await admin.query(indexdef);
    const tIndex = Date.now();
    await admin.query("VACUUM ANALYZE");
    const { rows: sizes } = await admin.query(
      `SELECT relname, n_live_tup::bigint AS rows, pg_total_relation_size(relid) AS bytes FROM pg_stat_user_tables
       WHERE relname = ANY($1) ORDER BY relname`,
      [tables],
    );
    const seconds = { copy: (tCopy - t0) / 1000, indexes: (tIndex - tCopy) / 1000, vacuum: (Date.now() - tIndex) / 1000 };
    log(
      `  loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s (COPY ${seconds.copy.toFixed(1)} s, indexes ${seconds.indexes.toFixed(1)} s, VACUUM ANALYZE ${seconds.vacuum.toFixed(1)} s)`,
    );
    return { seconds, tables: sizes.map((r) => ({ table: r.relname, rows: Number(r.rows), mb: +(Number(r.bytes) / 1048576).toFixed(1) })) };
  } finally {
    await admin.end();
  }
}

/** Builds a complete bench database of `size` platforms (the real 110 included). */
export async function buildBenchDatabase(adminUrl, size, { log = console.error, seed } = {}) {
  const name = benchDbName(size);
  const url = dbUrl(adminUrl, name);
  const t0 = Date.now();
  await createDatabase(adminUrl, name);
  const token = await migrateAndSeed(url);
  const { count: realCount } = await withClient(url, async (c) => ({ count: Number((await c.query("SELECT count(*) AS n FROM platform")).rows[0].n) }));
  const load = await loadGenerated(url, Math.max(0, size - realCount), { log, seed });
  return { name, url, token, realCount, load, seconds: (Date.now() - t0) / 1000 };
}
