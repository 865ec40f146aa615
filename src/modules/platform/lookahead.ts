/**
 * Which of a platform's relations a query selects, read from the operation before anything is
 * fetched, so that a page (or one platform) and the relations it asks for come in one SQL
 * statement, the way PostGraphile does it, instead of one statement per relation afterwards.
 * Relations reached any other way (a zone's children, a district's platforms) still go through
 * the per-request DataLoaders.
 */
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

export type Relation = "district" | "domains" | "agencies" | "mentions" | "statusHistory";
const RELATIONS: ReadonlySet<string> = new Set<Relation>(["district", "domains", "agencies", "mentions", "statusHistory"]);

/**
 * The relations selected on the platforms at the end of `path` (field names, aliases ignored)
 * below the current field: [] for `platform(id)`, ["nodes"] and ["edges", "node"] for a connection.
 * Fragments and inline fragments count; @skip/@include are not evaluated (a skipped relation is
 * fetched for nothing, never missed).
 */
export function selectedRelations(info: GraphQLResolveInfo, ...paths: string[][]): Set<Relation> {
  const found = new Set<Relation>();
  const fields = (sets: readonly SelectionSetNode[], depth = 0): FieldNode[] => {
    const out: FieldNode[] = [];
    for (const set of sets) {
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) out.push(sel);
        else if (depth < 10 && sel.kind === Kind.INLINE_FRAGMENT) out.push(...fields([sel.selectionSet], depth + 1));
        else if (depth < 10 && sel.kind === Kind.FRAGMENT_SPREAD) {
          const f = info.fragments[sel.name.value];
          if (f) out.push(...fields([f.selectionSet], depth + 1));
        }
      }
    }
    return out;
  };
  const roots = info.fieldNodes.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
  for (const path of paths) {
    let sets = roots;
    for (const name of path) {
      sets = fields(sets).flatMap((f) => (f.name.value === name && f.selectionSet ? [f.selectionSet] : []));
    }
    for (const f of fields(sets)) if (RELATIONS.has(f.name.value)) found.add(f.name.value as Relation);
  }
  return found;
}
