/** The GraphQL server for HTTP: Apollo Server with its limits, metrics, read-your-writes, SQL counts, response cache and drain. */
import type http from "node:http";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import type { GraphQLFormattedError, GraphQLSchema } from "graphql";
import type { DataSource } from "typeorm";
import type { Config } from "../config";
import type { Context } from "../context";
import { errorStatusPlugin } from "../errors";
import { hasReplicas, lsnPlugin } from "../db/reader";
import { drainHttpServerPlugin } from "../http-drain";
import type { Metrics } from "../metrics";
import { stringifyWithRaw } from "../raw-json";
import { jitGateway } from "./executor";
import { sqlCountPlugin } from "../request-context";
import type { ResponseCache } from "../http/response-cache";
import type { OperationSteps } from "./operation";

export interface ApolloOptions {
  schema: GraphQLSchema;
  /** parse, validate and cost, as both transports take them */
  steps: OperationSteps;
  config: Pick<Config, "introspection" | "exposeSqlCount" | "shutdownTimeoutMs" | "persistedQueries" | "graphqlJit">;
  dataSource: DataSource;
  httpServer: http.Server;
  metrics: Metrics;
  cache: ResponseCache | undefined;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Runs when Apollo drains, after the HTTP server stops accepting (closes the WebSocket server, the change bus). */
  onDrain: () => Promise<void>;
}

export async function createApollo(o: ApolloOptions): Promise<ApolloServer<Context>> {
  const drain: ApolloServerPlugin<Context> = {
    async serverWillStart() {
      return { drainServer: o.onDrain };
    },
  };
  const apollo = new ApolloServer<Context>({
    // validated operations run as compiled code (graphql-jit), or on graphql-js with GRAPHQL_JIT=false
    ...(o.config.graphqlJit ? { gateway: jitGateway(o.schema, (executor) => o.metrics.executions.inc({ executor })) } : { schema: o.schema }),
    validationRules: o.steps.validationRules,
    parseOptions: o.steps.parseOptions,
    // automatic persisted queries: stored in Apollo's bounded in-memory cache, each at most
    // PERSISTED_QUERY_MAX_BYTES (checked before Apollo, src/http/app.ts); PERSISTED_QUERIES=false: none
    persistedQueries: o.config.persistedQueries ? undefined : false,
    introspection: o.config.introspection,
    includeStacktraceInErrorResponses: false,
    formatError: o.formatError,
    // the process handles SIGINT/SIGTERM itself (src/index.ts): one signal, one shutdown
    stopOnTerminationSignals: false,
    // as Apollo's own (JSON plus a newline), with JSON that PostgreSQL built spliced in as text
    stringifyResult: (result) => stringifyWithRaw(result) + "\n",
    plugins: [
      ...o.steps.apolloPlugins,
      errorStatusPlugin<Context>(),
      o.metrics.plugin<Context>(),
      // a plugin is a promise per hook per request: only those with something to do here
      ...(hasReplicas(o.dataSource) ? [lsnPlugin<Context>(o.dataSource)] : []),
      ...(o.config.exposeSqlCount ? [sqlCountPlugin<Context>()] : []),
      ...(o.cache ? [o.cache.plugin<Context>()] : []),
      drainHttpServerPlugin<Context>(o.httpServer, { gracePeriodMs: o.config.shutdownTimeoutMs }),
      drain,
      ApolloServerPluginLandingPageDisabled(),
      // Nothing sets cache hints: Apollo's default cache-control plugin would only hook every field
      // resolution to arrive at "no-store". The HTTP handler says it once
      // per response instead (src/graphql/http.ts).
      ApolloServerPluginCacheControlDisabled(),
      // Nothing about the registry's traffic leaves it, even with APOLLO_KEY in the environment.
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await apollo.start();
  return apollo;
}
