/**
 * Start-up and shutdown, shared by `npm start` and the tests' server: config → database
 * (embedded or DATABASE_URL) → migrations check → seed an empty registry → listen.
 */
import type { Config } from "./config";
import { openDatabase, type Database } from "./db/database";
import type { Logger } from "./logger";
import { createServer, type AppServer } from "./server";
import { loadSeed, readSeedData } from "../seeds/loader";

export interface Running {
  db: Database;
  server: AppServer;
  port: number;
  /** Graceful shutdown: finish in-flight requests, close the pool, stop the embedded database. */
  shutdown(): Promise<void>;
}

/** Loads the plan's data when the registry has no platforms and no districts yet. */
export async function seedIfEmpty(db: Database, logger: Logger): Promise<boolean> {
  const [{ n }]: Array<{ n: string }> = await db.dataSource.query(
    `SELECT (SELECT count(*) FROM platform) + (SELECT count(*) FROM district) AS n`,
  );
  if (Number(n) > 0) return false;
  const t0 = Date.now();
  const result = await loadSeed(db.dataSource, readSeedData());
  logger.info({ ms: Date.now() - t0, written: result.written }, "loaded the plan's data into an empty registry");
  return true;
}

export async function start(config: Config, logger: Logger): Promise<Running> {
  const db = await openDatabase(config, logger);
  let server: AppServer | undefined;
  try {
    if (config.seedOnEmpty) await seedIfEmpty(db, logger);
    server = await createServer({ config, dataSource: db.dataSource, logger });
    const port = await server.listen(config.port, config.host);
    let stopping: Promise<void> | undefined;
    return {
      db,
      server,
      port,
      shutdown() {
        stopping ??= (async () => {
          try {
            await server!.stop();
          } finally {
            await db.close();
          }
        })();
        return stopping;
      },
    };
  } catch (err) {
    if (server) await server.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
}
