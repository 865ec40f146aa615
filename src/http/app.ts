/** The HTTP app and its routes: request ids and logs, metrics, CORS, health, the IDE, the guards, the pages and /graphql. */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import type { ApolloServer } from "@apollo/server";
import cors from "cors";
import express from "express";
import { pinoHttp } from "pino-http";
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import { createContext, type Context, type Services } from "../context";
import { minLsnOf } from "../db/reader";
import { schemaProblems } from "../db/database";
import { ErrorCode } from "../errors";
import { graphqlHandler } from "../graphql/http";
import { graphiqlHtml, IDE_ASSETS } from "../ide";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { createDeskRouter } from "../modules/desk/desk.router";
import { createFrontRouter } from "../modules/front/front.router";
import { createGeoRouter } from "../modules/geo/geo.router";
import { requestContext } from "../request-context";
import type { ResponseCache } from "../response-cache";
import { NOT_READY_MESSAGE, type RequestGuards } from "./guards";
import { runSteps, sendJson, type NodeMiddleware, type NodeRequest } from "./node";

export interface AppOptions {
  config: Pick<Config, "graphqlIde" | "bodyLimitBytes" | "corsOrigins" | "metrics" | "trustProxy">;
  dataSource: DataSource;
  services: Services;
  guards: RequestGuards;
  metrics: Metrics;
  cache: ResponseCache | undefined;
  logger: Logger;
}

/**
 * The HTTP door: `listener` is what node:http calls for every request. POST /graphql, the registry's
 * hot path, runs the same steps as every other request (request id and log, metrics and request
 * context, CORS, the guards, the JSON body, the response cache) as plain Node middleware, then Apollo,
 * without walking Express: a one-platform query measured 1.42x the throughput of the same steps
 * through Express (bench/README.md, change 12). Every other request, including GET /graphql, goes
 * to the Express app, which mounts the same steps and the same GraphQL handler.
 */
export interface HttpDoor {
  app: express.Express;
  listener: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /** the steps POST /graphql takes after the guards, set by mountGraphQL once Apollo has started */
  graphqlSteps: NodeMiddleware[];
}

