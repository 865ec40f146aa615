/**
 * The spreadsheet door as officials use it: files in every encoding Excel writes and as .xlsx (made
 * here, at test time) through the command line and the API; Excel's dates, the desk's status words
 * and the template's labels; every fault of a row at once; text read with the wrong encoding
 * refused (the mutation too); dry runs that cite only events that exist; the pre-filled sheet's
 * round trip (scope, 401, unchanged, filled in); and every CSV written with a BOM and formula-like
 * cells neutralised while the data stays verbatim.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parse } from "csv-parse/sync";
import { TokenService, type Viewer } from "../../src/modules/auth/token.service";
import { inScope } from "../../src/modules/status/status.service";
import { createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { csvFile, csvText, editXlsx, encode, xlsxFile, xlsxRows, xlsxSheetNames } from "../support/sheets";

let s: TestServer;
let admin: string, tianhe: string, tianheId: string, agencyEditor: string;
let tianheViewer: Viewer;

const TOWN = "tianhe-internet-plus-town";
const HUANGPU = "human-cell-lineage-research-facility";
const HEADER = ["id", "status", "effectiveDate", "note", "sourceTitle", "sourceUrl", "sourcePublishedAt", "expectedVersion"];
const RARE = "𠮷"; // U+20BB7: in GB18030, not in GBK

const IMPORT = `mutation($csv: String, $file: String, $dryRun: Boolean, $expectedHash: String) {
  importStatusUpdates(csv: $csv, file: $file, dryRun: $dryRun, expectedHash: $expectedHash) {
    dryRun applied changed alreadyRecorded unchanged format contentHash
    rows { row platformId status outcome from version eventId effectiveDate note sourceTitle }
    problems { row column code message currentVersion } } }`;

let serial = 0;
/** A source title no earlier test used, so no row is "already recorded" by accident. */
const source = (what = "天河区重点项目进展通报") => `${what}（第${++serial}期）`;

interface Facts {
  id: string;
  nameHans: string;
  nameHant: string;
  status: string;
  version: number;
}
async function facts(id: string): Promise<Facts> {
  const r = await s.gql(`query($id: ID!) { platform(id: $id) { id nameHans nameHant status version } }`, { id });
  return r.data!.platform;
}
/** A status the platform may move to, and back again next time: SUSPENDED, then OPERATIONAL. */
const next = (p: Facts) => (p.status === "SUSPENDED" ? "OPERATIONAL" : "SUSPENDED");

async function tianhePlatforms(): Promise<Facts[]> {
  const r = await s.gql(`{ platforms(filter: { districts: ["440106"] }, first: 100) { nodes { id nameHans nameHant status version } } }`);
  return r.data!.platforms.nodes.filter((p: Facts) => p.status !== "CANCELLED");
}

async function checksum(): Promise<string> {
  const [r] = await s.running.db.dataSource.query(`SELECT md5(
      coalesce((SELECT string_agg(p::text, '|' ORDER BY id) FROM platform p), '') ||
      coalesce((SELECT string_agg(e::text, '|' ORDER BY id) FROM status_event e), '')) AS h`);
  return r.h;
}

async function importFile(bytes: Buffer, token: string, opts: { dryRun?: boolean; expectedHash?: string } = {}) {
  const r = await s.gql(IMPORT, { file: bytes.toString("base64"), dryRun: !!opts.dryRun, expectedHash: opts.expectedHash ?? null }, { token });
  expect(r.errors).toBeUndefined();
  return r.data!.importStatusUpdates;
}

