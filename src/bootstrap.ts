/**
 * Start-up and shutdown, shared by `npm start` and the tests: config → database (embedded or
 * DATABASE_URL) → HTTP server listening (503 until ready) → connect with retry → migrations
 * check → seed an empty registry → ready.
 */
import type { Config } from "./config";
import { buildDataSource } from "../ormconfig";
import { connectDatabase, createDatabase, type Database } from "./db/database";
import type { Logger } from "./logger";
import { createServer, type AppServer } from "./server";
import { loadSeed, readSeedData } from "./modules/dataset/dataset";
import { readOutlines } from "./modules/geo/outlines";

export interface Running {
  db: Database;
  server: AppServer;
  port: number;
  /** Settles when the registry is ready (or has given up: a schema it does not know). */
  ready: Promise<void>;
  /** Resolves if the registry can no longer serve and cannot recover by itself (its embedded database would not restart). */
  lost: Promise<Error>;
  /** Graceful shutdown: finish in-flight requests, close the pool, stop the embedded database. */
  shutdown(): Promise<void>;
}

/** Loads the plan's data when the registry has no platforms and no districts yet. */
export async function seedIfEmpty(db: Database, logger: Logger): Promise<boolean> {
  const [{ n }]: Array<{ n: string }> = await db.dataSource.query(`SELECT (SELECT count(*) FROM platform) + (SELECT count(*) FROM district) AS n`);
  if (Number(n) > 0) return false;
  const t0 = Date.now();
  const result = await loadSeed(db.dataSource, readSeedData());
  logger.info({ ms: Date.now() - t0, written: result.written }, "loaded the plan's data into an empty registry");
  return true;
}

export interface StartOptions {
  /** Resolve start() only once the registry is ready. Default true (tests); npm start listens first. */
  waitReady?: boolean;
}

export async function start(config: Config, logger: Logger, opts: StartOptions = {}): Promise<Running> {
  // a district outline file that cannot be read or is not valid stops the start before anything runs
  const outlines = config.districtOutlines ? readOutlines(config.districtOutlines) : null;
  const db = await createDatabase(config, logger, buildDataSource);
  let server: AppServer | undefined;
  let stopping = false;
  try {
    server = await createServer({ config, dataSource: db.dataSource, databaseUrl: db.url, logger, outlines });
    const port = await server.listen(config.port, config.host);
    const s = server;
    const lost = new Promise<Error>((resolve) =>
      db.embedded?.watch({
        down: () => s.databaseDown(),
        up: () => s.databaseUp(),
        restartFailed: (err, final) => {
          s.databaseRestartFailed(final);
          if (final) resolve(err);
        },
      }),
    );
    const ready = (async () => {
      // An embedded server is up already; a remote one may not be: keep trying until it answers.
      await connectDatabase(db, config, logger, { retry: !db.embedded, cancelled: () => stopping });
      if (config.seedOnEmpty) await seedIfEmpty(db, logger);
      await s.activate();
    })();
    // a start cut short by a shutdown (its database stopped under it) is not a start-up failure
    ready.catch((err) => {
      if (!stopping) s.fail(err);
    });
    if (opts.waitReady !== false) await ready;
    let stopped: Promise<void> | undefined;
    return {
      db,
      server: s,
      port,
      ready,
      lost,
      shutdown() {
        stopping = true;
        stopped ??= (async () => {
          try {
            await s.stop();
          } finally {
            await db.close();
          }
        })();
        return stopped;
      },
    };
  } catch (err) {
    stopping = true;
    if (server) await server.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
}
