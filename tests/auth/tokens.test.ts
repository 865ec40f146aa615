/**
 * Token scopes and ends, through the public doors: a grant of an agency within a district writes
 * inside it and nowhere else (the mutation and the spreadsheet import); a revoked, expired or
 * rotated-away secret is refused on the next read and write over HTTP and graphql-ws, on this
 * instance and another one, and an open subscription is closed when its token ends; a token made
 * before grants existed keeps exactly its rights through the migration.
 */
import pino from "pino";
import type { DataSource } from "typeorm";
import WebSocket from "ws";
import { loadConfig } from "../../src/config";
import { start, type Running } from "../../src/bootstrap";
import { inScope } from "../../src/modules/auth/scope";
import { TokenService, parseExpiry } from "../../src/modules/auth/token.service";
import { buildDataSource } from "../../ormconfig";
import { createTestDatabase } from "../support/db";
import { createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;

const STATUS = `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { id status version } }`;
const IMPORT = `mutation($csv: String!, $dryRun: Boolean) { importStatusUpdates(csv: $csv, dryRun: $dryRun) { applied problems { row column code } } }`;
const SOURCE = { title: "广州市科技局 2021 年重点项目通报", publishedAt: "2021-01-05" };
const READ = `{ platforms(first: 1) { totalCount } }`;

interface PlatformRow {
  id: string;
  district_code: string | null;
  agencies: string[];
  version: number;
  status: string;
}

async function platforms(): Promise<PlatformRow[]> {
  return s.running.db.dataSource.query(
    `SELECT p.id, p.district_code, p.version, p.status,
       coalesce((SELECT array_agg(pa.agency_id) FROM platform_agency pa WHERE pa.platform_id = p.id), '{}') AS agencies
     FROM platform p WHERE p.archived_at IS NULL AND p.status NOT IN ('SUSPENDED', 'CANCELLED') ORDER BY p.id`,
  );
}

function suspend(p: PlatformRow) {
  return { id: p.id, status: "SUSPENDED", effectiveDate: "2021-01-04", expectedVersion: p.version, source: SOURCE };
}

beforeAll(async () => {
  s = await startTestServer();
  await createToken(s); // the registry has an admin, as a live one does
});
afterAll(async () => {
  await s?.close();
});

describe("grants", () => {
  it("an agency within a district writes inside it, and is FORBIDDEN for the agency elsewhere and for other agencies there", async () => {
    const all = await platforms();
    const inside = all.find((p) => p.district_code === "440112" && p.agencies.includes("gz-iit"))!;
    const sameAgencyElsewhere = all.find((p) => p.district_code !== "440112" && p.agencies.includes("gz-iit"))!;
    const otherAgencyThere = all.find((p) => p.district_code === "440112" && !p.agencies.includes("gz-iit"))!;
    expect([inside, sameAgencyElsewhere, otherAgencyThere].every(Boolean)).toBe(true);
    const { token } = await createToken(s, { role: "EDITOR", grants: [{ agency: "gz-iit", district: "440112" }] });

    for (const p of [sameAgencyElsewhere, otherAgencyThere]) {
      const r = await s.gql(STATUS, { input: suspend(p) }, { token });
      expect(r.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    }
    const ok = await s.gql(STATUS, { input: suspend(inside) }, { token });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.updatePlatformStatus).toMatchObject({ id: inside.id, status: "SUSPENDED", version: inside.version + 1 });
    // the refused ones are unchanged
    const after = await platforms();
    for (const p of [sameAgencyElsewhere, otherAgencyThere]) expect(after.find((x) => x.id === p.id)).toEqual(p);
  });

  it("the spreadsheet import applies the same grants row by row, and writes nothing when a row is out of scope", async () => {
    const all = await platforms();
    const inside = all.find((p) => p.district_code === "440112" && p.agencies.includes("gz-iit"))!;
    const sameAgencyElsewhere = all.find((p) => p.district_code !== "440112" && p.agencies.includes("gz-iit"))!;
    const otherAgencyThere = all.find((p) => p.district_code === "440112" && !p.agencies.includes("gz-iit"))!;
    const { token } = await createToken(s, { role: "EDITOR", grants: [{ agency: "gz-iit", district: "440112" }] });
    const header = "id,status,effectiveDate,note,sourceTitle,sourceUrl,sourcePublishedAt,expectedVersion";
    const row = (p: PlatformRow) => `${p.id},SUSPENDED,2021-01-04,,${SOURCE.title},,${SOURCE.publishedAt},${p.version}`;

    const refused = await s.gql(IMPORT, { csv: [header, row(inside), row(sameAgencyElsewhere), row(otherAgencyThere)].join("\n") }, { token });
    expect(refused.errors).toBeUndefined();
    expect(refused.data!.importStatusUpdates.applied).toBe(false);
    const forbidden = refused.data!.importStatusUpdates.problems.filter((p: any) => p.code === "FORBIDDEN").map((p: any) => p.row);
    expect(forbidden.sort()).toEqual([3, 4]);
    expect(await platforms()).toEqual(all);

    const accepted = await s.gql(IMPORT, { csv: [header, row(inside)].join("\n") }, { token });
    expect(accepted.data!.importStatusUpdates).toMatchObject({ applied: true, problems: [] });
  });

  it("the viewer says how many platforms the token may change, per district, and agrees with the rule writes use", async () => {
    const grants = [
      { agency: "gz-iit", district: "440112" },
      { agency: null, district: "440106" },
    ];
    const { token } = await createToken(s, { role: "EDITOR", grants });
    const r = await s.gql(
      `{ viewer { role scope { grants { agencyId districtCode } agencies districts platformCount platformsByDistrict { districtCode count } } } }`,
      {},
      { token },
    );
    expect(r.errors).toBeUndefined();
    const scope = r.data!.viewer.scope;
    expect(scope.grants).toEqual([
      { agencyId: null, districtCode: "440106" },
      { agencyId: "gz-iit", districtCode: "440112" },
    ]);
    expect(scope).toMatchObject({ agencies: [], districts: ["440106"] });
    const all = await s.running.db.dataSource.query(
      `SELECT p.id, p.district_code AS "districtCode", coalesce((SELECT array_agg(pa.agency_id) FROM platform_agency pa WHERE pa.platform_id = p.id), '{}') AS agencies
       FROM platform p WHERE p.archived_at IS NULL`,
    );
    const mine = all.filter((p: any) => inScope({ role: "EDITOR", grants }, p));
    expect(scope.platformCount).toBe(mine.length);
    const perDistrict = new Map<string, number>();
    for (const p of mine) perDistrict.set(p.districtCode, (perDistrict.get(p.districtCode) ?? 0) + 1);
    expect(scope.platformsByDistrict.map((d: any) => [d.districtCode, d.count])).toEqual([...perDistrict.entries()].sort());
    expect(new Set(mine.map((p: any) => p.districtCode))).toEqual(new Set(["440106", "440112"]));
  });

  it("create refuses unknown agencies and districts in grants, and an editor without any", async () => {
    const tokens = new TokenService(s.running.db.dataSource);
    await expect(tokens.create({ name: "x", role: "EDITOR", grants: [{ agency: "no-such", district: "440112" }] })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      extensions: { field: "grants", unknown: ["no-such"] },
    });
    await expect(tokens.create({ name: "x", role: "EDITOR", grants: [{ agency: "gz-stic", district: "999999" }] })).rejects.toMatchObject({
      extensions: { field: "grants", unknown: ["999999"] },
    });
    await expect(tokens.create({ name: "x", role: "EDITOR" })).rejects.toMatchObject({ extensions: { field: "grants" } });
  });
});