async function lastEvent(id: string) {
  const r = await s.gql(
    `query($id: ID!) { platform(id: $id) { status version statusHistory { id to effectiveDate actor note source { title url publishedAt } } } }`,
    { id },
  );
  return { ...r.data!.platform, event: r.data!.platform.statusHistory[0] };
}

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-sheet-"));
async function cli(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _x, ...rest } = process.env;
  try {
    const r = await run(process.execPath, [path.join(__dirname, "..", "..", "dist", "scripts", `${script}.js`), ...args], {
      env: { ...rest, DATABASE_URL: s.db.url, LOG_LEVEL: "silent" },
      encoding: "buffer",
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8") };
  } catch (err) {
    const e = err as { code: number; stdout: Buffer; stderr: Buffer };
    return { code: e.code, stdout: e.stdout.toString("utf8"), stderr: e.stderr.toString("utf8") };
  }
}
function file(name: string, bytes: Buffer): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  return f;
}

beforeAll(async () => {
  s = await startTestServer();
  admin = (await createToken(s, { name: "city admin", role: "ADMIN" })).token;
  ({ token: tianhe, id: tianheId } = await createToken(s, { name: "天河区科工信局", role: "EDITOR", districts: ["440106"] }));
  tianheViewer = (await new TokenService(s.running.db.dataSource).byId(tianheId))!;
  agencyEditor = (await createToken(s, { name: "STIC desk", role: "EDITOR", agencies: ["gz-stic"] })).token;
});
afterAll(async () => {
  await s?.close();
});

