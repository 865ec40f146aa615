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
import { createWsServer } from "./graphql/ws";
import { createApp, mountGraphQL } from "./http/app";
import { RequestGuards } from "./http/guards";
import { createLifecycle, type Lifecycle } from "./http/lifecycle";
import type { Logger } from "./logger";
import { createMetrics } from "./metrics";
import type { OutlineInput } from "./modules/geo/outlines";
import { ResponseCache } from "./response-cache";
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
  const formatError = makeFormatError(logger);
  const cache = config.responseCache
    ? new ResponseCache({ maxBytes: config.responseCacheMaxBytes, ttlSeconds: config.responseCacheTtlSeconds, dataSource, logger, registry: metrics.registry })
    : undefined;
  if (cache) bus.listenChanges(cache);

  const door = createApp({ config, dataSource, services, guards, metrics, cache, logger });
  const { app } = door;
  const httpServer = http.createServer(door.listener);
  const ws = createWsServer({ httpServer, schema, services, guards, config, trust: app.get("trust proxy fn"), formatError });
  const lifecycle = createLifecycle({ httpServer, apollo: () => apollo, bus, guards, logger });
  const apollo = await createApollo({
    schema, config, dataSource, httpServer, metrics, cache, formatError,
    onDrain: async () => {
      await ws.dispose();
      if (lifecycle.busStarted) await bus.stop();
    },
  });
  mountGraphQL(door, apollo, { config, services, cache });

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
        if (m.unknown.length || m.missing.length) logger.warn(report, "district outlines: some features name no district of the registry, or some districts have no outline");
        else logger.info(report, "district outlines loaded");
      }
    },
    fail: (err) => lifecycle.fail(err),
    listen: (port, host) => lifecycle.listen(port, host),
    stop: () => lifecycle.stop(),
  };
}