/** A graphql-ws connection with one subscription open; resolves `closed` with the close code. */
function subscribe(url: string, token: string): Promise<{ acked: boolean; closed: Promise<{ code: number; reason: string }>; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace("http", "ws") + "/graphql", "graphql-transport-ws");
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on("close", (code, reason) => r({ code, reason: String(reason) })));
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === "connection_ack") {
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: `subscription { platformStatusChanged { event { to } } }` } }));
        setTimeout(() => resolve({ acked: true, closed, ws }), 200);
      }
    });
    closed.then((c) => resolve({ acked: false, closed: Promise.resolve(c), ws }));
    ws.on("error", reject);
  });
}

/** Opens a connection and runs one query over it; the answer's error codes, or the close code when the connection is refused. */
function wsQuery(url: string, token: string, query: string): Promise<{ codes: string[]; closeCode?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace("http", "ws") + "/graphql", "graphql-transport-ws");
    const codes: string[] = [];
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === "connection_ack") ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
      else if (msg.type === "next") codes.push(...(msg.payload.errors ?? []).map((e: any) => e.extensions?.code));
      else if (msg.type === "error") codes.push(...msg.payload.map((e: any) => e.extensions?.code));
      if (msg.type === "complete" || msg.type === "error") ws.close(1000);
    });
    ws.on("close", (code) => resolve({ codes, closeCode: code === 1000 ? undefined : code }));
    ws.on("error", reject);
  });
}

