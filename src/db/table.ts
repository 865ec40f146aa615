/**
 * A table's columns, named once: taken from TypeORM's resolved metadata of the entity (the same
 * EntityMetadata a connected DataSource answers with getMetadata()), so the column list of a
 * SELECT, the mapping of a row to an object, the inserts and the upserts all follow the entity.
 * Adding a column is then one edit to the entity (and its migration); tests compare every Table
 * with the running DataSource's metadata and every entity with the migrated schema (tests/db/table.test.ts,
 * tests/db/schema-agreement.test.ts).
 */
import { DataSource, getMetadataArgsStorage, type EntityMetadata } from "typeorm";
import { EntityMetadataBuilder } from "typeorm/metadata-builder/EntityMetadataBuilder";
import type { Queryable } from "./reader";

export interface TableColumn {
  /** the entity's property */
  property: string;
  /** the column's name in the database */
  name: string;
  /** the SQL type as declared on the entity (e.g. "text", "double precision", "jsonb") */
  type: string;
  array: boolean;
  nullable: boolean;
  primary: boolean;
}

/** Parameters for SQL: `$n` placeholders handed out in order, with their values. */
export class Params {
  readonly values: unknown[] = [];
  constructor(initial: readonly unknown[] = []) {
    this.values.push(...initial);
  }
  /** The placeholder for a value: `$1`, `$2`, … */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * TypeORM resolves an entity's metadata against a DataSource's driver and naming strategy. The
 * table layer needs it when modules load, before any connection: a DataSource that is never
 * initialised serves as that context (its constructor opens nothing).
 */
let definitions: DataSource | undefined;
function resolvedMetadata(entity: new () => object): EntityMetadata {
  definitions ??= new DataSource({ type: "postgres" });
  const [meta] = new EntityMetadataBuilder(definitions, getMetadataArgsStorage()).build([entity]);
  if (!meta?.tableName) throw new Error(`${entity.name} is not an @Entity with a name`);
  return meta;
}

/** The SQL type of a column as its entity declares it (a JavaScript type stands for its SQL one). */
function sqlType(type: EntityMetadata["columns"][number]["type"]): string {
  if (typeof type === "string") return type;
  if (type === Number) return "int";
  if (type === Boolean) return "boolean";
  if (type === Date) return "timestamptz";
  return "text";
}

const quote = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`);
const RESERVED = new Set(["offset", "order", "user", "group", "position"]);

export class Table<T extends object> {
  readonly name: string;
  readonly columns: readonly TableColumn[];
  /** property → quoted column name, for SQL written by hand: `p.${P.c.districtCode}` */
  readonly c: { readonly [K in keyof T]-?: string };
  private readonly byName: Map<string, TableColumn>;

  constructor(readonly entity: new () => T) {
    const meta = resolvedMetadata(entity);
    this.name = meta.tableName;
    this.columns = meta.columns.map((col) => ({
      property: col.propertyPath,
      name: col.databaseName,
      type: sqlType(col.type),
      array: col.isArray,
      nullable: col.isNullable,
      primary: col.isPrimary || col.isGenerated,
    }));
    this.byName = new Map(this.columns.map((col) => [col.name, col]));
    this.c = Object.fromEntries(this.columns.map((col) => [col.property, quote(col.name)])) as Table<T>["c"];
  }

  /** The column of a property. */
  column(property: keyof T): TableColumn {
    const col = this.columns.find((x) => x.property === property);
    if (!col) throw new Error(`${this.name} has no column for ${String(property)}`);
    return col;
  }

  /** What a read of these columns depends on (src/reads.ts): `table.column` each; with none, `table.*` (any column). */
  reads(...properties: Array<keyof T>): string[] {
    return properties.length ? properties.map((p) => `${this.name}.${this.column(p).name}`) : [`${this.name}.*`];
  }

  /** `alias.col, alias.col2, …` for every column but the ones left out (or, given `only`, for those alone). */
  select(alias: string, except: ReadonlyArray<keyof T> = [], only?: ReadonlyArray<keyof T>): string {
    return this.columns
      .filter((col) => !except.includes(col.property as keyof T) && (!only || only.includes(col.property as keyof T)))
      .map((col) => `${alias}.${quote(col.name)}`)
      .join(", ");
  }

  /**
   * A row of `alias` as a JSON object keyed by column name: row_to_json for every column, or
   * json_build_object for the named ones (the same keys and values, fewer of them).
   */
  json(alias: string, names: readonly string[] | null = null): string {
    if (!names) return `row_to_json(${alias})`;
    return `json_build_object(${names
      .map((n) => {
        if (!this.byName.has(n)) throw new Error(`${this.name} has no column ${n}`);
        return `'${n}', ${alias}.${quote(n)}`;
      })
      .join(", ")})`;
  }

  /** A row as the entity's properties (columns the row lacks are left out; other keys are ignored). */
  fromRow(row: Record<string, unknown>, into: T = new this.entity()): T {
    const out = into as Record<string, unknown>;
    // for...in, not Object.entries: no pair array per column of every row read
    for (const key in row) {
      const col = this.byName.get(key);
      if (col) out[col.property] = row[key];
    }
    return into;
  }

  /** The columns a write gives, in the table's order, with their placeholders (array columns cast) and values. */
  private bind(values: Partial<Record<keyof T, unknown>>): { given: TableColumn[]; p: Params; placeholders: string[] } {
    const given = this.columns.filter((col) => Object.prototype.hasOwnProperty.call(values, col.property));
    const p = new Params();
    const placeholders = given.map((col) => `${p.add(this.param(col, values[col.property as keyof T]))}${col.array ? `::${col.type}[]` : ""}`);
    return { given, p, placeholders };
  }

  /** A value as pg must receive it: JSON columns as JSON text (pg would send an array as a PostgreSQL array). */
  private param(col: TableColumn, value: unknown): unknown {
    if (value === undefined) return null;
    if ((col.type === "jsonb" || col.type === "json") && value !== null) return JSON.stringify(value);
    return value;
  }

  /**
   * Inserts one row of the given columns (generated and defaulted columns left to the database).
   * Answers the columns named in `returning`, if any.
   */
  async insert<K extends keyof T = never>(
    q: Queryable,
    values: Partial<Record<keyof T, unknown>>,
    returning: readonly K[] = [],
  ): Promise<Pick<Record<keyof T, unknown>, K> | undefined> {
    const { given, p, placeholders } = this.bind(values);
    const ret = returning.length ? ` RETURNING ${returning.map((k) => `${quote(this.column(k).name)} AS "${String(k)}"`).join(", ")}` : "";
    const rows: unknown = await q.query(
      `INSERT INTO ${quote(this.name)} (${given.map((col) => quote(col.name)).join(", ")}) VALUES (${placeholders.join(", ")})${ret}`,
      p.values,
    );
    return Array.isArray(rows) ? (rows[0] as Pick<Record<keyof T, unknown>, K> | undefined) : undefined;
  }

  /** Inserts a row unless one with the same primary key exists (which is left as it is); whether it inserted. */
  async insertIfAbsent(q: Queryable, values: Partial<Record<keyof T, unknown>>): Promise<boolean> {
    const { given, p, placeholders } = this.bind(values);
    const key = this.columns.filter((c) => c.primary).map((c) => quote(c.name));
    const rows: unknown[] = await q.query(
      `INSERT INTO ${quote(this.name)} (${given.map((col) => quote(col.name)).join(", ")}) VALUES (${placeholders.join(", ")}) ON CONFLICT (${key.join(", ")}) DO NOTHING RETURNING 1`,
      p.values,
    );
    return rows.length > 0;
  }

  /**
   * Inserts a row, or updates it where any given column differs (a row that is already equal is
   * not touched, so a second run writes nothing). `insertOnly` columns are written on insert and
   * never changed after; `onUpdate` adds SET clauses for a changed row (e.g. `version = version + 1`).
   * Answers null when nothing was written, else whether the row was inserted.
   */
  async upsert(
    q: Queryable,
    values: Partial<Record<keyof T, unknown>>,
    opts: { key?: ReadonlyArray<keyof T>; insertOnly?: ReadonlyArray<keyof T>; onUpdate?: string[] } = {},
  ): Promise<{ inserted: boolean } | null> {
    const key = (opts.key ?? this.columns.filter((c) => c.primary).map((c) => c.property as keyof T)).map((k) => this.column(k));
    const { given, p, placeholders } = this.bind(values);
    const keyNames = new Set(key.map((k) => k.name));
    const insertOnly = new Set((opts.insertOnly ?? []).map((k) => this.column(k).name));
    const updated = given.filter((col) => !keyNames.has(col.name) && !insertOnly.has(col.name));
    const t = quote(this.name);
    const cols = (list: TableColumn[], prefix = "") => list.map((col) => prefix + quote(col.name)).join(", ");
    const sql =
      `INSERT INTO ${t} (${cols(given)}) VALUES (${placeholders.join(", ")})\n` +
      (updated.length
        ? `ON CONFLICT (${cols(key)}) DO UPDATE SET ${[...updated.map((col) => `${quote(col.name)} = EXCLUDED.${quote(col.name)}`), ...(opts.onUpdate ?? [])].join(", ")}\n` +
          `WHERE (${cols(updated, `${t}.`)}) IS DISTINCT FROM (${cols(updated, "EXCLUDED.")})\n`
        : `ON CONFLICT (${cols(key)}) DO NOTHING\n`) +
      `RETURNING (xmax = 0) AS inserted`;
    const rows: Array<{ inserted: boolean }> = await q.query(sql, p.values);
    return rows[0] ?? null;
  }
}
