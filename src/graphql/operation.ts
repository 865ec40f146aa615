/**
 * The steps every GraphQL operation takes, on either transport, in this order, each defined here once:
 *
 *   1. ready     the registry is serving                        SERVICE_UNAVAILABLE (HTTP 503, WebSocket close 1013)
 *   2. caller    who pays: the token looked up, the budget      UNAUTHENTICATED (401), RATE_LIMITED (429)
 *   3. bounds    variables and extensions within depth and size, a persisted query within its size   BAD_USER_INPUT (400)
 *   4. parse     within the token limit                         GRAPHQL_PARSE_FAILED
 *   5. validate  graphql-js's rules, graphql-armor's depth, alias and directive limits   GRAPHQL_VALIDATION_FAILED
 *   6. cost      control characters, the fan-out estimate       BAD_USER_INPUT, QUERY_TOO_COMPLEX
 *   7. context   the request's state (src/request-context.ts) and its GraphQL context
 *   8. execute   inside the request's state
 *   9. cache     HTTP only: the response cache keeps a cacheable answer (src/http/response-cache.ts)
 *
 * graphql-ws runs 1–7 in `admit` and 8 through `inRequest`. The HTTP door runs 1–2 as its guards
 * (src/http/guards.ts: the same readiness and the same identify-and-charge, for every route), 3 right
 * after the body is parsed (`bounds`), 4–6 inside Apollo with what this module hands it (`parseOptions`,
 * `validationRules`, `apolloPlugins`), 7 as Apollo's context (`context`), 8 in Apollo, and 9 around it.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from "graphql";
import type { Config } from "../config";
import { createContext, type Context, type Services } from "../context";
import { AppError, ErrorCode } from "../errors";
import type { Caller, RequestGuards } from "../http/guards";
import type { Viewer } from "../modules/auth/token.service";
import { newRequestState, requestContext, type RequestState } from "../request-context";
import { armor, checkOperation, checkVariables, LIMITS, operationLimitsPlugin } from "./limits";

/** An operation as a client sends it. */
export interface OperationRequest {
  query?: unknown;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  extensions?: Record<string, unknown> | null;
}

export interface OperationStepsOptions {
  schema: GraphQLSchema;
  guards: RequestGuards;
  services: Services;
  config: Pick<Config, "persistedQueries" | "persistedQueryMaxBytes">;
}

export class OperationSteps {
  /** 4, for Apollo: the parser's token limit */
  readonly parseOptions = { maxTokens: LIMITS.tokens };
  /** 5, for Apollo: graphql-armor's rules (Apollo adds graphql-js's own) */
  readonly validationRules: ValidationRule[];
  /** 5–6, for Apollo: graphql-armor's plugins and the cost step */
  readonly apolloPlugins: Array<ApolloServerPlugin<Context>>;
  private readonly rules: ValidationRule[];

  constructor(private readonly o: OperationStepsOptions) {
    const protection = armor();
    this.validationRules = protection.validationRules;
    this.rules = [...specifiedRules, ...protection.validationRules];
    this.apolloPlugins = [...(protection.plugins as Array<ApolloServerPlugin<Context>>), operationLimitsPlugin<Context>()];
  }

  /** 1. SERVICE_UNAVAILABLE with the reason, or null when the registry serves. */
  ready(): AppError | null {
    return this.o.guards.readiness.refusal();
  }

  /** 2. Who pays for an operation on a connection whose caller is known: the token looked up again as the database has it now, the budget charged. */
  async recharge(caller: Caller, authorization: string | undefined): Promise<Caller> {
    const again = caller.tokenId ? await this.o.guards.identify(authorization, caller.ip) : caller;
    await this.o.guards.charge(again);
    return again;
  }

  /** 3. BAD_USER_INPUT (HTTP 400) for variables or extensions too deep or too large, or a persisted query too long to keep. */
  bounds(op: OperationRequest): void {
    checkVariables(op.variables ?? null);
    checkVariables(op.extensions ?? null, "extensions");
    const persisted = (op.extensions as { persistedQuery?: unknown } | null)?.persistedQuery;
    const { persistedQueries, persistedQueryMaxBytes } = this.o.config;
    if (persisted && typeof op.query === "string" && persistedQueries && Buffer.byteLength(op.query) > persistedQueryMaxBytes) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `a persisted query may be at most ${persistedQueryMaxBytes} bytes; send this one without persistedQuery`, {
        limit: persistedQueryMaxBytes,
        http: { status: 400 },
      });
    }
  }

  /** 4. The document, or the parse error. */
  parse(query: string): DocumentNode | GraphQLError {
    try {
      return parse(query, this.parseOptions);
    } catch (err) {
      return new GraphQLError((err as Error).message, { extensions: { code: "GRAPHQL_PARSE_FAILED" } });
    }
  }

  /** 5. The validation errors (none: valid). */
  validate(document: DocumentNode): GraphQLError[] {
    return validate(this.o.schema, document, this.rules).map(
      (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: "GRAPHQL_VALIDATION_FAILED" } }),
    );
  }

  /** 6. Throws the coded error of an operation that may not run. */
  cost(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): void {
    checkOperation(this.o.schema, document, operation, variables);
  }

  /** 7. The request's GraphQL context from its state; a state is made for a request that has none yet. */
  context(state: RequestState | undefined, viewer?: Viewer | null): Context {
    const request = (state ?? newRequestState("")) as RequestState<Viewer>;
    if (viewer !== undefined) request.viewer = viewer;
    return createContext(this.o.services, request);
  }

  /**
   * 3–7 for an operation whose caller is known (graphql-ws): its execution arguments, or what refused
   * it. `requestId` names the operation's state (on its log lines).
   */
  admit(caller: Caller, op: OperationRequest & { query: string }, requestId: string): ExecutionArgs | readonly GraphQLError[] {
    try {
      this.bounds(op);
    } catch (err) {
      return [toGraphQLError(err)];
    }
    const document = this.parse(op.query);
    if (document instanceof GraphQLError) return [document];
    const invalid = this.validate(document);
    if (invalid.length) return invalid;
    const operation = getOperationAST(document, op.operationName);
    if (!operation) return [new GraphQLError("the operation to run is not in the document (operationName)", { extensions: { code: "BAD_USER_INPUT" } })];
    try {
      this.cost(document, operation, op.variables ?? {});
    } catch (err) {
      return [toGraphQLError(err)];
    }
    return {
      schema: this.o.schema,
      document,
      operationName: op.operationName,
      variableValues: op.variables,
      contextValue: this.context(newRequestState(requestId), caller.viewer),
    };
  }

  /** 8. Runs `fn` (an execution) inside the state of the request whose context it is given. */
  inRequest<T>(contextValue: unknown, fn: () => T): T {
    const state = (contextValue as Partial<Context> | undefined)?.request;
    return state ? requestContext.run(state, fn) : fn();
  }
}

/** A refusal as GraphQL errors carry it: a coded error as it is, anything else masked. */
function toGraphQLError(err: unknown): GraphQLError {
  return err instanceof GraphQLError ? err : new AppError(ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error");
}
