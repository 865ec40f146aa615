/**
 * The viewer query, and status changes from a spreadsheet (importStatusUpdates and the
 * status:import command): every problem by row and column, all rows or none, scope per row,
 * dry runs that write nothing, and a second load of the same file that adds nothing.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createPlatform, createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
let admin: string, tianhe: string, tianheId: string, revoked: string;

// Tianhe (440106) platforms, and one in Huangpu (440112) outside a Tianhe editor's scope
const TOWN = "tianhe-internet-plus-town"; // UNDER_CONSTRUCTION in the plan
const LAB = "joint-laboratory-of-chemical-geodynamics"; // OPERATIONAL
const BASE = "guangzhou-sci-tech-achievements-transformation-base"; // PLANNED
let HUANGPU: string; // PLANNED, Huangpu: made in beforeAll (the data set's history moves the plan's own on)
const HEADER = "id,status,effectiveDate,note,sourceTitle,sourceUrl,sourcePublishedAt,expectedVersion";
const SRC = "天河区2019年重点项目进展通报,https://example.gov.cn/tianhe/2019,2019-07-01";

const IMPORT = `mutation($csv: String!, $dryRun: Boolean) { importStatusUpdates(csv: $csv, dryRun: $dryRun) {
  dryRun applied changed alreadyRecorded rows { row platformId status outcome from version eventId } problems { row column code message currentVersion } } }`;

async function version(id: string): Promise<number> {
  const r = await s.gql(`query($id: ID!) { platform(id: $id) { version } }`, { id });
  return r.data!.platform.version;
}

/** A fingerprint of the platforms and their history. */
async function checksum(): Promise<string> {
  const [r] = await s.running.db.dataSource.query(`SELECT md5(
      coalesce((SELECT string_agg(p::text, '|' ORDER BY id) FROM platform p), '') ||
      coalesce((SELECT string_agg(e::text, '|' ORDER BY id) FROM status_event e), '')) AS h`);
  return r.h;
}

async function load(csv: string, token: string, dryRun = false) {
  const r = await s.gql(IMPORT, { csv, dryRun }, { token });
  expect(r.errors).toBeUndefined();
  return r.data!.importStatusUpdates;
}

beforeAll(async () => {
  s = await startTestServer();
  admin = (await createToken(s, { name: "city admin", role: "ADMIN" })).token;
  HUANGPU = (await createPlatform(s, admin, { status: "PLANNED", district: "440112", effectiveDate: "2018-09-14" })).id;
  ({ token: tianhe, id: tianheId } = await createToken(s, { name: "Tianhe office", role: "EDITOR", districts: ["440106"] }));
  revoked = (await createToken(s, { name: "gone", role: "EDITOR", agencies: ["gz-stic"], revoked: true })).token;
});
afterAll(async () => {
  await s?.close();
});