describe("ends: revoke, expiry, rotation", () => {
  let other: Running;
  let otherUrl: string;
  let tokens: TokenService;
  beforeAll(async () => {
    // a second instance on the same database: an end must reach it too
    other = await start(
      loadConfig({ DATABASE_URL: s.db.url, PORT: "0", HOST: "127.0.0.1", SEED_ON_EMPTY: "false", LOG_LEVEL: "silent", RATE_LIMIT_PER_IP: "0" }),
      pino({ level: "silent" }),
    );
    otherUrl = `http://127.0.0.1:${other.port}`;
    tokens = new TokenService(s.running.db.dataSource);
  });
  afterAll(async () => {
    await other?.shutdown();
  });

  async function read(url: string, token: string) {
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: READ }),
    });
    const body: any = await res.json();
    return { status: res.status, code: body.errors?.[0]?.extensions?.code as string | undefined };
  }

  async function expectRefusedEverywhere(token: string) {
    for (const url of [s.url, otherUrl]) {
      expect(await read(url, token)).toEqual({ status: 401, code: "UNAUTHENTICATED" });
      const p = (await platforms())[0];
      const w = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: STATUS, variables: { input: suspend(p) } }),
      });
      expect(w.status).toBe(401);
      expect(await wsQuery(url, token, READ)).toEqual({ codes: [], closeCode: 4401 });
    }
  }

  it("a revoked token is refused on the next read and write on both instances, and its open subscriptions are closed", async () => {
    const { token, id } = await createToken(s, { role: "ADMIN" });
    // used, so that any cache has seen it valid
    for (const url of [s.url, otherUrl]) expect(await read(url, token)).toEqual({ status: 200, code: undefined });
    expect(await wsQuery(otherUrl, token, READ)).toEqual({ codes: [] });
    const subs = await Promise.all([subscribe(s.url, token), subscribe(otherUrl, token)]);
    expect(subs.map((x) => x.acked)).toEqual([true, true]);

    await tokens.revoke(id);
    await expectRefusedEverywhere(token);
    const closes = await Promise.all(subs.map((x) => x.closed));
    expect(closes.map((c) => c.code)).toEqual([4401, 4401]);
  });

  it("a rotated token: the old secret is refused everywhere from the next request on, the new one works with the same id and grants", async () => {
    const { token, id } = await createToken(s, { role: "EDITOR", grants: [{ agency: "gz-iit", district: "440112" }] });
    for (const url of [s.url, otherUrl]) expect(await read(url, token)).toEqual({ status: 200, code: undefined });
    const sub = await subscribe(otherUrl, token);
    const { token: fresh, info } = await tokens.rotate(id);
    expect(fresh).not.toBe(token);
    expect(fresh.startsWith(`gzr_${id}_`)).toBe(true);
    expect(info).toMatchObject({ tokenId: id, grants: [{ agency: "gz-iit", district: "440112" }] });
    await expectRefusedEverywhere(token);
    expect((await sub.closed).code).toBe(4401);
    const who = await s.gql(`{ viewer { tokenId scope { grants { agencyId districtCode } } } }`, {}, { token: fresh });
    expect(who.data!.viewer).toEqual({ tokenId: id, scope: { grants: [{ agencyId: "gz-iit", districtCode: "440112" }] } });
    expect(await read(otherUrl, fresh)).toEqual({ status: 200, code: undefined });
  });

  it("an expired token is refused like a revoked one, and its open subscription is closed when it expires", async () => {
    const { token } = await createToken(s, { role: "ADMIN", expiresAt: new Date(Date.now() + 3000) });
    expect(await read(s.url, token)).toEqual({ status: 200, code: undefined });
    const sub = await subscribe(otherUrl, token);
    expect(sub.acked).toBe(true);
    const closed = await sub.closed;
    expect(closed.code).toBe(4401);
    await expectRefusedEverywhere(token);
    // revoke and rotate of an expired token change nothing but the record of its end
    const [row] = await s.running.db.dataSource.query(`SELECT id FROM api_token WHERE expires_at IS NOT NULL ORDER BY created_at DESC LIMIT 1`);
    await expect(tokens.rotate(row.id)).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("--expires takes a duration, a date (valid through that day in Guangzhou) or an instant, in the future", () => {
    const now = new Date("2026-12-07T12:00:00Z");
    expect(parseExpiry("30s", now).toISOString()).toBe("2026-12-07T12:00:30.000Z");
    expect(parseExpiry("12h", now).toISOString()).toBe("2026-12-08T00:00:00.000Z");
    expect(parseExpiry("90d", now).toISOString()).toBe("2027-03-07T12:00:00.000Z");
    expect(parseExpiry("2027-06-30", now).toISOString()).toBe("2027-06-30T16:00:00.000Z");
    expect(parseExpiry("2027-01-01T09:00:00+08:00", now).toISOString()).toBe("2027-01-01T01:00:00.000Z");
    for (const bad of ["", "90", "1y", "2027-02-30", "2026-12-01", "-5d", "tomorrow"]) {
      expect(() => parseExpiry(bad, now)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ field: "expires" }) }));
    }
  });
});

