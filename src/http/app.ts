/** The HTTP app and its routes: request ids and logs, metrics, CORS, health, the IDE, the guards, the pages and /graphql. */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type http from "node:http";
import cors from "cors";
import express from "express";
import helmet from "helmet";
import ipaddr from "ipaddr.js";
import { pinoHttp } from "pino-http";
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import type { Services } from "../context";
import { minLsnOf } from "../db/reader";
import { schemaProblems } from "../db/database";
import { ErrorCode, isDatabaseUnavailable, isStorageFull, RETRY_AFTER_SECONDS, storageFull, unavailable } from "../errors";
import { GRAPHIQL_CSP, graphiqlHtml, graphiqlStartJs, IDE_ASSETS } from "../ide";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { createDeskRouter } from "../modules/desk/desk.router";
import { createFrontRouter } from "../modules/front/front.router";
import { createGeoRouter } from "../modules/geo/geo.router";
import { newRequestState, requestContext } from "../request-context";
import type { ResponseCache } from "./response-cache";
import { NOT_READY_MESSAGE, sendRefusal, type RequestGuards } from "./guards";
import { runSteps, sendJson, type NodeMiddleware, type NodeRequest } from "./node";

export interface AppOptions {
  config: Pick<
    Config,
    | "graphqlIde"
    | "bodyLimitBytes"
    | "corsOrigins"
    | "metrics"
    | "trustProxy"
    | "publicUrl"
    | "metricsToken"
    | "metricsPublic"
    | "persistedQueryMaxBytes"
    | "persistedQueries"
  >;
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
 * through Express. Every other request, including GET /graphql, goes
 * to the Express app, which mounts the same steps and the same GraphQL handler.
 */
export interface HttpDoor {
  app: express.Express;
  listener: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /** the steps POST /graphql takes after the guards, set by mountGraphQL once Apollo has started */
  graphqlSteps: NodeMiddleware[];
  /** Answers 413 and closes the connection when the declared body is over BODY_LIMIT; true if it did. */
  refuseOversized(req: http.IncomingMessage, res: http.ServerResponse): boolean;
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
    requestContext.run(newRequestState(String(req.id), minLsnOf(req.headers)), next);
  });
  // Security headers on every answer (nosniff, referrer policy, frame options, …) and, for answers
  // that are not pages, a CSP that allows nothing; the pages (/map, /desk, GraphiQL) set their own.
  // No HSTS: whoever terminates TLS in front of the registry decides that.
  front.push(
    fixedHeaders(
      helmet({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
        },
        // a public API: other sites may load its answers (CORS still decides what their scripts may read)
        crossOriginResourcePolicy: { policy: "cross-origin" },
        strictTransportSecurity: false,
      }) as NodeMiddleware,
    ),
  );
  if (config.corsOrigins === "*" || config.corsOrigins.length) {
    const allow = cors({
      origin: config.corsOrigins === "*" ? "*" : config.corsOrigins,
      exposedHeaders: ["X-Request-Id", "Retry-After", "X-Registry-LSN"],
    }) as NodeMiddleware;
    // never for /metrics: no other site's script may read the registry's internals
    front.push((req, res, next) => (req.url === "/metrics" || req.url?.startsWith("/metrics?") ? next() : allow(req, res, next)));
  }
  for (const step of front) app.use(step);

  // Liveness: 503 only when the registry cannot recover by itself (its embedded database would not
  // restart, a schema it does not know); a database that is merely down is /readyz's business.
  app.get("/healthz", (_req, res) => {
    const failing = o.guards.readiness.failing;
    if (failing) res.status(503).json({ status: "failing", reason: failing, message: NOT_READY_MESSAGE[failing] });
    else res.json({ status: "ok" });
  });
  // A stable reason code and a short message; what went wrong in detail is in the log.
  app.get("/readyz", async (_req, res) => {
    const r = o.guards.readiness;
    if (!r.ready) {
      res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
      res.status(503).json({ status: "unavailable", reason: r.code, message: r.message });
      return;
    }
    try {
      await o.dataSource.query("SELECT 1");
      const problems = await schemaProblems(o.dataSource);
      if (r.storageFull) {
        res.status(503).json({ status: "unavailable", reason: "STORAGE_FULL", message: NOT_READY_MESSAGE.STORAGE_FULL });
      } else if (problems.length) {
        logger.warn({ problems }, "readiness: schema is not current");
        res.status(503).json({ status: "unavailable", reason: "SCHEMA_NOT_CURRENT", message: NOT_READY_MESSAGE.SCHEMA_NOT_CURRENT });
      } else res.json({ status: "ready" });
    } catch (err) {
      logger.warn({ err }, "readiness: database unreachable");
      res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
      res.status(503).json({ status: "unavailable", reason: "DATABASE_UNREACHABLE", message: NOT_READY_MESSAGE.DATABASE_UNREACHABLE });
    }
  });
  if (config.metrics) {
    // METRICS_TOKEN: a Bearer token; without one, loopback clients only (a scraper on the same
    // machine), unless METRICS_PUBLIC opens it to everyone
    const wanted = config.metricsToken ? createHash("sha256").update(config.metricsToken).digest() : null;
    app.get("/metrics", async (req, res) => {
      if (wanted) {
        const given = createHash("sha256")
          .update(/^Bearer (.+)$/i.exec(req.get("authorization") ?? "")?.[1] ?? "")
          .digest();
        if (!timingSafeEqual(given, wanted)) {
          res.set("WWW-Authenticate", 'Bearer realm="metrics"');
          return void sendJson(res, 401, {
            errors: [{ message: "/metrics needs the METRICS_TOKEN as a Bearer token", extensions: { code: ErrorCode.UNAUTHENTICATED } }],
          });
        }
      } else if (!config.metricsPublic && !isLoopback(req.ip ?? "")) {
        return void sendJson(res, 403, {
          errors: [
            { message: "/metrics answers only on this machine (set METRICS_TOKEN to scrape it from elsewhere)", extensions: { code: ErrorCode.FORBIDDEN } },
          ],
        });
      }
      res.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics());
    });
  }

  if (config.graphqlIde) {
    for (const [name, file] of Object.entries(IDE_ASSETS)) {
      app.get(`/ide/${name}`, (_req, res) => {
        res.sendFile(file, { maxAge: "1d", dotfiles: "allow", headers: { "Content-Type": name.endsWith(".css") ? "text/css" : "text/javascript" } });
      });
    }
    const start = graphiqlStartJs("/graphql");
    app.get("/ide/start.js", (_req, res) => {
      res.type("text/javascript").set("Cache-Control", "no-cache").send(start);
    });
    const page = graphiqlHtml();
    const ide: express.RequestHandler = (req, res, next) => {
      if (req.method === "GET" && req.query.query === undefined && req.accepts(["application/json", "text/html"]) === "text/html") {
        res.set({ "Content-Security-Policy": GRAPHIQL_CSP, "X-Frame-Options": "DENY", "Cache-Control": "no-cache" });
        res.type("html").send(page);
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
  app.use(createGeoRouter({ services: o.services, logger, publicUrl: config.publicUrl }));
  app.use(createDeskRouter({ services: o.services, logger, bodyLimitBytes: o.config.bodyLimitBytes }));
  app.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    if (isStorageFull(err)) o.guards.readiness.noteStorageFull();
    sendHttpError(err, res, logger);
  });

  const fast = [...front, guard];
  let graphqlPost: NodeMiddleware[] | undefined;
  // A body declared larger than the limit is refused before a byte of it is read, and the
  // connection closed (reading it to its end only to refuse it would cost the whole upload).
  const refuseOversized = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const declared = Number(req.headers["content-length"]);
    if (!(declared > config.bodyLimitBytes)) return false;
    res.setHeader("Connection", "close");
    sendJson(res, 413, {
      errors: [
        {
          message: `the request body is ${declared} bytes; the limit is ${config.bodyLimitBytes}`,
          extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE, limit: config.bodyLimitBytes },
        },
      ],
    });
    return true;
  };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (refuseOversized(req, res)) return;
    const url = req.url ?? "";
    if (req.method === "POST" && graphqlSteps.length && (url === "/graphql" || url.startsWith("/graphql?"))) {
      graphqlPost ??= [...fast, ...graphqlSteps];
      runSteps(graphqlPost, req, res, (err) => {
        if (res.headersSent) req.socket.destroy();
        else sendHttpError(err ?? new Error("no step answered POST /graphql"), res, logger);
      });
    } else app(req, res);
  };
  return { app, listener, graphqlSteps, refuseOversized };
}