export function createApp(o: AppOptions): HttpDoor {
  const { config, logger } = o;
  const app = express();
  app.disable("x-powered-by");
  // No ETag on dynamic answers: Express would hash every body (sha1 over a 500 KB GeoJSON answer) to
  // serve a 304 that POST requests never get; unchanged answers are served from the response cache.
  app.set("etag", false);
  // TRUST_PROXY: which X-Forwarded-* headers to believe, for req.ip (per-IP budgets) and absolute links
  app.set("trust proxy", config.trustProxy);

  // Request ids and structured logs: every log line of a request carries its id (see logger mixin).
  const genReqId = (req: http.IncomingMessage, res: http.ServerResponse): string => {
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    res.setHeader("X-Request-Id", id);
    return id;
  };
  const front: NodeMiddleware[] = [];
  if (logger.isLevelEnabled("error")) {
    front.push(
      pinoHttp({
        logger,
        genReqId,
        customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info"),
        autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/readyz" || req.url === "/metrics" },
        serializers: { req: (req) => ({ id: req.id, method: req.method, url: req.url }), res: (res) => ({ statusCode: res.statusCode }) },
      }) as NodeMiddleware,
    );
  } else {
    // LOG_LEVEL=silent: no request log to write, but every answer still carries its id
    front.push((req, res, next) => {
      req.id = genReqId(req, res);
      next();
    });
  }
  front.push((req, res, next) => {
    const path = (req.originalUrl ?? req.url ?? "").split("?")[0];
    res.on("finish", () => o.metrics.http.inc({ method: req.method ?? "", route: routeOf(path), status: String(res.statusCode) }));
    requestContext.run({ requestId: String(req.id), statements: 0, minLsn: minLsnOf(req.headers) }, next);
  });
  if (config.corsOrigins === "*" || config.corsOrigins.length) {
    front.push(cors({ origin: config.corsOrigins === "*" ? "*" : config.corsOrigins, exposedHeaders: ["X-Request-Id", "Retry-After", "X-Registry-LSN"] }));
  }
  for (const step of front) app.use(step);

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  // A stable reason code and a short message; what went wrong in detail is in the log.
  app.get("/readyz", async (_req, res) => {
    const r = o.guards.readiness;
    if (!r.ready) {
      res.status(503).json({ status: "unavailable", reason: r.code, message: r.message });
      return;
    }
    try {
      await o.dataSource.query("SELECT 1");
      const problems = await schemaProblems(o.dataSource);
      if (problems.length) {
        logger.warn({ problems }, "readiness: schema is not current");
        res.status(503).json({ status: "unavailable", reason: "SCHEMA_NOT_CURRENT", message: NOT_READY_MESSAGE.SCHEMA_NOT_CURRENT });
      } else res.json({ status: "ready" });
    } catch (err) {
      logger.warn({ err }, "readiness: database unreachable");
      res.status(503).json({ status: "unavailable", reason: "DATABASE_UNREACHABLE", message: NOT_READY_MESSAGE.DATABASE_UNREACHABLE });
    }
  });
  if (config.metrics) {
    app.get("/metrics", async (_req, res) => {
      res.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics());
    });
  }

  if (config.graphqlIde) {
    for (const [name, file] of Object.entries(IDE_ASSETS)) {
      app.get(`/ide/${name}`, (_req, res) => {
        res.sendFile(file, { maxAge: "1d", dotfiles: "allow", headers: { "Content-Type": name.endsWith(".css") ? "text/css" : "text/javascript" } });
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

  // Until the database is ready everything that needs it answers 503; then who pays, and the budgets.
  const guard = o.guards.http(app.get("trust proxy fn"));
  app.use(guard);

  // /graphql comes right after the guards, so that its requests do not walk the pages' routes;
  // its steps are filled in by mountGraphQL once Apollo has started
  const graphqlSteps: NodeMiddleware[] = [];
  app.use("/graphql", (req, res, next) => runSteps(graphqlSteps, req, res, next));
  app.use(createFrontRouter({ services: o.services }));
  app.use(createGeoRouter({ services: o.services, logger }));
  app.use(createDeskRouter({ services: o.services, logger }));
  app.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    sendHttpError(err, res, logger);
  });

  const fast = [...front, guard];
  let graphqlPost: NodeMiddleware[] | undefined;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = req.url ?? "";
    if (req.method === "POST" && graphqlSteps.length && (url === "/graphql" || url.startsWith("/graphql?"))) {
      graphqlPost ??= [...fast, ...graphqlSteps];
      runSteps(graphqlPost, req, res, (err) => {
        if (res.headersSent) req.socket.destroy();
        else sendHttpError(err ?? new Error("no step answered POST /graphql"), res, logger);
      });
    } else app(req, res);
  };
  return { app, listener, graphqlSteps };
}

/** Mounts Apollo on /graphql: the JSON body, the response cache, then Apollo itself. */
export function mountGraphQL(door: HttpDoor, apollo: ApolloServer<Context>, o: Pick<AppOptions, "config" | "services" | "cache">): void {
  const handle = graphqlHandler(apollo, async (req: NodeRequest) => createContext(o.services, req.viewer));
  door.graphqlSteps.push(
    express.json({ limit: o.config.bodyLimitBytes }) as NodeMiddleware,
    ...(o.cache ? [o.cache.middleware()] : []),
    (req, res, next) => void handle(req, res).catch(next),
  );
}

/**
 * What the client gets when a step fails: malformed JSON and oversized bodies are the client's
 * mistake (400/413 with a code, never a 500); anything else is a 500 whose detail is in the log.
 */
function sendHttpError(err: unknown, res: http.ServerResponse, logger: Logger): void {
  const e = err as Error & { status?: number };
  const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 500;
  if (status === 500) logger.error({ err }, "unhandled HTTP error");
  const code = status === 413 ? ErrorCode.PAYLOAD_TOO_LARGE : status === 500 ? ErrorCode.INTERNAL_SERVER_ERROR : "BAD_REQUEST";
  sendJson(res, status, { errors: [{ message: status === 500 ? "Internal server error" : e.message, extensions: { code } }] });
}

/** A low-cardinality route label for metrics. */
function routeOf(path: string): string {
  if (path === "/graphql" || path === "/healthz" || path === "/readyz" || path === "/metrics" || path === "/" || path === "/conformance") return path;
  if (path === "/map" || path.startsWith("/map/")) return "/map";
  if (path === "/desk" || path.startsWith("/desk/")) return "/desk";
  if (path.startsWith("/collections") || path === "/api") return "/collections";
  if (path.startsWith("/ide/") || path === "/graphiql") return "/ide";
  return "other";
}
