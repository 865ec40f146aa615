/**
 * Query safety, decided before anything runs, the same for HTTP (an Apollo plugin) and for
 * graphql-ws (src/graphql/ws.ts calls checkOperation).
 * - graphql-armor: depth, aliases and directives (validation rules, HTTP 400); graphql-js's
 *   parser caps the number of tokens (parseOptions.maxTokens).
 * - A fan-out estimate (this registry's own rule, which knows its list fields and their page
 *   sizes): the number of objects the operation could resolve, multiplying each list field's
 *   size along the path. `platforms(first: 100) { nodes { children { children { … } } } }`
 *   is refused with QUERY_TOO_COMPLEX before it runs.
 */
import { DEFAULT_PAGE } from "../modules/platform/platform.types";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { visit, type DocumentNode, type OperationDefinitionNode } from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import {
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { AppError, ErrorCode } from "../errors";
import { perNode } from "../per-node";

/**
 * Defaults: depth 12, aliases 20, directives 20, tokens 5000, fan-out 50,000 objects; variables
 * (and extensions) nested at most 16 deep, with at most 10,000 values.
 */
export const LIMITS = { depth: 12, aliases: 20, directives: 20, tokens: 5000, fanOut: 50_000, variablesDepth: 16, variablesValues: 10_000 };

/**
 * BAD_USER_INPUT (HTTP 400) when a request's variables or extensions nest deeper or hold more
 * values than LIMITS allow. Walked with a stack of its own, not recursion, so that no depth sent
 * can overflow it; it runs before anything else walks them (the response cache's key, Apollo,
 * graphql-js's coercion).
 */
export function checkVariables(value: unknown, where = "variables"): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let values = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++values > LIMITS.variablesValues) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `${where} hold more than ${LIMITS.variablesValues} values`, {
        limit: LIMITS.variablesValues,
        http: { status: 400 },
      });
    }
    if (v === null || typeof v !== "object") continue;
    if (depth >= LIMITS.variablesDepth) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `${where} are nested more than ${LIMITS.variablesDepth} levels deep`, {
        limit: LIMITS.variablesDepth,
        http: { status: 400 },
      });
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

export function armor() {
  return new ApolloArmor({
    maxDepth: { n: LIMITS.depth, ignoreIntrospection: true },
    maxAliases: { n: LIMITS.aliases },
    maxDirectives: { n: LIMITS.directives },
    // armor's token limit re-parses in parsingDidStart and turns a syntax error into a 500 under
    // Apollo 5; graphql-js's own parse option (ApolloServer parseOptions.maxTokens) does it right.
    maxTokens: { enabled: false },
    costLimit: { enabled: false }, // replaced by the fan-out estimate below, which knows page sizes
    blockFieldSuggestion: { enabled: false }, // "Did you mean …?" helps the public read API
  }).protect();
}

/**
 * How many items a list field is assumed to return when no first/last says. Keyed by field name
 * but applied only to fields whose schema type is a list (a platform's `district` is one object,
 * the facets' `district` a list of counts). Unlisted lists count as DEFAULT_LIST_SIZE.
 */
const LIST_SIZE: Record<string, number> = {
  children: 20,
  domains: 40,
  agencies: 30,
  mentions: 10,
  statusHistory: 20,
  districts: 11,
  targets: 100,
  members: 20,
  groups: 5,
  kind: 15,
  status: 10,
  district: 12,
  domain: 40,
  statusTransitions: 7,
  clusters: 300,
  // a connection's lists are as long as its page, which the connection field already counted
  edges: 1,
  nodes: 1,
};
const DEFAULT_LIST_SIZE = 20;
/** A connection's page size when first/last are not given (the platforms default). */

function intArg(v: ValueNode | undefined, variables: Record<string, unknown>): number | null {
  if (!v) return null;
  if (v.kind === Kind.INT) return Number(v.value);
  if (v.kind === Kind.VARIABLE) {
    const x = variables[v.name.value];
    return typeof x === "number" ? x : null;
  }
  return null;
}

/**
 * The number of objects an operation could resolve: each field counts once per parent, and a
 * field multiplies what is under it by its size — its first/last argument where it takes one
 * (a connection), the assumed length of a list, or 1 for a single object.
 */
