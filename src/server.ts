/**
 * Builds the HTTP server: Express 5 with Apollo Server 5 at /graphql (and graphql-ws on the
 * same path), the GraphiQL IDE served from installed packages (no CDN), health endpoints,
 * metrics, request logs, CORS and rate limits. It listens before the database is ready and
 * answers 503 until `activate()`.
 */
import http from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { DataSource } from "typeorm";
import type { Config } from "./config";
import { createContext, createServices, type Context } from "./context";
import { schemaProblems } from "./db/database";
import { makeFormatError } from "./errors";
import type { Logger } from "./logger";
import { createSchema } from "./schema";
import { graphiqlHtml, IDE_ASSETS } from "./ide";
import { armor, fanOutPlugin, LIMITS } from "./limits";
import { createGeoRouter } from "./modules/geo/geo.router";
import { createDeskRouter } from "./modules/desk/desk.router";
import { StatusHub } from "./modules/status/status.hub";
import { WebSocketServer } from "ws";
import { useServer } from "graphql-ws/use/ws";
import { requestContext, sqlCountPlugin } from "./request-context";
import { randomUUID } from "node:crypto";
import cors from "cors";
import { pinoHttp } from "pino-http";
import { createMetrics } from "./metrics";
import { lsnPlugin, minLsnOf } from "./db/reader";
import { rateLimits, rejectControlCharacters } from "./limits";
import { ResponseCache } from "./response-cache";
import { stringifyWithRaw } from "./raw-json";

export interface AppServer {
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
  /** Hears status changes and data changes from every instance (LISTEN/NOTIFY). */
  hub: StatusHub;
  /** The database is connected and current: start hearing status changes and serve. */
  activate(): Promise<void>;
  /** Start-up failed for good (e.g. a schema this build does not know): keep answering 503 with the reason. */
  fail(err: unknown): void;
  /** Listen on port/host; resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** Stop accepting, finish in-flight requests (up to the drain timeout), close. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  config: Pick<
    Config,
    | "graphqlIde"
    | "introspection"
    | "shutdownTimeoutMs"
    | "exposeSqlCount"
    | "bodyLimitBytes"
    | "corsOrigins"
    | "rateLimitPerIp"
    | "rateLimitPerToken"
    | "metrics"
    | "responseCache"
    | "responseCacheMaxBytes"
    | "responseCacheTtlSeconds"
  >;
  dataSource: DataSource;
  /** The database URL, for the LISTEN connection that hears status changes from every instance. */
  databaseUrl: string;
  logger: Logger;
}