describe("reading the files officials make", () => {
  it("stores a GB18030 CSV (Excel's CSV on Chinese Windows) exactly, a character outside GBK included", async () => {
    const p = await facts(TOWN);
    const note = `试运行第一阶段，${RARE}字号已核对`;
    const title = source("天河区科技工业和信息化局通报");
    const bytes = csvFile([HEADER, [TOWN, next(p), "2021-06-01", note, title, "", "2021-06-02", p.version]], "gb18030");
    expect(bytes.includes(Buffer.from(note, "utf8"))).toBe(false); // really not UTF-8
    // the preview shows the note as read, before anything is written
    const before = await checksum();
    const preview = await importFile(bytes, tianhe, { dryRun: true });
    expect(preview).toMatchObject({ format: "csv (GB18030)", problems: [], changed: 1 });
    expect(preview.rows[0]).toMatchObject({ note, sourceTitle: title, eventId: null });
    expect(await checksum()).toBe(before);

    const r = await cli("status-import", [file("gb18030.csv", bytes), "--as", tianheId]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("read csv (GB18030)");
    const after = await lastEvent(TOWN);
    expect(after.event).toMatchObject({ to: next(p), effectiveDate: "2021-06-01", note, source: { title, url: null, publishedAt: "2021-06-02" } });
    const [raw] = await s.running.db.dataSource.query(`SELECT note FROM status_event WHERE id = $1`, [after.event.id]);
    expect(raw.note).toBe(note);
    expect(raw.note).not.toContain("\ufffd");
  });

  it.each(["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom"] as const)("reads %s the same", async (encoding) => {
    const p = await facts(TOWN);
    const note = `验收通过 ${RARE} 備註`;
    const r = await importFile(csvFile([HEADER, [TOWN, next(p), "2021-06-01", note, source(), "", "", p.version]], encoding), tianhe, { dryRun: true });
    expect(r.problems).toEqual([]);
    expect(r.format).toBe({ utf8: "csv (UTF-8)", "utf8-bom": "csv (UTF-8)", "utf16le-bom": "csv (UTF-16LE)", "utf16be-bom": "csv (UTF-16BE)" }[encoding]);
    expect(r.rows[0]).toMatchObject({ platformId: TOWN, status: next(p), note, outcome: "CHANGE" });
  });

  it("reads an .xlsx: bilingual headers, date cells, numbers without float noise, Chinese status words, empty columns and rows", async () => {
    const [a, b] = (await tianhePlatforms()).filter((x) => x.id !== TOWN);
    const ta = source();
    const tb = source();
    const bytes = await xlsxFile([
      {
        name: "Sheet1",
        rows: [
          [
            "平台编号 id",
            "新状态 status",
            "生效日期 effectiveDate",
            "备注 note",
            "来源标题 sourceTitle",
            "来源网址 sourceUrl",
            "来源发布日期 sourcePublishedAt",
            "版本 expectedVersion",
            null,
            null,
          ],
          [
            a.id,
            a.status === "SUSPENDED" ? "运行" : "暂停",
            new Date(Date.UTC(2021, 5, 1)),
            0.1 + 0.2,
            ta,
            { text: "https://example.gov.cn/a", hyperlink: "https://example.gov.cn/a" },
            new Date(Date.UTC(2021, 5, 2)),
            a.version,
          ],
          [],
          [b.nameHant, b.status === "SUSPENDED" ? "運行" : "暫停", "2021年6月3日", `备注 ${RARE}`, tb, null, null, b.version],
        ],
      },
    ]);
    const before = await checksum();
    const r = await cli("status-import", [file("updates.xlsx", bytes), "--as", tianheId]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/read xlsx/);
    expect(r.stdout).toMatch(/recorded 2 change\(s\)/);
    expect(await checksum()).not.toBe(before);
    const ea = await lastEvent(a.id);
    expect(ea.event).toMatchObject({
      to: next(a),
      effectiveDate: "2021-06-01",
      note: "0.3",
      source: { title: ta, url: "https://example.gov.cn/a", publishedAt: "2021-06-02" },
    });
    const eb = await lastEvent(b.id); // named by its Traditional name
    expect(eb.event).toMatchObject({ to: next(b), effectiveDate: "2021-06-03", note: `备注 ${RARE}`, source: { title: tb } });
  });

  it("turns away .xls, .ods and other files with one sentence saying what to save as", async () => {
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512, 1)]);
    const r = await importFile(xls, tianhe, { dryRun: true });
    expect(r.problems).toEqual([expect.objectContaining({ row: 1, column: null, code: "BAD_USER_INPUT" })]);
    expect(r.problems[0].message).toMatch(/Excel 97-2003 workbook \(\.xls\).*save it in Excel as "Excel Workbook \(\*\.xlsx\)"/);
    const c = await cli("status-import", [file("old.xls", xls), "--as", tianheId]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/row 1: BAD_USER_INPUT: this is an Excel 97-2003 workbook/);
    expect(c.stderr).not.toMatch(/Invalid Opening Quote|control characters/);
    const zip = Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), Buffer.alloc(26), Buffer.from("mimetypeapplication/vnd.oasis.opendocument.spreadsheet")]);
    expect((await importFile(zip, tianhe, { dryRun: true })).problems[0].message).toMatch(/OpenDocument file \(\.ods\)/);
  });

  it("takes what Excel writes back: dates, statuses in any case or script, code headers in any case, trailing empty columns", async () => {
    const ps = (await tianhePlatforms()).slice(0, 5);
    // later than the changes the tests above recorded on these platforms (a change may not take effect before a platform's latest one)
    const forms = [
      ["2022/6/1", "2022-06-01"],
      ["2022.6.2", "2022-06-02"],
      ["2022年6月3日", "2022-06-03"],
      ["2022-6-4", "2022-06-04"],
      ["2022/06/05 0:00", "2022-06-05"],
    ];
    const word = (p: Facts, i: number) =>
      next(p) === "SUSPENDED" ? ["suspended", "暂停", "暫停", "Suspended", "SUSPENDED"][i] : ["operational", "运行", "運行", "Operational", "OPERATIONAL"][i];
    const rows = [["ID", "Status", "EFFECTIVEDATE", "note", "sourceTitle", "sourceUrl", "sourcePublishedAt", "expectedVersion", "", ""]];
    ps.forEach((p, i) => rows.push([p.id, word(p, i), forms[i][0], "", source(), "", forms[(i + 1) % 5][0], String(p.version), "", ""]));
    rows.push(["", "", "", "", "", "", "", "", "", ""]);
    const r = await importFile(csvFile(rows, "utf8-bom"), tianhe, { dryRun: true });
    expect(r.problems).toEqual([]);
    expect(r.rows.map((x: any) => [x.platformId, x.status, x.effectiveDate])).toEqual(ps.map((p, i) => [p.id, next(p), forms[i][1]]));
  });

  it("names a platform by its exact name in either script; an ambiguous name lists the candidates", async () => {
    const [a, b] = await tianhePlatforms();
    const r = await importFile(
      csvFile(
        [HEADER, [a.nameHans, next(a), "2022-06-01", "", source(), "", "", a.version], [b.nameHant, next(b), "2022-06-01", "", source(), "", "", b.version]],
        "utf8",
      ),
      tianhe,
      { dryRun: true },
    );
    expect(r.problems).toEqual([]);
    expect(r.rows.map((x: any) => x.platformId)).toEqual([a.id, b.id]);

    // give another platform a's Simplified name as its Traditional one: the name now fits two
    const original = (await facts(HUANGPU)).nameHant;
    await s.write(`UPDATE platform SET name_hant = $1 WHERE id = $2`, [a.nameHans, HUANGPU]);
    try {
      const amb = await importFile(csvFile([HEADER, [a.nameHans, next(a), "2022-06-01", "", source(), "", "", a.version]], "utf8"), tianhe, { dryRun: true });
      expect(amb.problems).toEqual([expect.objectContaining({ row: 2, column: "id", code: "BAD_USER_INPUT" })]);
      expect(amb.problems[0].message).toContain(`is the name of 2 platforms`);
      expect(amb.problems[0].message).toContain(a.id);
      expect(amb.problems[0].message).toContain(HUANGPU);
    } finally {
      await s.write(`UPDATE platform SET name_hant = $1 WHERE id = $2`, [original, HUANGPU]);
    }
  });
});

