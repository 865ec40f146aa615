/**
 * The registry's database: the server named by DATABASE_URL, or the embedded one.
 *
 * Two steps, so that the HTTP server can listen (and answer /readyz with 503) while a database
 * server is still down: `createDatabase` starts the embedded server if there is one and builds
 * the DataSource; `connectDatabase` connects (retrying with backoff when asked), applies pending
 * migrations (unless MIGRATIONS_RUN=false) and refuses to go on when the schema is not exactly
 * the one this build knows.
 *
 * The DataSource's definition (entities, migrations) is the root's, in ormconfig.ts: the caller
 * hands its builder in, so this layer knows no module.
 */
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import type { Logger } from "../logger";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded";

/** Builds the registry's DataSource for a URL (ormconfig.ts's buildDataSource). */
export type BuildDataSource = (url: string, opts: { poolMax?: number; statementTimeoutMs?: number; replicaUrls?: string[] }) => DataSource;

export class SchemaMismatchError extends Error {
  override name = "SchemaMismatchError";
}

export interface Database {
  dataSource: DataSource;
  /** The URL the data source connects to. */
  url: string;
  embedded: EmbeddedDatabase | null;
  close(): Promise<void>;
}

/** Compares applied migrations with the ones this build ships. Empty result: the schema is current. */
export async function schemaProblems(ds: DataSource): Promise<string[]> {
  const known = ds.migrations.map((m) => m.name ?? m.constructor.name);
  const hasTable: Array<{ t: string | null }> = await ds.query(`SELECT to_regclass('typeorm_migrations')::text AS t`);
  const applied: string[] = hasTable[0]?.t ? (await ds.query(`SELECT name FROM typeorm_migrations ORDER BY id`)).map((r: { name: string }) => r.name) : [];
  const problems: string[] = [];
  const unknown = applied.filter((n) => !known.includes(n));
  const pending = known.filter((n) => !applied.includes(n));
  if (unknown.length) problems.push(`the database has migrations this build does not know: ${unknown.join(", ")}`);
  if (pending.length) problems.push(`pending migrations: ${pending.join(", ")}`);
  return problems;
}

/** Starts the embedded server when there is no DATABASE_URL, and builds (does not connect) the DataSource. */
export async function createDatabase(config: Config, logger: Logger, buildDataSource: BuildDataSource, opts: { attach?: boolean } = {}): Promise<Database> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      logger,
      attach: opts.attach,
      restarts: config.embeddedRestarts,
      avoidPorts: [config.port],
    });
    url = embedded.url;
  }
  const dataSource = buildDataSource(url, {
    poolMax: config.dbPoolMax,
    statementTimeoutMs: config.statementTimeoutMs,
    replicaUrls: config.databaseReplicaUrls,
  });
  let closed = false;
  return {
    dataSource,
    url,
    embedded,
    async close() {
      if (closed) return;
      closed = true;
      if (dataSource.isInitialized) await dataSource.destroy().catch((err) => logger.warn({ err }, "closing the pool failed"));
      if (embedded) await embedded.stop();
    },
  };
}

export interface ConnectOptions {
  /** Keep trying (backoff 100 ms doubling to 5 s) while the server is unreachable. Default false. */
  retry?: boolean;
  /** Stop retrying when this says so (shutdown). */
  cancelled?: () => boolean;
}

/** Connects, applies migrations and checks the schema. A schema this build does not know is never retried. */
export async function connectDatabase(db: Database, config: Config, logger: Logger, opts: ConnectOptions = {}): Promise<void> {
  const ds = db.dataSource;
  for (let attempt = 0; ; attempt++) {
    try {
      await ds.initialize();
      break;
    } catch (err) {
      if (!opts.retry || opts.cancelled?.()) throw err;
      const delay = Math.min(5000, 100 * 2 ** attempt);
      logger.warn({ err: { message: (err as Error).message }, attempt: attempt + 1, retryInMs: delay }, "database unreachable; retrying");
      await new Promise((r) => setTimeout(r, delay));
      if (opts.cancelled?.()) throw err;
    }
  }
  if (config.migrationsRun) {
    const ran = await ds.runMigrations({ transaction: "each" });
    if (ran.length) logger.info({ migrations: ran.map((m) => m.name) }, "applied migrations");
  }
  const problems = await schemaProblems(ds);
  if (problems.length) throw new SchemaMismatchError(`refusing to serve on a schema this build does not know: ${problems.join("; ")}`);
}

/** For CLI tools: create and connect in one go (no retry). */
export async function openDatabase(config: Config, logger: Logger, buildDataSource: BuildDataSource, opts: { attach?: boolean } = {}): Promise<Database> {
  const db = await createDatabase(config, logger, buildDataSource, opts);
  try {
    await connectDatabase(db, config, logger);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