export async function createServer({ config, dataSource, databaseUrl, logger }: ServerOptions): Promise<AppServer> {
  const app = express();
  app.disable("x-powered-by");
  // No ETag on dynamic answers: Express would hash every body (sha1 over a 500 KB GeoJSON answer) to
  // serve a 304 that POST requests never get; unchanged answers are served from the response cache.
  app.set("etag", false);
  const httpServer = http.createServer(app);
  const hub = new StatusHub(databaseUrl, logger);
  const schema = await createSchema(hub);
  const metrics = createMetrics(dataSource);
  let state: { ready: boolean; reason: string } = { ready: false, reason: "starting: waiting for the database" };
  const services = createServices(dataSource, hub);
  const formatError = makeFormatError(logger);
  const cache = config.responseCache
    ? new ResponseCache({ maxBytes: config.responseCacheMaxBytes, ttlSeconds: config.responseCacheTtlSeconds, dataSource, logger, registry: metrics.registry })
    : undefined;
  if (cache) hub.listenChanges(cache);

  // Subscriptions: graphql-ws on the same port and path as queries.
  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql" });
  const ws = useServer<Record<string, unknown>>(
    {
      schema,
      context: (c) => {
        const fromParams = c.connectionParams?.authorization ?? c.connectionParams?.Authorization;
        const header = typeof fromParams === "string" ? fromParams : (c.extra as { request: http.IncomingMessage }).request.headers.authorization;
        return createContext(services, header);
      },
      // the same error masking as HTTP: coded errors pass, internals do not leak
      onNext: (_c, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : result,
    },
    wsServer,
  );

  const protection = armor();
  const apollo = new ApolloServer<Context>({
    schema,
    validationRules: protection.validationRules,
    parseOptions: { maxTokens: LIMITS.tokens },
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // src/index.ts owns SIGINT/SIGTERM. Apollo's own handlers would stop the server a second time
    // (a concurrent stop() waits on a barrier Apollo 5 never resolves: every stop hit the forced exit)
    // and then re-send the signal to the process.
    stopOnTerminationSignals: false,
    formatError,
    // as Apollo's own (JSON plus a newline), with JSON that PostgreSQL built spliced in as text
    stringifyResult: (result) => stringifyWithRaw(result) + "\n",
    plugins: [
      ...protection.plugins,
      rejectControlCharacters<Context>(),
      metrics.plugin<Context>(),
      lsnPlugin<Context>(dataSource),
      fanOutPlugin<Context>(),
      sqlCountPlugin<Context>(config.exposeSqlCount),
      ...(cache ? [cache.plugin<Context>()] : []),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await ws.dispose();
              if (hubStarted) await hub.stop();
            },
          };
        },
      },
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  // Request ids and structured logs: every log line of a request carries its id (see logger mixin).
  const genReqId = (req: http.IncomingMessage, res: http.ServerResponse): string => {
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    res.setHeader("X-Request-Id", id);
    return id;
  };
  if (logger.isLevelEnabled("error")) {
    app.use(
      pinoHttp({
        logger,
        genReqId,
        customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info"),
        autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/readyz" || req.url === "/metrics" },
        serializers: { req: (req) => ({ id: req.id, method: req.method, url: req.url }), res: (res) => ({ statusCode: res.statusCode }) },
      }),
    );
  } else {
    // LOG_LEVEL=silent: no request log to write, but every answer still carries its id
    app.use((req, res, next) => {
      (req as { id?: string }).id = genReqId(req, res);
      next();
    });
  }
  app.use((req, res, next) => {
    res.on("finish", () => metrics.http.inc({ method: req.method, route: routeOf(req.originalUrl.split("?")[0]), status: String(res.statusCode) }));
    requestContext.run({ requestId: String(req.id), statements: 0, minLsn: minLsnOf(req.headers) }, next);
  });
  if (config.corsOrigins === "*" || config.corsOrigins.length) {
    app.use(cors({ origin: config.corsOrigins === "*" ? "*" : config.corsOrigins, exposedHeaders: ["X-Request-Id", "Retry-After", "X-Registry-LSN"] }));
  }

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    if (!state.ready) {
      res.status(503).json({ status: "unavailable", reason: state.reason });
      return;
    }
    try {
      await dataSource.query("SELECT 1");
      const problems = await schemaProblems(dataSource);
      if (problems.length) res.status(503).json({ status: "unavailable", reason: "schema is not current" });
      else res.json({ status: "ready" });
    } catch {
      res.status(503).json({ status: "unavailable", reason: "database unreachable" });
    }
  });
  if (config.metrics) {
    app.get("/metrics", async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }

  if (config.graphqlIde) {
    for (const [name, file] of Object.entries(IDE_ASSETS)) {
      app.get(`/ide/${name}`, (_req, res) => {
        res.sendFile(file, { maxAge: "1d", headers: { "Content-Type": name.endsWith(".css") ? "text/css" : "text/javascript" } });
      });
    }
    const ide: express.RequestHandler = (req, res, next) => {
      if (req.method === "GET" && req.query.query === undefined && req.accepts(["application/json", "text/html"]) === "text/html") {
        res.type("html").send(graphiqlHtml("/graphql"));
      } else next();
    };
    app.get("/graphiql", ide);
    app.get("/graphql", ide);
  }

  // Until the database is ready, everything that needs it answers 503 (clients retry; /readyz says why).
  app.use((_req, res, next) => {
    if (state.ready) return next();
    res.setHeader("Retry-After", "2");
    res.status(503).json({ errors: [{ message: `service unavailable: ${state.reason}`, extensions: { code: "SERVICE_UNAVAILABLE" } }] });
  });
  app.use(rateLimits(config));

  app.use(createGeoRouter({ services, logger }));
  app.use(createDeskRouter({ services, logger }));

  app.use(
    "/graphql",
    express.json({ limit: config.bodyLimitBytes }),
    ...(cache ? [cache.middleware()] : []),
    expressMiddleware(apollo, { context: async ({ req }) => createContext(services, req.headers.authorization) }),
  );

  // Malformed JSON and oversized bodies are the client's mistake: 400/413 with a code, never a 500.
  app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err }, "unhandled HTTP error");
    const code = status === 413 ? "PAYLOAD_TOO_LARGE" : status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST";
    res.status(status).json({ errors: [{ message: status === 500 ? "Internal server error" : err.message, extensions: { code } }] });
  });

  let hubStarted = false;
  return {
    httpServer,
    apollo,
    hub,
    async activate() {
      await hub.start();
      hubStarted = true;
      state = { ready: true, reason: "" };
    },
    fail(err) {
      logger.fatal({ err }, "start-up failed");
      state = { ready: false, reason: err instanceof Error ? err.message : String(err) };
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          const addr = httpServer.address();
          resolve(typeof addr === "object" && addr ? addr.port : port);
        });
      });
    },
    async stop() {
      await apollo.stop();
    },
  };
}


/** A low-cardinality route label for metrics. */
function routeOf(path: string): string {
  if (path === "/graphql" || path === "/healthz" || path === "/readyz" || path === "/metrics" || path === "/" || path === "/conformance") return path;
  if (path === "/map" || path.startsWith("/map/")) return "/map";
  if (path.startsWith("/collections")) return "/collections";
  if (path.startsWith("/ide/") || path === "/graphiql") return "/ide";
  return "other";
}
