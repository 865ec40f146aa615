/**
 * Query safety, decided before anything runs.
 * - graphql-armor: depth, aliases, directives and tokens (validation rules, HTTP 400).
 * - A fan-out estimate (this registry's own rule, which knows its list fields and their page
 *   sizes): the number of objects the operation could resolve, multiplying each list field's
 *   size along the path. `platforms(first: 100) { nodes { children { children { … } } } }`
 *   is refused with QUERY_TOO_COMPLEX before it runs.
 */
import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { ApolloServerPlugin } from "@apollo/server";
import { Kind, type FragmentDefinitionNode, type SelectionSetNode, type ValueNode } from "graphql";
import { AppError, ErrorCode } from "./errors";

/** Defaults: depth 12, aliases 20, directives 20, tokens 5000, fan-out 50,000 objects. */
export const LIMITS = { depth: 12, aliases: 20, directives: 20, tokens: 5000, fanOut: 50_000 };

export function armor() {
  return new ApolloArmor({
    maxDepth: { n: LIMITS.depth, ignoreIntrospection: true },
    maxAliases: { n: LIMITS.aliases },
    maxDirectives: { n: LIMITS.directives },
    maxTokens: { n: LIMITS.tokens },
    costLimit: { enabled: false }, // replaced by the fan-out estimate below, which knows page sizes
    blockFieldSuggestion: { enabled: false }, // "Did you mean …?" helps the public read API
  }).protect();
}

/** How many items a list field may return when its size is not given by first/last. */
const LIST_SIZE: Record<string, number> = {
  platforms: 20, children: 20, domains: 40, agencies: 30, mentions: 10, statusHistory: 20, districts: 11,
  targets: 100, members: 20, groups: 5, edges: 1, nodes: 1, kind: 15, status: 10, district: 12, domain: 40,
};

function intArg(v: ValueNode | undefined, variables: Record<string, unknown>): number | null {
  if (!v) return null;
  if (v.kind === Kind.INT) return Number(v.value);
  if (v.kind === Kind.VARIABLE) {
    const x = variables[v.name.value];
    return typeof x === "number" ? x : null;
  }
  return null;
}

export function estimateFanOut(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  multiplier = 1,
  seen = new Set<string>(),
): number {
  let total = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      const args = Object.fromEntries((sel.arguments ?? []).map((a) => [a.name.value, a.value]));
      const size = sel.name.value === "platforms"
        ? (intArg(args.first, variables) ?? intArg(args.last, variables) ?? LIST_SIZE.platforms)
        : (LIST_SIZE[sel.name.value] ?? 1);
      const here = multiplier * Math.max(size, 1);
      total += here;
      if (sel.selectionSet) total += estimateFanOut(sel.selectionSet, fragments, variables, here, seen);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      total += estimateFanOut(sel.selectionSet, fragments, variables, multiplier, seen);
    } else {
      const f = fragments[sel.name.value];
      if (f && !seen.has(f.name.value)) {
        total += estimateFanOut(f.selectionSet, fragments, variables, multiplier, new Set([...seen, f.name.value]));
      }
    }
    if (total > 1e12) return total;
  }
  return total;
}

export function fanOutPlugin<T extends object>(limit = LIMITS.fanOut): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          const fragments = Object.fromEntries(
            document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
          );
          if (!operation) return;
          const n = estimateFanOut(operation.selectionSet, fragments, request.variables ?? {});
          if (n > limit) {
            throw new AppError(ErrorCode.QUERY_TOO_COMPLEX, `query could resolve about ${Math.round(n)} objects; the limit is ${limit}. Ask for smaller pages or fewer nested lists.`, {
              estimate: Math.round(n), limit, http: { status: 400 },
            });
          }
        },
      };
    },
  };
}
