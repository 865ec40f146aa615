/**
 * Builds the HTTP server: Express 5 with Apollo Server 5 at /graphql, the GraphiQL IDE
 * served from installed packages (no CDN), and the health endpoints.
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
import { armor, fanOutPlugin } from "./limits";
import { sqlCountPlugin, sqlCounter } from "./db/sql-count";

export interface AppServer {
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
  /** Listen on port/host; resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** Stop accepting, finish in-flight requests (up to the drain timeout), close. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  config: Pick<Config, "graphqlIde" | "introspection" | "shutdownTimeoutMs" | "exposeSqlCount">;
  dataSource: DataSource;
  logger: Logger;
}

export async function createServer({ config, dataSource, logger }: ServerOptions): Promise<AppServer> {
  const app = express();
  app.disable("x-powered-by");
  const httpServer = http.createServer(app);
  const schema = await createSchema();
  const services = createServices(dataSource);

  const protection = armor();
  const apollo = new ApolloServer<Context>({
    schema,
    validationRules: protection.validationRules,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    formatError: makeFormatError(logger),
    plugins: [
      ...protection.plugins,
      fanOutPlugin<Context>(),
      sqlCountPlugin<Context>(config.exposeSqlCount),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    try {
      await dataSource.query("SELECT 1");
      const problems = await schemaProblems(dataSource);
      if (problems.length) res.status(503).json({ status: "unavailable", reason: "schema is not current" });
      else res.json({ status: "ready" });
    } catch {
      res.status(503).json({ status: "unavailable", reason: "database unreachable" });
    }
  });

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

  app.use(
    "/graphql",
    (_req, _res, next) => sqlCounter.run({ statements: 0 }, next),
    express.json({ limit: "1mb" }),
    expressMiddleware(apollo, { context: async () => createContext(services) }),
  );

  // Malformed JSON and oversized bodies are the client's mistake: 400/413 with a code, never a 500.
  app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err }, "unhandled HTTP error");
    const code = status === 413 ? "PAYLOAD_TOO_LARGE" : status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST";
    res.status(status).json({ errors: [{ message: status === 500 ? "Internal server error" : err.message, extensions: { code } }] });
  });

  return {
    httpServer,
    apollo,
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

