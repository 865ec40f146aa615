/**
 * The table layer (src/db/table.ts) names every table's columns from TypeORM's resolved metadata:
 * for every entity, what a Table says (names, types, array-ness, nullability, keys) is what the
 * connected DataSource's getMetadata() says, and an insert through it lands in the migrated table.
 */
import { entities } from "../../ormconfig";
import { Table } from "../../src/db/table";
import { STATUS_EVENT } from "../../src/modules/status/status-event.entity";
import { createPlatform, createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

it("every entity's Table agrees with the running DataSource's metadata", () => {
  const ds = s.running.db.dataSource;
  for (const entity of entities) {
    const table = new Table(entity as new () => object);
    const meta = ds.getMetadata(entity);
    expect(table.name).toBe(meta.tableName);
    expect(table.columns.map((c) => [c.property, c.name, c.array, c.nullable, c.primary])).toEqual(
      meta.columns.map((c) => [c.propertyPath, c.databaseName, c.isArray, c.isNullable, c.isPrimary || c.isGenerated]),
    );
  }
});

it("writes a status event through the table and reads it back with the entity's names", async () => {
  const ds = s.running.db.dataSource;
  const { token } = await createToken(s);
  const { id } = await createPlatform(s, token, { status: "PLANNED" });
  const row = await STATUS_EVENT.insert(
    ds,
    {
      platformId: id,
      from: "PLANNED",
      to: "PREPARING",
      effectiveDate: "2019-05-01",
      datePrecision: "MONTH",
      actor: "test",
      note: null,
      sourceTitle: "t",
      sourceUrl: null,
      sourcePublishedAt: null,
      sourcePublisher: "p",
      correction: false,
      tokenId: null,
    },
    ["id", "datePrecision"],
  );
  expect(row).toEqual({ id: expect.any(String), datePrecision: "MONTH" });
  const [back] = await ds.query(`SELECT ${STATUS_EVENT.select("e")} FROM ${STATUS_EVENT.name} e WHERE e.id = $1`, [row!.id]);
  const event = STATUS_EVENT.fromRow(back);
  expect(event).toMatchObject({ platformId: id, from: "PLANNED", to: "PREPARING", datePrecision: "MONTH", sourcePublisher: "p" });
});
