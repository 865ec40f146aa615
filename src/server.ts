/**
 * Builds the registry's server from its parts: the HTTP app and its routes (src/http/app.ts), the
 * request guards both transports share (src/http/guards.ts), the GraphQL server for HTTP
 * (src/graphql/apollo.ts), the WebSocket server (src/graphql/ws.ts), and the lifecycle
 * (src/http/lifecycle.ts). It listens before the database is ready and answers 503 until `activate()`.
 */
import http from "node:http";
import type { ApolloServer } from "@apollo/server";
import type { DataSource } from "typeorm";
import type { Config } from "./config";
import { createServices, type Context } from "./context";
import { ChangeBus } from "./db/change-bus";
import { makeFormatError } from "./errors";
import { createApollo } from "./graphql/apollo";
import { OperationSteps } from "./graphql/operation";
import { createWsServer } from "./graphql/ws";
import { createApp } from "./http/app";
import { mountGraphQL } from "./graphql/http";
import { capConnections, RequestGuards } from "./http/guards";
import { createLifecycle, type Lifecycle } from "./http/lifecycle";
import type { Logger } from "./logger";
import { createMetrics } from "./metrics";
import type { OutlineInput } from "./modules/geo/outlines";
import { ResponseCache } from "./http/response-cache";
import { createSchema } from "./schema";

export interface AppServer extends Omit<Lifecycle, "busStarted"> {
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
  /** Hears status changes and data changes from every instance (LISTEN/NOTIFY). */
  hub: ChangeBus;
}

export interface ServerOptions {
  config: Config;
  dataSource: DataSource;
  /** The database URL, for the LISTEN connection that hears changes from every instance. */
  databaseUrl: string;
  logger: Logger;
  /** The district outlines read from DISTRICT_OUTLINES (src/modules/geo/outlines.ts); none by default. */
  outlines?: OutlineInput[] | null;
}

export async function createServer({ config, dataSource, databaseUrl, logger, outlines = null }: ServerOptions): Promise<AppServer> {
  const bus = new ChangeBus(databaseUrl, logger);
  const schema = await createSchema(bus);
  const metrics = createMetrics(dataSource);
  const services = createServices(dataSource, bus, {
    preparedStatements: config.preparedStatements,
    outlines: outlines && { features: outlines, attribution: config.districtOutlinesAttribution },
  });
  const guards = new RequestGuards(config, services.tokens);
  // the steps of every GraphQL operation, on both transports (src/graphql/operation.ts)
  const steps = new OperationSteps({ schema, guards, services, config });
  const formatError = makeFormatError(logger, () => guards.readiness.noteStorageFull());
  const cache = config.responseCache
    ? new ResponseCache({ maxBytes: config.responseCacheMaxBytes, ttlSeconds: config.responseCacheTtlSeconds, dataSource, logger, registry: metrics.registry })
    : undefined;
  if (cache) bus.listenChanges(cache);

  const door = createApp({ config, dataSource, services, guards, metrics, cache, logger });
  const { app } = door;
  // Slow clients are cut short: headers within HTTP_HEADERS_TIMEOUT_MS, the whole request within
  // HTTP_REQUEST_TIMEOUT_MS (checked every 250 ms, not every 30 s as by default), idle keep-alive
  // connections closed after HTTP_IDLE_TIMEOUT_MS.
  const httpServer = http.createServer(
    { headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: 250 },
    door.listener,
  );
  httpServer.keepAliveTimeout = config.idleTimeoutMs;
  // A request that will send 100-continue before its body: refused before the body is sent when too large
  httpServer.on("checkContinue", (req, res) => {
    if (!door.refuseOversized(req, res)) {
      res.writeContinue();
      door.listener(req, res);
    }
  });
  capConnections(httpServer, config.connectionsPerIp, app.get("trust proxy fn"));
  const ws = createWsServer({ httpServer, schema, services, guards, steps, config, trust: app.get("trust proxy fn"), formatError });
  const lifecycle = createLifecycle({ httpServer, apollo: () => apollo, bus, guards, logger });
  const apollo = await createApollo({
    schema,
    steps,
    config,
    dataSource,
    httpServer,
    metrics,
    cache,
    formatError,
    onDrain: async () => {
      await ws.dispose();
      if (lifecycle.busStarted) await bus.stop();
    },
  });
  mountGraphQL(door, apollo, { config, steps, cache, logger });

  return {
    httpServer,
    apollo,
    hub: bus,
    activate: async () => {
      await lifecycle.activate();
      await services.search.lexicon().catch((err) => logger.warn({ err }, "could not read the search lexicon; searches will read it"));
      // the outlines' report, at start; a failure here is retried by the first request that needs them
      const m = await services.outlines?.match().catch((err) => void logger.warn({ err }, "could not match the district outlines yet"));
      if (m) {
        const report = { file: config.districtOutlines, outlined: m.outlines.map((o) => o.id), unknown: m.unknown, missing: m.missing };
        if (m.unknown.length || m.missing.length)
          logger.warn(report, "district outlines: some features name no district of the registry, or some districts have no outline");
        else logger.info(report, "district outlines loaded");
      }
    },
    fail: (err) => lifecycle.fail(err),
    listen: (port, host) => lifecycle.listen(port, host),
    stop: () => lifecycle.stop(),
    databaseDown: () => lifecycle.databaseDown(),
    databaseRestartFailed: (final) => lifecycle.databaseRestartFailed(final),
    databaseUp: () => lifecycle.databaseUp(),
  };
}
