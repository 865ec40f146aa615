/**
 * Apollo Server on Node's own request and response, through Apollo's integration contract
 * (`executeHTTPGraphQLRequest`): what @as-integrations/express5 does, without Express's request
 * and response objects, so that POST /graphql can be served without walking Express. And the
 * steps POST /graphql takes on the HTTP door after the guards: the JSON body, the request's own
 * bounds, the response cache, then Apollo (mountGraphQL).
 */
import type { ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer, type BaseContext } from "@apollo/server";
import express from "express";
import type { Config } from "../config";
import type { Context } from "../context";
import { AppError } from "../errors";
import type { HttpDoor } from "../http/app";
import { sendJson, type NodeMiddleware, type NodeRequest } from "../http/node";
import type { ResponseCache } from "../http/response-cache";
import type { Logger } from "../logger";
import { currentRequest } from "../request-context";
import type { OperationRequest, OperationSteps } from "./operation";

export type GraphQLHandler = (req: NodeRequest, res: ServerResponse) => Promise<void>;

export function graphqlHandler<T extends BaseContext>(apollo: ApolloServer<T>, context: (req: NodeRequest) => Promise<T>): GraphQLHandler {
  apollo.assertStarted("graphqlHandler()");
  return async (req, res) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const url = req.url ?? "";
    const q = url.indexOf("?");
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? "GET").toUpperCase(), headers, search: q === -1 ? "" : url.slice(q), body: req.body },
      context: () => context(req),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    // GraphQL answers are for the response cache only, never for HTTP caches (as on its hits)
    if (!res.hasHeader("Cache-Control")) res.setHeader("Cache-Control", "no-store");
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      // UTF-8 once: its length is the Content-Length, and the response cache keeps these bytes as they are
      // (a 0.6 MB GeoJSON answer is a two-byte string, which Buffer.byteLength and res.end would each walk)
      const body = Buffer.from(response.body.string);
      // as Express's res.send of a string, which the Express integration used
      if (!res.hasHeader("Content-Type")) res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.setHeader("Content-Length", body.length);
      res.end(body);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

/**
 * Mounts Apollo on /graphql, after the door's guards (steps 1–2 of src/graphql/operation.ts): the
 * JSON body, the bounds (step 3), the response cache, then Apollo (4–8), whose context is step 7.
 */
export function mountGraphQL(
  door: HttpDoor,
  apollo: ApolloServer<Context>,
  o: { config: Config; steps: OperationSteps; cache: ResponseCache | undefined; logger: Logger },
): void {
  const { logger } = o;
  // the request's state, made by the door's first step (src/http/app.ts)
  const handle = graphqlHandler(apollo, async () => o.steps.context(currentRequest()));
  door.graphqlSteps.push(
    express.json({ limit: o.config.bodyLimitBytes }) as NodeMiddleware,
    boundedRequest(o.steps, logger),
    ...(o.cache ? [o.cache.middleware()] : []),
    (req, res, next) => void handle(req, res).catch(next),
  );
}

/**
 * Step 3, right after the body is parsed and before anything walks it (the response cache's key,
 * Apollo): variables and extensions as the body or (GET) the query string give them. A refusal is
 * the client's mistake: 400, logged at info.
 */
function boundedRequest(steps: OperationSteps, logger: Logger): NodeMiddleware {
  return (req, res, next) => {
    let op: OperationRequest | undefined;
    if (req.method === "POST" && req.body && typeof req.body === "object" && !Array.isArray(req.body)) op = req.body as OperationRequest;
    else if (req.method === "GET") {
      const params = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
      const json = (name: string) => {
        const raw = params.get(name);
        try {
          return raw === null ? undefined : (JSON.parse(raw) as Record<string, unknown>);
        } catch {
          return undefined; // Apollo answers malformed JSON itself
        }
      };
      op = { query: params.get("query") ?? undefined, variables: json("variables"), extensions: json("extensions") };
    }
    if (!op) return next();
    try {
      steps.bounds(op);
    } catch (err) {
      if (!(err instanceof AppError)) return next(err);
      logger.info({ reason: err.message }, "request refused before it ran");
      const extensions = { ...err.extensions } as Record<string, unknown>;
      delete extensions.http;
      return sendJson(res, 400, { errors: [{ message: err.message, extensions }] });
    }
    next();
  };
}