describe("tokens made before grants existed", () => {
  it("keep exactly their rights through the migration", async () => {
    const db = await createTestDatabase();
    const ds = buildDataSource(db.url, { poolMax: 2 });
    await ds.initialize();
    try {
      await ds.runMigrations();
      // back to the schema before grants (the down migrations, the latest first), with the plan's reference data and platforms copied in
      const applied = async () => (await ds.query(`SELECT 1 FROM typeorm_migrations WHERE name = 'TokenGrants1764600000000'`)).length > 0;
      while (await applied()) await ds.undoLastMigration();
      await copyPlatforms(ds);
      await ds.query(
        `INSERT INTO api_token (id, name, role, agencies, districts, token_hash) VALUES
          ('oldeditor001', 'old editor', 'EDITOR', '{gz-iit}', '{440106}', repeat('a', 64)),
          ('oldadmin0001', 'old admin', 'ADMIN', '{}', '{}', repeat('b', 64))`,
      );
      const oldScope: Array<{ id: string }> = await ds.query(
        `SELECT p.id FROM platform p WHERE p.district_code = ANY('{440106}') OR EXISTS (
           SELECT 1 FROM platform_agency pa WHERE pa.platform_id = p.id AND pa.agency_id = ANY('{gz-iit}')) ORDER BY p.id`,
      );
      expect(oldScope.length).toBeGreaterThan(0);
      await ds.runMigrations();

      const tokens = new TokenService(ds);
      const editor = (await tokens.byId("oldeditor001"))!;
      expect(editor.grants).toEqual([
        { agency: null, district: "440106" },
        { agency: "gz-iit", district: null },
      ]);
      const all: Array<{ id: string; districtCode: string | null; agencies: string[] }> = await ds.query(
        `SELECT p.id, p.district_code AS "districtCode", coalesce((SELECT array_agg(pa.agency_id) FROM platform_agency pa WHERE pa.platform_id = p.id), '{}') AS agencies
         FROM platform p ORDER BY p.id`,
      );
      expect(all.filter((p) => inScope(editor, p)).map((p) => p.id)).toEqual(oldScope.map((p) => p.id));
      expect((await tokens.reach(editor)).platformCount).toBe(oldScope.length);
      const oldAdmin = (await tokens.byId("oldadmin0001"))!;
      expect(oldAdmin).toMatchObject({ role: "ADMIN", grants: [] });
      expect(all.every((p) => inScope(oldAdmin, p))).toBe(true);
    } finally {
      await ds.destroy();
      await db.drop();
    }
  }, 120000);
});

/** The seeded server's districts, agencies, domains and platforms with their agencies, copied into another database through plain SQL. */
async function copyPlatforms(ds: DataSource): Promise<void> {
  const src = s.running.db.dataSource;
  const copy = async (table: string, columns: string[]) => {
    const rows: Array<Record<string, unknown>> = await src.query(`SELECT ${columns.join(", ")} FROM ${table}`);
    for (const r of rows) {
      await ds.query(
        `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
        columns.map((c) => r[c]),
      );
    }
  };
  await copy("district", ["code", "name_hans", "name_hant", "name_en", "centroid_lng", "centroid_lat"]);
  await copy("agency", ["id", "name_hans", "name_hant", "name_en"]);
  await copy("platform", ["id", "name_hans", "name_hant", "name_en", "kind", "status", "district_code"]);
  await copy("platform_agency", ["platform_id", "agency_id", "position"]);
}