/**
 * What the client gets when a step fails: malformed JSON and oversized bodies are the client's
 * mistake (400/413 with a code, never a 500); anything else is a 500 whose detail is in the log.
 */
function sendHttpError(err: unknown, res: http.ServerResponse, logger: Logger): void {
  // the database's faults: as the GraphQL answers say them (503 with Retry-After, 507)
  if (isDatabaseUnavailable(err)) {
    logger.warn({ err }, "database unavailable during a request");
    return sendRefusal(res, unavailable());
  }
  if (isStorageFull(err)) {
    logger.error({ err }, "the database's disk is full");
    return sendRefusal(res, storageFull());
  }
  const e = err as Error & { status?: number };
  const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 500;
  if (status === 500) logger.error({ err }, "unhandled HTTP error");
  const code = status === 413 ? ErrorCode.PAYLOAD_TOO_LARGE : status === 500 ? ErrorCode.INTERNAL_SERVER_ERROR : "BAD_REQUEST";
  sendJson(res, status, { errors: [{ message: status === 500 ? "Internal server error" : e.message, extensions: { code } }] });
}

function isLoopback(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const a = ipaddr.process(ip); // an IPv4-mapped IPv6 address as IPv4
  return a.range() === "loopback";
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

/**
 * A middleware that only sets and removes headers that do not depend on the request (helmet with
 * fixed directives), run once at start-up: every request then gets the same headers in one step,
 * instead of a dozen middlewares each setting one. The middleware must finish at once.
 */
function fixedHeaders(middleware: NodeMiddleware): NodeMiddleware {
  const set: Array<[string, string | number | readonly string[]]> = [];
  const removed: string[] = [];
  const probe = {
    setHeader: (name: string, value: string | number | readonly string[]) => void set.push([name, value]),
    removeHeader: (name: string) => void removed.push(name),
  } as unknown as http.ServerResponse;
  let done = false;
  middleware({ headers: {}, method: "GET", url: "/" } as NodeRequest, probe, (err) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error("fixedHeaders: the middleware did not finish at once");
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}
