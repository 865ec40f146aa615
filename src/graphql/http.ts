/**
 * Apollo Server on Node's own request and response, through Apollo's integration contract
 * (`executeHTTPGraphQLRequest`): what @as-integrations/express5 does, without Express's request
 * and response objects, so that POST /graphql can be served without walking Express
 * (bench/README.md, change 12). The body is parsed before (body-parser, in src/http/app.ts).
 */
import type { ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer, type BaseContext } from "@apollo/server";
import type { NodeRequest } from "../http/node";

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
      const body = response.body.string;
      // as Express's res.send of a string, which the Express integration used
      if (!res.hasHeader("Content-Type")) res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.setHeader("Content-Length", Buffer.byteLength(body));
      res.end(body);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
