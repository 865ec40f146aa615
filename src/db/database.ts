/**
 * Opens the registry's database: the server named by DATABASE_URL, or the embedded one.
 * Applies pending migrations (unless MIGRATIONS_RUN=false) and refuses to go on when the
 * schema is not exactly the one this build knows: pending migrations left unapplied, or
 * migrations applied by a newer build.
 */
import type { DataSource } from "typeorm";
import { buildDataSource } from "../../ormconfig";
import type { Config } from "../config";
import type { Logger } from "../logger";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded";

export class SchemaMismatchError extends Error {
  override name = "SchemaMismatchError";
}

export interface Database {
  dataSource: DataSource;
  embedded: EmbeddedDatabase | null;
  close(): Promise<void>;
}

/** Compares applied migrations with the ones this build ships. Empty result: the schema is current. */
export async function schemaProblems(ds: DataSource): Promise<string[]> {
  const known = ds.migrations.map((m) => m.name ?? m.constructor.name);
  const hasTable: Array<{ t: string | null }> = await ds.query(`SELECT to_regclass('typeorm_migrations')::text AS t`);
  const applied: string[] = hasTable[0]?.t
    ? (await ds.query(`SELECT name FROM typeorm_migrations ORDER BY id`)).map((r: { name: string }) => r.name)
    : [];
  const problems: string[] = [];
  const unknown = applied.filter((n) => !known.includes(n));
  const pending = known.filter((n) => !applied.includes(n));
  if (unknown.length) problems.push(`the database has migrations this build does not know: ${unknown.join(", ")}`);
  if (pending.length) problems.push(`pending migrations: ${pending.join(", ")}`);
  return problems;
}

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
    url = embedded.url;
  }
  const dataSource = buildDataSource(url, { poolMax: config.dbPoolMax, statementTimeoutMs: config.statementTimeoutMs });
  try {
    await dataSource.initialize();
    if (config.migrationsRun) {
      const ran = await dataSource.runMigrations({ transaction: "each" });
      if (ran.length) logger.info({ migrations: ran.map((m) => m.name) }, "applied migrations");
    }
    const problems = await schemaProblems(dataSource);
    if (problems.length) {
      throw new SchemaMismatchError(`refusing to serve on a schema this build does not know: ${problems.join("; ")}`);
    }
  } catch (err) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    if (embedded) await embedded.stop().catch(() => undefined);
    throw err;
  }
  return {
    dataSource,
    embedded,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      if (embedded) await embedded.stop();
    },
  };
}
