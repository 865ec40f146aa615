/**
 * What an answer was read from, and whether a change can alter it: the response cache keeps each
 * answer until a change touches what it was read from (src/http/response-cache.ts).
 *
 * A read statement declares, as it is sent (src/db/reader.ts `readWith`):
 * - the columns its set of rows, their order or its aggregates depend on (`platform.district_code`;
 *   `platform_domain.*` for any column of a table), and
 * - the platforms whose rows it shows (added after it ran, from its rows: `readPlatforms`).
 * A statement that declares nothing (any TypeORM statement, any read not written for this) makes the
 * answer depend on everything, so forgetting a declaration costs hits, never freshness.
 *
 * Changes come from the database's triggers (migration ChangeDetail): the table, the platforms whose
 * rows changed, and for an update of `platform` the columns that changed. A change that names no rows
 * (a large statement, TRUNCATE, a table that is not a platform's) alters everything.
 */

/** Tables whose rows belong to one platform: a change names the platforms (`platform_id`, or `id` for platform). */
export const PLATFORM_KEYED: ReadonlySet<string> = new Set([
  "platform",
  "platform_domain",
  "platform_agency",
  "platform_mention",
  "platform_name",
  "status_event",
]);

export interface Reads {
  /** something was read that no statement declared: any change may alter the answer */
  everything: boolean;
  /** `table.column` or `table.*` */
  columns: Set<string>;
  /** the platforms whose rows the answer shows */
  platforms: Set<string>;
}

/** What one statement declares it reads. */
export interface ReadDecl {
  columns?: readonly string[];
  platforms?: readonly string[];
}

export interface Change {
  table: string;
  /** the platforms whose rows changed; null: not known (every row may have) */
  platforms: readonly string[] | null;
  /** the columns that changed; null: every column (an insert or a delete, or not known) */
  columns: readonly string[] | null;
}

export function noReads(): Reads {
  return { everything: false, columns: new Set(), platforms: new Set() };
}

/** `reads` after one more statement, which declared `decl` (undefined: declared nothing). */
export function addReads(reads: Reads | undefined, decl: ReadDecl | undefined): Reads {
  const r = reads ?? noReads();
  if (!decl) {
    r.everything = true;
    return r;
  }
  for (const c of decl.columns ?? []) r.columns.add(c);
  for (const id of decl.platforms ?? []) r.platforms.add(id);
  return r;
}

/** The table of a read column (`platform` of `platform.status`). */
const tableOf = (column: string) => column.slice(0, column.indexOf("."));

/** Whether `change` can alter an answer read from `reads`. */
export function alters(change: Change, reads: Reads): boolean {
  const t = change.table;
  if (reads.everything || change.platforms === null) return true;
  if (PLATFORM_KEYED.has(t) && change.platforms.some((id) => reads.platforms.has(id))) return true;
  if (change.columns === null) return [...reads.columns].some((c) => tableOf(c) === t);
  return reads.columns.has(`${t}.*`) || change.columns.some((c) => reads.columns.has(`${t}.${c}`));
}

/**
 * A change as the trigger announced it: JSON `{"t": table, "ids": [...], "cols": [...] | null}`, or a
 * table's name alone (nothing known of the rows).
 */
export function parseChange(payload: string): Change {
  if (payload.startsWith("{")) {
    try {
      const j = JSON.parse(payload) as { t?: unknown; ids?: unknown; cols?: unknown };
      if (typeof j.t === "string") {
        const strings = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null);
        return { table: j.t, platforms: strings(j.ids), columns: strings(j.cols) };
      }
    } catch {
      // not ours: treated as a change to everything
    }
  }
  return { table: payload, platforms: null, columns: null };
}

/** How many bytes the reads hold, roughly (counted with the answer in the cache's bound). */
export function readsSize(r: Reads): number {
  let n = 64;
  for (const id of r.platforms) n += 48 + id.length * 2;
  for (const c of r.columns) n += 48 + c.length * 2;
  return n;
}

/**
 * Which held answers a change may alter, without looking at every answer: the answers that read
 * everything, those that read a column of the changed table, and those showing a platform it names.
 * Each candidate is then checked with `alters`.
 */
export class ReadsIndex {
  private readonly everything = new Set<string>();
  private readonly byTable = new Map<string, Set<string>>();
  private readonly byColumn = new Map<string, Set<string>>();
  private readonly byPlatform = new Map<string, Set<string>>();

  add(key: string, r: Reads): void {
    if (r.everything) this.everything.add(key);
    else for (const [m, k] of this.slots(r)) put(m, k, key);
  }

  remove(key: string, r: Reads): void {
    if (r.everything) this.everything.delete(key);
    else for (const [m, k] of this.slots(r)) take(m, k, key);
  }

  /** Where an answer read from `r` is filed: under each table, column and platform it read. */
  private slots(r: Reads): Array<[Map<string, Set<string>>, string]> {
    const out: Array<[Map<string, Set<string>>, string]> = [];
    for (const c of r.columns) out.push([this.byColumn, c], [this.byTable, tableOf(c)]);
    for (const id of r.platforms) out.push([this.byPlatform, id]);
    return out;
  }

  /** The keys of the answers `change` may alter (a change that names no rows: see `alters`, which the caller handles by emptying). */
  candidates(change: Change): Set<string> {
    const out = new Set(this.everything);
    const { table, columns } = change;
    // every column changed: any answer reading the table; else those reading one of them, or any of the table's
    const readers = columns === null ? [this.byTable.get(table)] : [`${table}.*`, ...columns.map((c) => `${table}.${c}`)].map((c) => this.byColumn.get(c));
    for (const keys of readers) for (const key of keys ?? []) out.add(key);
    if (change.platforms && PLATFORM_KEYED.has(change.table)) {
      for (const id of change.platforms) for (const key of this.byPlatform.get(id) ?? []) out.add(key);
    }
    return out;
  }

  clear(): void {
    this.everything.clear();
    this.byTable.clear();
    this.byColumn.clear();
    this.byPlatform.clear();
  }
}

function put(m: Map<string, Set<string>>, k: string, key: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(key);
}

function take(m: Map<string, Set<string>>, k: string, key: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(key);
  if (!s.size) m.delete(k);
}
