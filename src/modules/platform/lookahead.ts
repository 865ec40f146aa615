/**
 * Which of a platform's relations and columns a query selects, read from the operation before
 * anything is fetched, so that a page (or one platform) and the relations it asks for come in one
 * SQL statement, the way PostGraphile does it, instead of one statement per relation afterwards,
 * and the statement reads only the columns the selected fields need.
 * Relations reached any other way (a zone's children, a district's platforms) still go through
 * the per-request DataLoaders.
 */
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import type { Platform } from "./platform.entity";

export type Relation = "district" | "domains" | "agencies" | "mentions" | "statusHistory";
const RELATIONS: ReadonlySet<string> = new Set<Relation>(["district", "domains", "agencies", "mentions", "statusHistory"]);

/**
 * The field names selected on the platforms at the end of `path` (field names, aliases ignored)
 * below the current field: [] for `platform(id)`, ["nodes"] and ["edges", "node"] for a connection.
 * Fragments and inline fragments count; @skip/@include are not evaluated (a skipped field is
 * read for nothing, never missed).
 */
export function selectedFields(info: GraphQLResolveInfo, ...paths: string[][]): Set<string> {
  const found = new Set<string>();
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
    for (const f of fields(sets)) found.add(f.name.value);
  }
  return found;
}

type Column = keyof Platform & string;
/**
 * The platform columns each GraphQL field of Platform reads (besides the id, always read). A field
 * not listed here (one added later) reads every column, so a new field is never served from a
 * half-read row. tests/query-safety.test.ts compares every field read alone with the whole row.
 */
const FIELD_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  __typename: [], id: [], nameHans: ["nameHans"], nameHant: ["nameHant"], nameEn: ["nameEn"], nameEnEstablished: ["nameEnEstablished"],
  aliases: ["aliases"], kind: ["kind"], level: ["level"], status: ["status"], version: ["version"], note: ["note"], locationNote: ["locationNote"],
  archivedAt: ["archivedAt"], createdAt: ["createdAt"], updatedAt: ["updatedAt"],
  location: ["lng", "lat", "precision"], overseas: ["overseasCity", "overseasCountry"], district: ["districtCode"], zone: ["zoneId"],
  distanceMeters: [], children: [], domains: [], agencies: [], mentions: [], statusHistory: [],
};

/** What to read for the platforms a query selects: the relations to bring along, and the columns (null: all). */
export interface PlatformSelection {
  relations: ReadonlySet<Relation>;
  columns: readonly Column[] | null;
}

export function platformSelection(info: GraphQLResolveInfo, ...paths: string[][]): PlatformSelection {
  const fields = selectedFields(info, ...paths);
  const relations = new Set([...fields].filter((f): f is Relation => RELATIONS.has(f)));
  const columns = new Set<Column>(["id"]);
  for (const f of fields) {
    const cols = FIELD_COLUMNS[f];
    if (!cols) return { relations, columns: null };
    for (const c of cols) columns.add(c);
  }
  return { relations, columns: [...columns] };
}
