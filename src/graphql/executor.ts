/**
 * The GraphQL executor: operations compiled once by graphql-jit and run as plain functions,
 * plugged into Apollo Server through its `gateway` option (Apollo Server 5 has no `executor`
 * option). Apollo keeps doing everything else: parsing and validating (with its document cache),
 * the plugins' lifecycle, error formatting, HTTP status codes.
 *
 * What it changes is only how a validated operation runs: graphql-js walks the document on every
 * request (collecting fields, resolving types, completing values through generic code, building
 * each object of the answer as a dictionary); graphql-jit generates that walk once per document
 * and keeps it, keyed by the DocumentNode that Apollo's document cache hands back for the same
 * query text. A page of 50 platforms with their district, domains and agencies is about 1,250
 * field resolutions: bench/README.md, change 26, measures what the compiled walk saves.
 *
 * Answers are the same, byte for byte (tests/graphql/executor.test.ts runs both executors on the
 * same operations):
 * - an operation whose variables do not coerce runs no resolver, so it is handed to graphql-js, which
 *   words the error exactly as before (and Apollo answers 400 as before);
 * - an operation whose variables reach a required input field with a default runs on graphql-js:
 *   graphql-jit 0.8.9 refuses such a field left out, which graphql-js fills in (fillsInputDefaults);
 * - introspection (`__schema`, `__type`) runs on graphql-js, as GraphiQL and tools expect it.
 * Subscriptions (graphql-ws) run on graphql-js.
 */
import type { ApolloServerOptionsWithGateway, BaseContext } from "@apollo/server";
import {
  execute,
  getNamedType,
  getOperationAST,
  GraphQLError,
  isInputObjectType,
  isNonNullType,
  typeFromAST,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { LRUCache } from "lru-cache";

type Gateway = ApolloServerOptionsWithGateway<BaseContext>["gateway"];
type Executor = NonNullable<Awaited<ReturnType<Gateway["load"]>>["executor"]>;

/** How many documents keep their compiled form (the most recently used). */
const COMPILED_DOCUMENTS = 500;

/** Root fields that graphql-js answers: schema introspection. `__typename` is not one of them. */
const INTROSPECTION = /\b__(schema|type)\b/;

/** Which executor ran an operation (counted in registry_graphql_executions_total). */
export type ExecutorName = "compiled" | "graphql-js";

/** The compiled operations, and the function Apollo calls to execute an operation. */
function createJitExecutor(schema: GraphQLSchema, ran: (executor: ExecutorName) => void) {
  // One entry per parsed document (and operation name), for the COMPILED_DOCUMENTS documents used last:
  // a compiled query holds about 35 KB of heap (a 50-platform page, measured), and Apollo's document
  // cache, bounded by the documents' own size, could keep thousands of distinct ones. null: the
  // operation runs on graphql-js (introspection, variables graphql-jit would refuse, no compiled form).
  const compiled = new LRUCache<DocumentNode, Map<string | null, CompiledQuery | null>>({ max: COMPILED_DOCUMENTS });

  const compiledOf = (document: DocumentNode, operationName: string | null, source: string): CompiledQuery | null => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    let c = byName.get(operationName);
    if (c === undefined) {
      const operation = getOperationAST(document, operationName);
      const compile = !INTROSPECTION.test(source) && operation && !fillsInputDefaults(schema, operation);
      const result = compile ? compileQuery(schema, document, operationName ?? undefined) : null;
      c = result && isCompiledQuery(result) ? result : null;
      byName.set(operationName, c);
    }
    return c;
  };

  return async function run({
    document,
    source,
    operationName,
    variables,
    context,
  }: {
    document: DocumentNode;
    source: string;
    operationName: string | null;
    variables: Record<string, unknown> | undefined;
    context: unknown;
  }): Promise<ExecutionResult> {
    const c = compiledOf(document, operationName, source);
    if (c) {
      const result = await c.query(undefined, context, variables ?? {});
      // With data, the operation ran. Without, its variables did not coerce and no resolver ran:
      // graphql-js words that error the way clients have seen it.
      if (!(result.errors?.length && result.data === undefined)) {
        ran("compiled");
        return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
      }
    }
    ran("graphql-js");
    return execute({ schema, document, operationName, variableValues: variables, contextValue: context });
  };
}

/**
 * Whether the operation's variables reach an input field that is required and has a default (the
 * `correction: Boolean! = false` of a status change): graphql-js fills it in when it is left out,
 * graphql-jit 0.8.9 refuses the variables, so such an operation runs on graphql-js from the start.
 */
function fillsInputDefaults(schema: GraphQLSchema, operation: OperationDefinitionNode): boolean {
  const seen = new Set<GraphQLInputObjectType>();
  const reaches = (type: GraphQLInputType | undefined): boolean => {
    const t = type && getNamedType(type);
    if (!isInputObjectType(t) || seen.has(t)) return false;
    seen.add(t);
    return Object.values(t.getFields()).some((f) => (isNonNullType(f.type) && f.defaultValue !== undefined) || reaches(f.type));
  };
  return (operation.variableDefinitions ?? []).some((v) => reaches(typeFromAST(schema, v.type) as GraphQLInputType | undefined));
}

/**
 * Apollo Server's `gateway` option serving one fixed schema with the compiled executor.
 * Use it instead of the `schema` option: `new ApolloServer({ gateway: jitGateway(schema, ran), ... })`;
 * `ran` hears which executor ran each operation.
 */
export function jitGateway(schema: GraphQLSchema, ran: (executor: ExecutorName) => void): Gateway {
  const run = createJitExecutor(schema, ran);
  const executor: Executor = (rc) =>
    run({ document: rc.document, source: rc.source, operationName: rc.operationName, variables: rc.request.variables, context: rc.context });
  return {
    onSchemaLoadOrUpdate(callback) {
      // the schema never changes at run time: announce it once, before load()
      callback({ apiSchema: schema, coreSupergraphSdl: "" });
      return () => undefined;
    },
    async load() {
      return { executor };
    },
    async stop() {},
  };
}

/**
 * An error of a compiled run as graphql-js would have made it. graphql-jit leaves `extensions`
 * undefined when the resolver's error has none (a database error, a bug), and Apollo reads
 * `extensions.code` of every error before formatError sees it: such an error would be answered as
 * an unformatted internal error (HTTP 200) instead of, say, SERVICE_UNAVAILABLE (503).
 */
function asGraphQLJsError(e: GraphQLError): GraphQLError {
  if (e.extensions) return e;
  const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined });
  (error as { locations?: GraphQLError["locations"] }).locations = e.locations;
  return error;
}
