/**
 * Which of a platform's relations and columns a query selects, read from the operation before
 * anything is fetched, so that a page (or one platform) and the relations it asks for come in one
 * SQL statement, the way PostGraphile does it, instead of one statement per relation afterwards,
 * and the statement reads only the columns the selected fields need.
 * Relations reached any other way (a zone's children, a district's platforms) still go through
 * the per-request DataLoaders.
 */
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import type { TableColumn } from "../../db/table";
import { AGENCY_TABLE } from "../agency/agency.entity";
import { DISTRICT_TABLE } from "../district/district.entity";
import { DOMAIN_TABLE } from "../domain/domain.entity";
import type { Platform } from "./platform.entity";
import { PLATFORM } from "./platform.store";
import { perNode } from "../../per-node";

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
type Columns = { readonly columns: readonly TableColumn[] };
/** Each table's column properties as a set, made once: columnsOf runs for every request. */
const propertiesOf = new WeakMap<Columns, ReadonlySet<string>>();
const properties = (table: Columns): ReadonlySet<string> => {
  let set = propertiesOf.get(table);
  if (!set) propertiesOf.set(table, (set = new Set(table.columns.map((c) => c.property))));
  return set;
};
type Computed = Readonly<Record<string, readonly string[]>>;

/**
 * The columns that the given fields of an entity need: `always` (its key), what COMPUTED lists for
 * a field that is not a column of the same name, and the column of every other field; null (every
 * column) when a field is neither, so a field added later is never served from a half-read row.
 */
function columnsOf(table: Columns, computed: Computed, always: string, fields: Iterable<string>): string[] | null {
  const columns = new Set<string>([always]);
  for (const f of fields) {
    const cols = computed[f] ?? (properties(table).has(f) ? [f] : null);
    if (!cols) return null;
    for (const c of cols) columns.add(c);
  }
  return [...columns];
}

/**
 * The Platform fields that are not a column of the same name, and the columns they read (besides
 * the id, always read; a relation reads nothing more of the row). tests/platform/query-safety.test.ts
 * compares every field read alone with the whole row.
 */
const COMPUTED: Readonly<Record<string, readonly Column[]>> = {
  __typename: [],
  location: ["lng", "lat", "precision"],
  overseas: ["overseasCity", "overseasCountry"],
  district: ["districtCode"],
  zone: ["zoneId"],
  distanceMeters: [],
  children: [],
  laterNames: [],
  sourceSearches: [],
  domains: [],
  agencies: [],
  mentions: [],
  statusHistory: [],
};

/** The columns that the given Platform fields need, or null when one of them needs them all. */
export function platformColumns(fields: Iterable<string>): Column[] | null {
  return columnsOf(PLATFORM, COMPUTED, "id", fields) as Column[] | null;
}

/**
 * The relations read with a platform as JSON (district, domains, agencies), and for each the
 * fields of its type that are not a column of the same name, with the columns they read.
 */
export type ProjectedRelation = "district" | "domains" | "agencies";
const RELATION_READS: Record<ProjectedRelation, { table: Columns; key: string; computed: Computed }> = {
  district: { table: DISTRICT_TABLE, key: "code", computed: { __typename: [], platformCount: [] } },
  domains: {
    table: DOMAIN_TABLE,
    key: "id",
    computed: { __typename: [], platformCount: [], parent: ["parentId"], children: [], groups: ["alsoIn"], members: [] },
  },
  agencies: { table: AGENCY_TABLE, key: "id", computed: { __typename: [], platformCount: [] } },
};

/** What to read for the platforms a query selects: the relations to bring along, and the columns (null: all). */
export interface PlatformSelection {
  relations: ReadonlySet<Relation>;
  columns: readonly Column[] | null;
  /** for district, domains and agencies: the database columns their selected fields need (null: all) */
  relationColumns: Partial<Record<ProjectedRelation, readonly string[] | null>>;
}

/**
 * What to read for the platforms a resolver returns, from its field in the operation. It depends on
 * the operation's nodes alone (directives are not evaluated), so it is worked out once per field of a
 * parsed document and kept with the node (src/per-node.ts); callers must not change it.
 */
export function platformSelection(info: GraphQLResolveInfo, ...paths: string[][]): PlatformSelection {
  // a field asked for twice under one name (merged by graphql-js) comes as several nodes: not kept
  if (info.fieldNodes.length !== 1) return readSelection(info, paths);
  const byPaths = selectionsOf(info.fieldNodes[0]);
  const key = paths.map((p) => p.join(".")).join("|");
  let read = byPaths.get(key);
  if (!read) byPaths.set(key, (read = readSelection(info, paths)));
  return read;
}
/** A field node's selections, by the paths they were read at. */
const selectionsOf = perNode((_field: FieldNode) => new Map<string, PlatformSelection>());

function readSelection(info: GraphQLResolveInfo, paths: string[][]): PlatformSelection {
  const fields = selectedFields(info, ...paths);
  const nested: Partial<Record<ProjectedRelation, Set<string>>> = {};
  for (const r of Object.keys(RELATION_READS) as ProjectedRelation[]) {
    if (fields.has(r)) nested[r] = selectedFields(info, ...paths.map((p) => [...p, r]));
  }
  return platformRead(fields, nested);
}

/** What to read for the given Platform fields and, for district, domains and agencies, the fields selected on them. */
export function platformRead(fields: Iterable<string>, nested: Partial<Record<ProjectedRelation, Iterable<string>>> = {}): PlatformSelection {
  const all = [...fields];
  const relations = new Set(all.filter((f): f is Relation => RELATIONS.has(f)));
  const relationColumns: PlatformSelection["relationColumns"] = {};
  for (const r of Object.keys(RELATION_READS) as ProjectedRelation[]) {
    if (!relations.has(r)) continue;
    const { table, key, computed } = RELATION_READS[r];
    const props = columnsOf(table, computed, key, nested[r] ?? []);
    relationColumns[r] = props && table.columns.filter((c) => props.includes(c.property)).map((c) => c.name);
  }
  return { relations, columns: platformColumns(all), relationColumns };
}