describe("viewer", () => {
  const VIEWER = `{ viewer { tokenId name role scope { agencies districts } } }`;

  it("is null without a token", async () => {
    const r = await s.gql(VIEWER);
    expect(r.errors).toBeUndefined();
    expect(r.data!.viewer).toBeNull();
  });

  it("is the editor with its scope, and the admin", async () => {
    const e = await s.gql(VIEWER, {}, { token: tianhe });
    expect(e.data!.viewer).toEqual({ tokenId: tianheId, name: "Tianhe office", role: "EDITOR", scope: { agencies: [], districts: ["440106"] } });
    const a = await s.gql(VIEWER, {}, { token: admin });
    expect(a.data!.viewer).toMatchObject({ name: "city admin", role: "ADMIN", scope: { agencies: [], districts: [] } });
  });

  it("refuses a revoked or unknown token with UNAUTHENTICATED", async () => {
    for (const token of [revoked, "gzr_aaaaaaaaaaaa_" + "b".repeat(43), "nonsense"]) {
      const r = await s.gql(VIEWER, {}, { token });
      expect(r.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
      expect(r.errors?.[0].message).toMatch(/malformed, unknown, revoked, expired or rotated away/);
    }
  });
});

describe("importStatusUpdates", () => {
  it("needs a token", async () => {
    const r = await s.gql(IMPORT, { csv: `${HEADER}\n` });
    expect(r.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    const rv = await s.gql(IMPORT, { csv: `${HEADER}\n` }, { token: revoked });
    expect(rv.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("names unknown and missing columns, and writes nothing", async () => {
    const before = await checksum();
    const r = await load(
      `platform,state,effectiveDate,note,sourceTitle,sourceUrl,sourcePublishedAt,expectedVersion\n${TOWN},OPERATIONAL,2020-01-01,,${SRC},1\n`,
      tianhe,
    );
    expect(r.applied).toBe(false);
    expect(r.problems.map((p: any) => [p.row, p.column, p.code])).toEqual([
      [1, "platform", "BAD_USER_INPUT"],
      [1, "state", "BAD_USER_INPUT"],
      [1, "id", "BAD_USER_INPUT"],
      [1, "status", "BAD_USER_INPUT"],
    ]);
    expect(r.problems.find((p: any) => p.column === "state").message).toMatch(/unknown column "state"/);
    expect(r.problems.find((p: any) => p.column === "status").message).toMatch(/column "status" is missing/);
    expect(await checksum()).toBe(before);
  });

  it("reports every problem by row and column and writes none of the good rows", async () => {
    const before = await checksum();
    const v = await version(TOWN);
    const csv = [
      HEADER,
      `${TOWN},TRIAL_OPERATION,2020-01-15,good row,${SRC},${v}`,
      `${LAB},OPERATIONAL,2999-01-01,future,${SRC},${await version(LAB)}`, // row 3: future date, and LAB is OPERATIONAL already
      `${BASE},PREPARING,2020-02-01,,${SRC.replace("https://example.gov.cn/tianhe/2019", "ftp://x")},${await version(BASE)}`, // row 4: bad URL
      `${HUANGPU},PREPARING,2020-02-01,,${SRC},${await version(HUANGPU)}`, // row 5: outside the scope
      `no-such-platform,PREPARING,2020-02-01,,${SRC},1`, // row 6
      `${LAB},WRECKED,2020-02-01,,${SRC},abc`, // row 7: two problems
    ].join("\n");
    const r = await load(csv, tianhe);
    expect(r.applied).toBe(false);
    expect(r.problems.map((p: any) => [p.row, p.column, p.code])).toEqual([
      [3, "status", "BAD_USER_INPUT"],
      [3, "effectiveDate", "BAD_USER_INPUT"],
      [4, "sourceUrl", "BAD_USER_INPUT"],
      [5, "id", "FORBIDDEN"],
      [6, "id", "NOT_FOUND"],
      [7, "status", "BAD_USER_INPUT"],
      [7, "expectedVersion", "BAD_USER_INPUT"],
    ]);
    expect(r.rows.find((x: any) => x.row === 2)).toMatchObject({ outcome: "CHANGE", from: "UNDER_CONSTRUCTION", version: v + 1, eventId: null });
    expect(await checksum()).toBe(before);
    expect(await version(TOWN)).toBe(v);
  });

  it("finds conflicts and lifecycle mistakes inside the transaction, the single change's codes", async () => {
    const v = await version(TOWN);
    const r = await load(
      [HEADER, `${TOWN},OPERATIONAL,2020-01-15,,${SRC},${v + 5}`, `${BASE},PLANNED,2020-01-15,,${SRC},${await version(BASE)}`].join("\n"),
      tianhe,
    );
    expect(r.problems).toEqual([
      expect.objectContaining({ row: 2, column: "expectedVersion", code: "CONFLICT", currentVersion: v }),
      expect.objectContaining({ row: 3, column: "status", code: "BAD_USER_INPUT" }),
    ]);
  });

  it("dry run: the same answer, nothing written", async () => {
    const before = await checksum();
    const csv = [HEADER, `${TOWN},TRIAL_OPERATION,2020-01-15,,${SRC},${await version(TOWN)}`, `${LAB},SUSPENDED,2020-03-01,,${SRC},${await version(LAB)}`].join(
      "\n",
    );
    const r = await load(csv, tianhe, true);
    expect(r).toMatchObject({ dryRun: true, applied: false, changed: 2, alreadyRecorded: 0, problems: [] });
    expect(r.rows.map((x: any) => x.outcome)).toEqual(["CHANGE", "CHANGE"]);
    expect(await checksum()).toBe(before);
  });

  it("records all rows in one go (BOM, CRLF, blank lines, two steps of one platform); a second load adds nothing", async () => {
    const v = await version(TOWN);
    const vl = await version(LAB);
    const csv =
      "\ufeff" +
      [
        HEADER,
        `${TOWN},TRIAL_OPERATION,2020-01-15,"试运行, 第一阶段",${SRC},${v}`,
        "",
        `${TOWN},OPERATIONAL,2020-06-30,,${SRC},${v + 1}`,
        `${LAB},suspended,2020-03-01,,${SRC},${vl}`,
        ",,,,,,,",
      ].join("\r\n") +
      "\r\n";
    const r = await load(csv, tianhe);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ applied: true, changed: 3, alreadyRecorded: 0 });
    expect(r.rows.map((x: any) => [x.row, x.outcome, x.version])).toEqual([
      [2, "CHANGE", v + 1],
      [4, "CHANGE", v + 2],
      [5, "CHANGE", vl + 1],
    ]);
    const p = await s.gql(
      `query($id: ID!) { platform(id: $id) { status version statusHistory { to effectiveDate actor note source { title url publishedAt } } } }`,
      { id: TOWN },
    );
    expect(p.data!.platform).toMatchObject({ status: "OPERATIONAL", version: v + 2 });
    expect(p.data!.platform.statusHistory.slice(0, 2)).toEqual([
      {
        to: "OPERATIONAL",
        effectiveDate: "2020-06-30",
        actor: "Tianhe office",
        note: null,
        source: { title: "天河区2019年重点项目进展通报", url: "https://example.gov.cn/tianhe/2019", publishedAt: "2019-07-01" },
      },
      expect.objectContaining({ to: "TRIAL_OPERATION", note: "试运行, 第一阶段" }),
    ]);

    // The same file again: its expectedVersions are stale now, yet every row is already recorded
    const before = await checksum();
    const again = await load(csv, tianhe);
    expect(again).toMatchObject({ applied: true, changed: 0, alreadyRecorded: 3, problems: [] });
    expect(again.rows.map((x: any) => x.outcome)).toEqual(["ALREADY_RECORDED", "ALREADY_RECORDED", "ALREADY_RECORDED"]);
    expect(await checksum()).toBe(before);
  });

  it("applies scope per row: the admin may load what the editor may not", async () => {
    const csv = [
      HEADER,
      `${HUANGPU},PREPARING,2020-02-01,,${SRC},${await version(HUANGPU)}`,
      `${BASE},PREPARING,2020-02-01,,${SRC},${await version(BASE)}`,
    ].join("\n");
    const editor = await load(csv, tianhe);
    expect(editor.problems.map((p: any) => [p.row, p.column, p.code])).toEqual([[2, "id", "FORBIDDEN"]]);
    expect(editor.rows[1].outcome).toBe("CHANGE");
    const byAdmin = await load(csv, admin);
    expect(byAdmin).toMatchObject({ applied: true, changed: 2, problems: [] });
  });

  it("refuses an empty file and a file with only its header", async () => {
    expect((await load("", tianhe)).problems).toEqual([expect.objectContaining({ row: 1, column: null, code: "BAD_USER_INPUT" })]);
    expect((await load(`\ufeff${HEADER}\r\n`, tianhe)).problems[0].message).toMatch(/no rows below the header/);
    expect((await load(`${HEADER}\n"unclosed,OPERATIONAL\n`, tianhe)).problems[0].message).toMatch(/not valid CSV/);
  });
});

describe("npm run status:import", () => {
  const run = promisify(execFile);
  const SCRIPT = path.join(__dirname, "..", "..", "dist", "scripts", "status-import.js");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-import-"));
  const env = () => {
    const { DATABASE_URL: _x, ...rest } = process.env;
    return { ...rest, DATABASE_URL: s.db.url, LOG_LEVEL: "silent" };
  };
  const cli = async (args: string[]) => {
    try {
      const r = await run(process.execPath, [SCRIPT, ...args], { env: env() });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it("exits 1 and prints every problem by row and column; nothing is written", async () => {
    const file = path.join(dir, "bad.csv");
    fs.writeFileSync(
      file,
      [
        HEADER,
        `${BASE},UNDER_CONSTRUCTION,2020-05-01,,${SRC},${await version(BASE)}`,
        `${HUANGPU},UNDER_CONSTRUCTION,2999-05-01,,${SRC},1`,
        `${HUANGPU},UNDER_CONSTRUCTION,2020-05-01,,${SRC},${await version(HUANGPU)}`,
      ].join("\n"),
    );
    const before = await checksum();
    const r = await cli([file, "--as", tianheId]);
    expect(r.code).toBe(1);
    // row 3 has three faults, all reported: out of scope, a future date, a stale version
    expect(r.stderr).toContain("4 problem(s); nothing was written");
    expect(r.stderr).toContain(`row 3, column id: FORBIDDEN: platform ${HUANGPU} is outside this token's scope`);
    expect(r.stderr).toContain("row 3, column effectiveDate: BAD_USER_INPUT: effectiveDate is in the future");
    expect(r.stderr).toMatch(/row 3, column expectedVersion: CONFLICT: platform .* is at version \d+, not 1/);
    expect(r.stderr).toContain(`row 4, column id: FORBIDDEN: platform ${HUANGPU} is outside this token's scope`);
    expect(await checksum()).toBe(before);
  });

  it("dry run exits 0 and writes nothing; the real run records as the token named by --as", async () => {
    const file = path.join(dir, "good.csv");
    fs.writeFileSync(file, "\ufeff" + [HEADER, `${BASE},UNDER_CONSTRUCTION,2020-05-01,,${SRC},${await version(BASE)}`].join("\n"));
    const before = await checksum();
    const dry = await cli([file, "--as", tianheId, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run: would record 1 change\(s\); 0 row\(s\) already recorded; nothing was written/);
    expect(await checksum()).toBe(before);
    const real = await cli([file, "--as", tianheId]);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/row 2: .*PREPARING → UNDER_CONSTRUCTION/);
    const p = await s.gql(`query($id: ID!) { platform(id: $id) { status statusHistory { actor } } }`, { id: BASE });
    expect(p.data!.platform.status).toBe("UNDER_CONSTRUCTION");
    expect(p.data!.platform.statusHistory[0].actor).toBe("Tianhe office");
    const again = await cli([file, "--as", tianheId]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/recorded 0 change\(s\); 1 row\(s\) already recorded/);
  });

  it("a large file's dry run reports the same counts through the API and the CLI", async () => {
    // every platform in force, each to SUSPENDED (a lifecycle step from any state but the two ends), twice over
    // for a second row per platform (the version after the first), as a city-wide sheet would carry
    const { token, id: tokenId } = await createToken(s, { name: "city sheet", role: "ADMIN" });
    const ps: Array<{ id: string; version: number; status: string }> = await s.running.db.dataSource.query(
      `SELECT id, version, status FROM platform WHERE archived_at IS NULL AND status NOT IN ('SUSPENDED', 'CANCELLED') ORDER BY id`,
    );
    expect(ps.length).toBeGreaterThan(50);
    const lines = [HEADER];
    for (const p of ps) {
      lines.push(`${p.id},SUSPENDED,2026-01-05,,${SRC},${p.version}`);
      lines.push(`${p.id},${p.status},2026-01-06,,${SRC},${p.version + 1}`);
    }
    const csv = lines.join("\n");
    const before = await checksum();
    const api = await load(csv, token, true);
    expect(api).toMatchObject({ dryRun: true, applied: false, changed: ps.length * 2, alreadyRecorded: 0, problems: [] });
    const file = path.join(dir, "city.csv");
    fs.writeFileSync(file, csv);
    const c = await cli([file, "--as", tokenId, "--dry-run"]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain(`dry run: would record ${api.changed} change(s); ${api.alreadyRecorded} row(s) already recorded`);
    expect(await checksum()).toBe(before);
  }, 60000);

  it("refuses a missing --as, and a revoked or unknown token id", async () => {
    expect((await cli([path.join(dir, "good.csv")])).code).toBe(2);
    const r = await cli([path.join(dir, "good.csv"), "--as", "nosuchtoken0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no active token with id nosuchtoken0/);
  });
});