describe("faults", () => {
  it("reports every fault of a row at once, each with its column, in the API and the CLI", async () => {
    const p = await facts(TOWN);
    const rows = [HEADER, [TOWN, "WRECKED", "2021-13-45", "ok", "", "ftp://x", "someday", "abc"], [HUANGPU, "暂停", "2999-01-01", "", source(), "", "", "1"]];
    const r = await importFile(csvFile(rows, "utf8"), tianhe);
    expect(r.applied).toBe(false);
    const h = await facts(HUANGPU);
    expect(r.problems.map((x: any) => [x.row, x.column, x.code])).toEqual([
      [2, "status", "BAD_USER_INPUT"],
      [2, "effectiveDate", "BAD_USER_INPUT"],
      [2, "sourceTitle", "BAD_USER_INPUT"],
      [2, "sourceUrl", "BAD_USER_INPUT"],
      [2, "sourcePublishedAt", "BAD_USER_INPUT"],
      [2, "expectedVersion", "BAD_USER_INPUT"],
      [3, "id", "FORBIDDEN"],
      [3, "effectiveDate", "BAD_USER_INPUT"],
      ...(h.version === 1 ? [] : [[3, "expectedVersion", "CONFLICT"]]),
    ]);
    expect((await facts(TOWN)).version).toBe(p.version);
    const c = await cli("status-import", [file("faults.csv", csvFile(rows, "utf8")), "--as", tianheId]);
    expect(c.code).toBe(1);
    for (const col of ["status", "effectiveDate", "sourceTitle", "sourceUrl", "sourcePublishedAt", "expectedVersion"])
      expect(c.stderr).toContain(`row 2, column ${col}: `);
  });

  it("refuses text holding U+FFFD or control characters at its row and column, saying the encoding is probably wrong", async () => {
    const p = await facts(TOWN);
    const before = await checksum();
    // what a UTF-8 reader makes of GBK bytes, and what a Latin-1 reader makes of UTF-8
    const garbled = new TextDecoder("utf-8").decode(encode("试运行", "gb18030"));
    const latin1 = Buffer.from("运行", "utf8").toString("latin1");
    const r = await importFile(
      csvFile(
        [HEADER, [TOWN, next(p), "2021-06-01", garbled, source(), "", "", p.version], [TOWN, next(p), "2021-06-01", "", latin1, "", "", p.version]],
        "utf8",
      ),
      tianhe,
    );
    expect(r.problems.map((x: any) => [x.row, x.column, x.code])).toEqual([
      [2, "note", "BAD_USER_INPUT"],
      [3, "sourceTitle", "BAD_USER_INPUT"],
    ]);
    expect(r.problems[0].message).toMatch(/U\+FFFD at character 1.*probably read with the wrong encoding/);
    expect(r.problems[1].message).toMatch(/U\+0090 at character 3 .*wrong encoding/);
    expect(await checksum()).toBe(before);

    // the same rule for the single change (C0 controls are refused for every operation at the door, src/graphql/limits.ts)
    const one = await s.gql(
      `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { version } }`,
      {
        input: {
          id: TOWN,
          status: next(p),
          effectiveDate: "2021-06-01",
          note: `ok ${garbled}`,
          source: { title: `通报${latin1}` },
          expectedVersion: p.version,
        },
      },
      { token: tianhe },
    );
    expect(one.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(one.errors?.[0].message).toMatch(/note: note holds U\+FFFD at character 4 .*wrong encoding/);
    expect(one.errors?.[0].message).toMatch(/source.title: title holds U\+0090 at character 5 .*wrong encoding/);
    expect(await checksum()).toBe(before);
  });

  it("a dry run says what would happen and cites only events that exist", async () => {
    const p = await facts(TOWN);
    const title = source();
    const row = [TOWN, next(p), "2021-06-01", "", title, "", "", p.version];
    // the same change twice: the second row would find the first's event, which a dry run never writes
    const r = await importFile(csvFile([HEADER, row, row], "utf8"), tianhe, { dryRun: true });
    expect(r.problems).toEqual([]);
    expect(r.rows.map((x: any) => [x.outcome, x.eventId])).toEqual([
      ["CHANGE", null],
      ["ALREADY_RECORDED", null],
    ]);
    // recorded for real, the ids are real
    const real = await importFile(csvFile([HEADER, row, row], "utf8"), tianhe);
    expect(real.applied).toBe(true);
    expect(real.rows[1].eventId).toBe(real.rows[0].eventId);
    const dry = await importFile(csvFile([HEADER, row], "utf8"), tianhe, { dryRun: true });
    expect(dry.rows[0]).toMatchObject({ outcome: "ALREADY_RECORDED", eventId: real.rows[0].eventId });
    const [n] = await s.running.db.dataSource.query(`SELECT count(*)::int AS n FROM status_event WHERE id = $1`, [real.rows[0].eventId]);
    expect(n.n).toBe(1);
  });

  it("records exactly the previewed content: another content with the preview's hash gets CONFLICT", async () => {
    const p = await facts(TOWN);
    const a = csvFile([HEADER, [TOWN, next(p), "2021-06-01", "", source(), "", "", p.version]], "utf8");
    const b = csvFile([HEADER, [TOWN, next(p), "2021-06-01", "", source(), "", "", p.version]], "utf8");
    const preview = await importFile(a, tianhe, { dryRun: true });
    const before = await checksum();
    const wrong = await s.gql(IMPORT, { file: b.toString("base64"), dryRun: false, expectedHash: preview.contentHash }, { token: tianhe });
    expect(wrong.errors?.[0].extensions?.code).toBe("CONFLICT");
    expect(wrong.errors?.[0].message).toMatch(/not the file that was previewed/);
    expect(await checksum()).toBe(before);
    const right = await importFile(a, tianhe, { expectedHash: preview.contentHash });
    expect(right).toMatchObject({ applied: true, changed: 1, contentHash: preview.contentHash });
  });

  it("needs exactly one of csv and file", async () => {
    const both = await s.gql(IMPORT, { csv: "id\n", file: "aWQK" }, { token: tianhe });
    expect(both.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const none = await s.gql(IMPORT, {}, { token: tianhe });
    expect(none.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("the pre-filled sheet", () => {
  const get = (ext: string, token?: string) => fetch(`${s.url}/desk/sheet.${ext}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("answers 401 without a valid token, listing nothing", async () => {
    for (const ext of ["csv", "xlsx"]) {
      for (const token of [undefined, "gzr_aaaaaaaaaaaa_" + "b".repeat(43)]) {
        const r = await get(ext, token);
        expect(r.status).toBe(401);
        expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
        const body = await r.text();
        expect(JSON.parse(body).errors[0].extensions.code).toBe("UNAUTHENTICATED");
        expect(body).not.toContain(TOWN);
      }
    }
  });

  it("lists exactly the platforms the token may change, with the status words", async () => {
    // every platform with what the scope rule reads, straight from the database
    const all: Array<{ id: string; archivedAt: Date | null; districtCode: string | null; agencies: string[] }> = await s.running.db.dataSource.query(
      `SELECT p.id, p.archived_at AS "archivedAt", p.district_code AS "districtCode",
         coalesce((SELECT array_agg(pa.agency_id) FROM platform_agency pa WHERE pa.platform_id = p.id), '{}') AS agencies FROM platform p`,
    );
    const expected = (v: Viewer) =>
      all
        .filter((p) => !p.archivedAt && inScope(v, p))
        .map((p) => p.id)
        .sort();

    const csv = Buffer.from(await (await get("csv", tianhe)).arrayBuffer());
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records: string[][] = parse(csv.toString("utf8").slice(1), { relax_column_count: true });
    expect(records[0][0]).toMatch(/^# .*新状态 status: PLANNED \(规划\/規劃, Planned\);.*SUSPENDED \(暂停\/暫停, Suspended\)/);
    expect(records[1]).toEqual([
      "平台编号 id",
      "平台名称 nameHans",
      "英文名称 nameEn",
      "所在区 district",
      "类型 kind",
      "当前状态 currentStatus",
      "版本 expectedVersion",
      "新状态 status",
      "生效日期 effectiveDate",
      "备注 note",
      "来源标题 sourceTitle",
      "来源网址 sourceUrl",
      "来源发布日期 sourcePublishedAt",
    ]);
    const ids = records
      .slice(2)
      .map((r) => r[0])
      .sort();
    expect(ids).toEqual(expected(tianheViewer));
    expect(ids).toContain(TOWN);
    expect(ids).not.toContain(HUANGPU);
    const town = records.find((r) => r[0] === TOWN)!;
    const t = await facts(TOWN);
    expect(town.slice(0, 7)).toEqual([
      TOWN,
      t.nameHans,
      expect.any(String),
      "天河区",
      expect.any(String),
      expect.stringContaining(t.status),
      String(t.version),
    ]);
    expect(town.slice(7)).toEqual(["", "", "", "", "", ""]);

    const x = Buffer.from(await (await get("xlsx", agencyEditor)).arrayBuffer());
    expect(await xlsxSheetNames(x)).toEqual(["状态更新 status", "状态词 statuses"]);
    const agencyViewer = (await new TokenService(s.running.db.dataSource).authenticate(agencyEditor))!;
    expect(
      (await xlsxRows(x))
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(expected(agencyViewer));
    expect((await xlsxRows(x, "状态词 statuses")).map((r) => r[0])).toContain("TRIAL_OPERATION");
    // an agency within a district: only that agency's platforms there
    const within = await createToken(s, { name: "STIC in Huangpu", role: "EDITOR", grants: [{ agency: "gz-stic", district: "440112" }] });
    const withinIds = (await xlsxRows(Buffer.from(await (await get("xlsx", within.token)).arrayBuffer())))
      .slice(1)
      .map((r) => String(r[0]))
      .sort();
    expect(withinIds).toEqual(expected((await new TokenService(s.running.db.dataSource).authenticate(within.token))!));
    expect(withinIds.length).toBeGreaterThan(0);
    expect(withinIds.every((id) => all.some((p) => p.id === id && p.districtCode === "440112" && p.agencies.includes("gz-stic")))).toBe(true);
    expect(withinIds.length).toBeLessThan(expected(agencyViewer).length);
    const adminRows = (await xlsxRows(Buffer.from(await (await get("xlsx", admin)).arrayBuffer()))).slice(1);
    expect(adminRows.length).toBe(all.filter((p) => !p.archivedAt).length);
  });

  it("round trip (.xlsx): unchanged it changes nothing and says so; filled in it records exactly those rows", async () => {
    const sheet = Buffer.from(await (await get("xlsx", tianhe)).arrayBuffer());
    const before = await checksum();
    const same = await cli("status-import", [file("sheet.xlsx", sheet), "--as", tianheId]);
    expect(same.stderr).toBe("");
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/nothing to change: the file's \d+ row\(s\) ask for no change; nothing was written/);
    expect(await checksum()).toBe(before);

    const rows = await xlsxRows(sheet);
    const pick = rows
      .map((r, i) => ({ row: i + 1, id: String(r[0]), status: String(r[5]) }))
      .slice(1)
      .filter((p) => !p.status.endsWith("CANCELLED"))
      .slice(0, 2);
    const title = source();
    const edits = pick.flatMap((p) => [
      { row: p.row, col: 8, value: p.status.endsWith("SUSPENDED") ? "运行" : "暂停" },
      { row: p.row, col: 9, value: new Date(Date.UTC(2021, 8, 30)) },
      { row: p.row, col: 10, value: `${RARE} 已复核` },
      { row: p.row, col: 11, value: title },
    ]);
    const filled = await editXlsx(sheet, edits);
    const versions = new Map((await tianhePlatforms()).map((p) => [p.id, p.version]));
    const r = await cli("status-import", [file("filled.xlsx", filled), "--as", tianheId]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`recorded 2 change\\(s\\); 0 row\\(s\\) already recorded; ${rows.length - 3} row\\(s\\) ask for no change`));
    for (const p of await tianhePlatforms()) {
      const changed = pick.some((x) => x.id === p.id);
      expect([p.id, p.version]).toEqual([p.id, versions.get(p.id)! + (changed ? 1 : 0)]);
    }
    for (const p of pick) expect((await lastEvent(p.id)).event).toMatchObject({ effectiveDate: "2021-09-30", note: `${RARE} 已复核`, source: { title } });
  });

  it("round trip (.csv, re-saved by Excel as GB18030 with its dates): one row filled, one change", async () => {
    const text = Buffer.from(await (await get("csv", tianhe)).arrayBuffer())
      .toString("utf8")
      .slice(1);
    const records: string[][] = parse(text, { relax_column_count: true });
    const unchanged = await importFile(encode(csvText(records), "gb18030"), tianhe);
    expect(unchanged).toMatchObject({ applied: false, changed: 0, unchanged: records.length - 2, problems: [] });
    const i = records.findIndex((r) => r[0] === TOWN);
    const t = await facts(TOWN);
    records[i][7] = next(t) === "SUSPENDED" ? "暂停" : "运行";
    records[i][8] = "2021/9/30";
    records[i][9] = "区里复核";
    records[i][10] = source();
    const r = await importFile(encode(csvText(records), "gb18030"), tianhe);
    expect(r).toMatchObject({ applied: true, changed: 1, format: "csv (GB18030)", problems: [] });
    expect(r.rows).toEqual([expect.objectContaining({ row: i + 1, platformId: TOWN, outcome: "CHANGE", note: "区里复核", effectiveDate: "2021-09-30" })]);
    expect(await facts(TOWN)).toMatchObject({ status: next(t), version: t.version + 1 });
  });
});

describe("out, cleanly", () => {
  it("the platforms export: BOM first, a formula-like name neutralised, the stored name unchanged", async () => {
    const formula = '=HYPERLINK("http://evil.example","点此")';
    await s.write(`UPDATE platform SET name_en = $1, name_hant = $2 WHERE id = $3`, [formula, "@SUM(1+1)", TOWN]);
    const out = path.join(dir, "platforms.csv");
    const r = await cli("export", ["--format", "csv", "--out", out]);
    expect(r.code).toBe(0);
    const bytes = fs.readFileSync(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records: string[][] = parse(bytes.toString("utf8").slice(1));
    const header = records[0];
    const town = records.find((x) => x[0] === TOWN)!;
    expect(town[header.indexOf("nameEn")]).toBe(`'${formula}`);
    expect(town[header.indexOf("nameHant")]).toBe("'@SUM(1+1)");
    expect(town[header.indexOf("nameHans")]).toMatch(/^[^'=+\-@]/);
    const stored = await s.gql(`query($id: ID!) { platform(id: $id) { nameEn nameHant } }`, { id: TOWN });
    expect(stored.data!.platform).toEqual({ nameEn: formula, nameHant: "@SUM(1+1)" });
  });

  it("the status history as CSV and .xlsx, from the CLI and the desk: who, when, from, to, effective date, source", async () => {
    const p = await facts(TOWN);
    const title = source("-1+1 通报");
    const note = "=1+2 核对";
    const done = await importFile(
      csvFile([HEADER, [TOWN, next(p), "2021-10-08", note, title, "https://example.gov.cn/h", "2021-10-09", p.version]], "utf8"),
      tianhe,
    );
    expect(done.applied).toBe(true);
    const eventId = done.rows[0].eventId;

    const res = await fetch(`${s.url}/desk/history.csv`);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const web = Buffer.from(await res.arrayBuffer());
    const out = path.join(dir, "history.csv");
    expect((await cli("export", ["--format", "history-csv", "--out", out])).code).toBe(0);
    for (const bytes of [web, fs.readFileSync(out)]) {
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const records: string[][] = parse(bytes.toString("utf8").slice(1));
      expect(records[0]).toEqual([
        "eventId",
        "platformId",
        "nameHans",
        "actor",
        "recordedAt",
        "from",
        "to",
        "effectiveDate",
        "sourceTitle",
        "sourceUrl",
        "sourcePublishedAt",
        "note",
        "correction",
      ]);
      const row = records.find((x) => x[0] === eventId)!;
      expect(row).toEqual([
        eventId,
        TOWN,
        p.nameHans,
        "天河区科工信局",
        expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        p.status,
        next(p),
        "2021-10-08",
        `'${title}`,
        "https://example.gov.cn/h",
        "2021-10-09",
        `'${note}`,
        "",
      ]);
    }
    const xlsxOut = path.join(dir, "history.xlsx");
    expect((await cli("export", ["--format", "history-xlsx", "--out", xlsxOut])).code).toBe(0);
    for (const bytes of [fs.readFileSync(xlsxOut), Buffer.from(await (await fetch(`${s.url}/desk/history.xlsx`)).arrayBuffer())]) {
      const row = (await xlsxRows(bytes)).find((x) => x[0] === eventId)!;
      // an .xlsx holds text cells, never formulas: the words stay as recorded
      expect(row.slice(5, 12)).toEqual([p.status, next(p), "2021-10-08", title, "https://example.gov.cn/h", "2021-10-09", note]);
    }
    const [stored] = await s.running.db.dataSource.query(`SELECT note, source_title FROM status_event WHERE id = $1`, [eventId]);
    expect(stored).toEqual({ note, source_title: title });
  });
});