export function estimateFanOut(
  schema: GraphQLSchema,
  parent: GraphQLObjectType | GraphQLInterfaceType,
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  multiplier = 1,
  seen = new Set<string>(),
): number {
  let total = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      const def = parent.getFields()[sel.name.value];
      if (!def) continue; // __typename and the like
      const args = Object.fromEntries((sel.arguments ?? []).map((a) => [a.name.value, a.value]));
      const pages = def.args.some((a) => a.name === "first" || a.name === "last");
      const size = pages
        ? (intArg(args.first, variables) ?? intArg(args.last, variables) ?? DEFAULT_PAGE)
        : isListType(getNullableType(def.type))
          ? (LIST_SIZE[sel.name.value] ?? DEFAULT_LIST_SIZE)
          : 1;
      const here = multiplier * Math.max(size, 1);
      total += here;
      const named = getNamedType(def.type);
      if (sel.selectionSet && (isObjectType(named) || isInterfaceType(named))) {
        total += estimateFanOut(schema, named, sel.selectionSet, fragments, variables, here, seen);
      }
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
      if (t && (isObjectType(t) || isInterfaceType(t))) total += estimateFanOut(schema, t, sel.selectionSet, fragments, variables, multiplier, seen);
    } else {
      const f = fragments[sel.name.value];
      const t = f && schema.getType(f.typeCondition.name.value);
      if (f && t && (isObjectType(t) || isInterfaceType(t)) && !seen.has(f.name.value)) {
        total += estimateFanOut(schema, t, f.selectionSet, fragments, variables, multiplier, new Set([...seen, f.name.value]));
      }
    }
    if (total > 1e12) return total;
  }
  return total;
}

/** The fan-out of operations whose estimate depends on no variable (see perNode: the node is the document store's). */
const fixedFanOut = new WeakMap<OperationDefinitionNode, number>();

/** QUERY_TOO_COMPLEX when the operation could resolve more objects than the limit. */
function checkFanOut(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limit: number,
): void {
  const root = schema.getRootType(operation.operation);
  if (!root) return;
  let n = fixedFanOut.get(operation);
  if (n === undefined) {
    const fragments = Object.fromEntries(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    // an estimate that reads no variable (no first/last given as one) is the operation's own: kept
    let readVariable = false;
    const watched = new Proxy(variables, { get: (t, k) => ((readVariable = true), t[k as string]) });
    n = estimateFanOut(schema, root, operation.selectionSet, fragments, watched);
    if (!readVariable) fixedFanOut.set(operation, n);
  }
  if (n > limit) {
    throw new AppError(
      ErrorCode.QUERY_TOO_COMPLEX,
      `query could resolve about ${Math.round(n)} objects; the limit is ${limit}. Ask for smaller pages or fewer nested lists.`,
      {
        estimate: Math.round(n),
        limit,
        http: { status: 400 },
      },
    );
  }
}

/** Control characters other than tab, newline and carriage return (NUL above all: PostgreSQL text cannot hold it). */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function findControl(value: unknown, path: string, depth = 0): string | null {
  if (depth > 20) return null;
  if (typeof value === "string") return CONTROL.test(value) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findControl(value[i], `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const hit = findControl(v, path ? `${path}.${k}` : k, depth + 1);
      if (hit) return hit;
    }
  }
  return null;
}

/** Whether a string literal of the document holds a control character (once per document: perNode). */
const literalHasControl = perNode((document: DocumentNode): boolean => {
  let hit = false;
  visit(document, {
    StringValue(node) {
      if (!hit && CONTROL.test(node.value)) hit = true;
    },
  });
  return hit;
});

/** BAD_USER_INPUT for control characters in variables or string literals. */
function checkControlCharacters(document: DocumentNode, variables: Record<string, unknown>): void {
  const where = findControl(variables, "variables") ?? (literalHasControl(document) ? "a string literal" : null);
  if (where) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `control characters (such as NUL) are not accepted (in ${where})`, { http: { status: 400 } });
  }
}

/**
 * Every check on a parsed, valid operation before it runs (control characters, then fan-out);
 * throws the coded error. graphql-armor's rules (operationRules) run with validation before it.
 */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limit = LIMITS.fanOut,
): void {
  checkControlCharacters(document, variables);
  checkFanOut(schema, document, operation, variables, limit);
}

/** checkOperation as an Apollo Server plugin (the HTTP transport). */
export function operationLimitsPlugin<T extends object>(limit = LIMITS.fanOut): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (operation) checkOperation(schema, document, operation, request.variables ?? {}, limit);
        },
      };
    },
  };
}
