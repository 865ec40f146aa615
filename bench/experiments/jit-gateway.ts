/**
 * EXPERIMENT, not part of the registry (measured slower; see bench/README.md, "Measured and not
 * adopted"). To repeat it: `npm install --save-exact graphql-jit@0.8.9`, copy this file to
 * src/graphql/executor.ts, and in src/graphql/apollo.ts replace `schema: o.schema` with
 * `gateway: jitGateway(o.schema)`; build that tree in its own folder and compare it with
 * `node bench/run.mjs --baseline=<the folder without it>`.
 *
 * The GraphQL executor: operations compiled once by graphql-jit and run as plain functions,
 * plugged into Apollo Server through its `gateway` option (Apollo Server 5 has no `executor`
 * option). Apollo keeps doing everything else: parsing and validating (with its document cache),
 * the plugins' lifecycle, error formatting, HTTP status codes.
 *
 * What it changes is only how a validated operation runs: graphql-js walks the document on every
 * request (collecting fields, resolving types, completing values through generic code); graphql-jit
 * generates that walk once per document and keeps it, keyed by the DocumentNode that Apollo's
 * document cache hands back for the same query text.
 *
 * Answers are meant to be the same, byte for byte:
 * - an operation whose variables do not coerce runs no resolver, so it is handed to graphql-js,
 *   which words the error exactly as before (and Apollo answers 400 as before);
 * - introspection (`__schema`, `__type`) runs on graphql-js, as GraphiQL and tools expect it.
 */
import type { ApolloServerOptionsWithGateway, BaseContext } from "@apollo/server";
import { execute, type DocumentNode, type ExecutionResult, type GraphQLSchema } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";

type Gateway = ApolloServerOptionsWithGateway<BaseContext>["gateway"];
type Executor = NonNullable<Awaited<ReturnType<Gateway["load"]>>["executor"]>;

/** Root fields that graphql-js answers: schema introspection. `__typename` is not one of them. */
const INTROSPECTION = /\b__(schema|type)\b/;

export interface JitExecutorOptions {
  /** run everything on graphql-js instead (for comparison); default false */
  disabled?: boolean;
}

/**
 * A compiled-query cache and the function Apollo calls to execute an operation. Exported for the
 * tests, which run both executors on the same operations.
 */
export function createJitExecutor(schema: GraphQLSchema, { disabled = false }: JitExecutorOptions = {}) {
  // One entry per parsed document (and operation name): when Apollo's document cache drops a
  // document, its compiled form goes with it.
  const compiled = new WeakMap<DocumentNode, Map<string | null, CompiledQuery | ExecutionResult>>();

  const graphqlJs = (document: DocumentNode, operationName: string | null, variables: Record<string, unknown> | undefined, context: unknown) =>
    execute({ schema, document, operationName, variableValues: variables, contextValue: context });

  const compiledOf = (document: DocumentNode, operationName: string | null): CompiledQuery | ExecutionResult => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    let c = byName.get(operationName);
    if (!c) {
      c = compileQuery(schema, document, operationName ?? undefined);
      byName.set(operationName, c);
    }
    return c;
  };

  /** operations run as compiled code, and on graphql-js (introspection, variables that do not coerce, disabled) */
  const stats = { compiledRuns: 0, graphqlJsRuns: 0 };

  const run = async function run({
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
    const c = disabled || INTROSPECTION.test(source) ? undefined : compiledOf(document, operationName);
    if (c && isCompiledQuery(c)) {
      const result = await c.query(undefined, context, variables ?? {});
      // With data, the operation ran. Without, its variables did not coerce and no resolver ran:
      // graphql-js words that error the way clients have seen it.
      if (!(result.errors?.length && result.data === undefined)) {
        stats.compiledRuns++;
        return result;
      }
    }
    stats.graphqlJsRuns++;
    return graphqlJs(document, operationName, variables, context);
  };
  return Object.assign(run, { stats });
}

/**
 * Apollo Server's `gateway` option serving one fixed schema with the compiled executor.
 * Use it instead of the `schema` option: `new ApolloServer({ gateway: jitGateway(schema), ... })`.
 */
export function jitGateway(schema: GraphQLSchema, options: JitExecutorOptions = {}): Gateway {
  const run = createJitExecutor(schema, options);
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
