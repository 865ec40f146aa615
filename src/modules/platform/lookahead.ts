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
import { PLATFORM } from "./platform.store";

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
const COLUMNS: ReadonlySet<string> = new Set(PLATFORM.columns.map((c) => c.property));
/**
 * The Platform fields that are not a column of the same name, and the columns they read (besides
 * the id, always read; a relation reads nothing more of the row). Any other field that is a column
 * reads that column; a field that is neither (one added later) reads every column, so a new field
 * is never served from a half-read row. tests/query-safety.test.ts compares every field read alone
 * with the whole row.
 */
const COMPUTED: Readonly<Record<string, readonly Column[]>> = {
  __typename: [], location: ["lng", "lat", "precision"], overseas: ["overseasCity", "overseasCountry"], district: ["districtCode"], zone: ["zoneId"],
  distanceMeters: [], children: [], domains: [], agencies: [], mentions: [], statusHistory: [],
};

/** The columns that the given Platform fields need, or null when one of them needs them all. */
export function platformColumns(fields: Iterable<string>): Column[] | null {
  const columns = new Set<Column>(["id"]);
  for (const f of fields) {
    const cols = COMPUTED[f] ?? (COLUMNS.has(f) ? [f as Column] : null);
    if (!cols) return null;
    for (const c of cols) columns.add(c);
  }
  return [...columns];
}

/** What to read for the platforms a query selects: the relations to bring along, and the columns (null: all). */
export interface PlatformSelection {
  relations: ReadonlySet<Relation>;
  columns: readonly Column[] | null;
}

export function platformSelection(info: GraphQLResolveInfo, ...paths: string[][]): PlatformSelection {
  const fields = selectedFields(info, ...paths);
  return { relations: new Set([...fields].filter((f): f is Relation => RELATIONS.has(f))), columns: platformColumns(fields) };
}
