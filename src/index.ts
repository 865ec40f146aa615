/** `npm start`: read the config once, start, and shut down gracefully on SIGINT/SIGTERM. */
import "reflect-metadata";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
import { start } from "./bootstrap";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let running;
  try {
    // Listen at once (/readyz says 503 until the database is ready); keep trying a database that is down.
    running = await start(config, logger, { waitReady: false });
  } catch (err) {
    logger.fatal({ err }, `could not start: ${(err as Error).message}`);
    process.exit(1);
  }
  logger.info(
    { port: running.port, database: config.databaseUrl ? "DATABASE_URL" : `embedded (${config.dataDir})` },
    `registry listening: http://localhost:${running.port}/graphql`,
  );
  const r = running;
  r.ready.then(
    () => logger.info("registry ready"),
    async (err) => {
      // A schema this build does not know, or a seed that fails: not something waiting fixes.
      logger.fatal({ err }, `could not become ready: ${(err as Error).message}`);
      await r.shutdown().catch(() => undefined);
      process.exit(1);
    },
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal (a terminal's process group, a supervisor repeating itself) must not kill
    // the process halfway: the database would be left running.
    if (stopping) {
      logger.warn({ signal }, "already shutting down");
      return;
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    // A hard deadline: whatever happens, the database is stopped and the process exits.
    const deadline = setTimeout(() => {
      logger.error("shutdown took too long; forcing exit");
      void running.db.close().finally(() => process.exit(1));
    }, config.shutdownTimeoutMs + 1500);
    deadline.unref();
    running.shutdown().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main();
