/**
 * Every entity agrees with the migrated schema: the same columns, types, nullability and array-ness
 * (TypeORM's metadata against information_schema of a database the migrations built). A column
 * added to an entity without a migration, or to a migration without the entity, fails here.
 */
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ seed: false });
});
afterAll(async () => {
  await s?.close();
});

/** TypeORM's declared type as information_schema names it. */
const SQL_TYPE: Record<string, string> = {
  text: "text",
  varchar: "character varying",
  "character varying": "character varying",
  int: "integer",
  integer: "integer",
  bigint: "bigint",
  boolean: "boolean",
  "double precision": "double precision",
  jsonb: "jsonb",
  json: "json",
  date: "date",
  timestamptz: "timestamp with time zone",
  character: "character",
  "timestamp with time zone": "timestamp with time zone",
};

it("every entity's columns match its table in the migrated database", async () => {
  const ds = s.running.db.dataSource;
  const problems: string[] = [];
  for (const meta of ds.entityMetadatas) {
    const rows: Array<{ column_name: string; data_type: string; udt_name: string; is_nullable: string }> = await ds.query(
      `SELECT column_name, data_type, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
      [meta.tableName],
    );
    if (!rows.length) {
      problems.push(`${meta.tableName}: no such table`);
      continue;
    }
    const inDb = new Map(rows.map((r) => [r.column_name, r]));
    const inEntity = new Set(meta.columns.map((c) => c.databaseName));
    for (const col of meta.columns) {
      const r = inDb.get(col.databaseName);
      const where = `${meta.tableName}.${col.databaseName}`;
      if (!r) {
        problems.push(`${where}: on the entity ${meta.name}, not in the database`);
        continue;
      }
      const declared =
        typeof col.type === "string"
          ? col.type
          : col.type === Number
            ? "integer"
            : col.type === Boolean
              ? "boolean"
              : col.type === Date
                ? "timestamptz"
                : "text";
      const expected = SQL_TYPE[declared] ?? declared;
      const actual =
        r.data_type === "ARRAY"
          ? SQL_TYPE[
              r.udt_name
                .replace(/^_/, "")
                .replace(/^int4$/, "int")
                .replace(/^float8$/, "double precision")
                .replace(/^varchar$/, "varchar")
            ]
          : r.data_type;
      if (col.isArray !== (r.data_type === "ARRAY")) problems.push(`${where}: array on one side only`);
      if (actual !== expected) problems.push(`${where}: entity says ${expected}, database has ${actual}`);
      const nullable = col.isNullable && !col.isPrimary;
      if (nullable !== (r.is_nullable === "YES"))
        problems.push(`${where}: entity says ${nullable ? "nullable" : "not null"}, database says ${r.is_nullable === "YES" ? "nullable" : "not null"}`);
    }
    for (const name of inDb.keys()) {
      if (!inEntity.has(name)) problems.push(`${meta.tableName}.${name}: in the database, not on the entity ${meta.name}`);
    }
  }
  expect(problems).toEqual([]);
});

it("every table of the migrated database has an entity (join tables and token tables included)", async () => {
  const ds = s.running.db.dataSource;
  const tables: Array<{ table_name: string }> = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'typeorm_migrations' ORDER BY 1`,
  );
  const withEntity = new Set(ds.entityMetadatas.map((m) => m.tableName));
  expect(tables.map((t) => t.table_name).filter((t) => !withEntity.has(t))).toEqual([]);
});
