/** The server's lifecycle: listen, become ready (hear changes, open the gate), fail with a reason, stop. */
import type http from "node:http";
import type { ApolloServer } from "@apollo/server";
import type { Context } from "../context";
import type { ChangeBus } from "../db/change-bus";
import type { Logger } from "../logger";
import type { RequestGuards } from "./guards";

export interface Lifecycle {
  /** The database is connected and current: start hearing changes and serve. */
  activate(): Promise<void>;
  /** Start-up failed for good (e.g. a schema this build does not know): keep answering 503 with a reason code; the details go to the log. */
  fail(err: unknown): void;
  /** Listen on port/host; resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** Stop accepting, finish in-flight requests (up to the drain timeout), close. */
  stop(): Promise<void>;
  /** Whether the change bus was started (its connection is closed when Apollo drains). */
  readonly busStarted: boolean;
  /** The embedded database stopped: refuse with 503 until it is back. */
  databaseDown(): void;
  /** A restart failed: /healthz says 503 (the registry may not recover by itself); `final`: it gave up. */
  databaseRestartFailed(final: boolean): void;
  /** The embedded database is back: serve again (if the registry was serving). */
  databaseUp(): void;
}

export function createLifecycle(o: {
  httpServer: http.Server;
  apollo: () => ApolloServer<Context>;
  bus: ChangeBus;
  guards: RequestGuards;
  logger: Logger;
}): Lifecycle {
  let busStarted = false;
  let active = false;
  const readiness = o.guards.readiness;
  return {
    get busStarted() {
      return busStarted;
    },
    async activate() {
      await o.bus.start();
      busStarted = true;
      active = true;
      readiness.set(true);
    },
    fail(err) {
      o.logger.fatal({ err }, "start-up failed");
      readiness.set(false, "START_FAILED");
      readiness.failing = "START_FAILED";
    },
    databaseDown() {
      if (active) readiness.set(false, "DATABASE_RESTARTING");
    },
    databaseRestartFailed(final) {
      readiness.failing = final ? "DATABASE_LOST" : "DATABASE_RESTARTING";
      if (final) readiness.set(false, "DATABASE_LOST");
    },
    databaseUp() {
      readiness.failing = null;
      if (active) readiness.set(true);
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        o.httpServer.once("error", reject);
        o.httpServer.listen(port, host, () => {
          const addr = o.httpServer.address();
          resolve(typeof addr === "object" && addr ? addr.port : port);
        });
      });
    },
    async stop() {
      await o.apollo().stop();
      o.guards.stop();
    },
  };
}
