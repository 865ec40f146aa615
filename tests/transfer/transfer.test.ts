/** Export and import: export, import into an empty database, export again gives identical files. */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { createToken, recordStatus } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";
import { manifestOf } from "../../src/modules/transfer/dump";
import { readSeedData } from "../../src/modules/dataset/dataset";

const run = promisify(execFile);
const DIST = path.join(__dirname, "..", "..", "dist", "scripts");
const { DATABASE_URL: _x, ...baseEnv } = process.env;
const cli = (script: string, args: string[], url: string) =>
  run(process.execPath, [path.join(DIST, script), ...args], {
    env: { ...baseEnv, DATABASE_URL: url, LOG_LEVEL: "silent", SEED_ON_EMPTY: "false" },
    maxBuffer: 64 * 1024 * 1024,
  });

let s: TestServer;
let empty: TestDatabase;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-dump-"));
beforeAll(async () => {
  s = await startTestServer();
  empty = await createTestDatabase();
  // some history beyond the seed, with a correction and an archived platform
  const { token } = await createToken(s, { name: "exporter", role: "ADMIN" });
  const call = (query: string, variables: Record<string, unknown>): Promise<any> => s.gql(query, variables, { token });
  // a platform under construction whose only event is its baseline (the data set's history moves others on)
  const uc = await call(`{ platforms(filter: { statuses: [UNDER_CONSTRUCTION] }, first: 100) { nodes { id version } } }`, {});
  const id = uc.data.platforms.nodes.find((n: { version: number }) => n.version === 1).id;
  await recordStatus(s, token, {
    id,
    status: "OPERATIONAL",
    effectiveDate: "2022-09-01",
    source: { title: "开学", url: 'https://example.org/a,b"c' },
    expectedVersion: 1,
    note: '逗号, 引号" 换行\n',
  });
  const a = await call(`mutation { archivePlatform(id: "iflytek-artificial-intelligence-building", expectedVersion: 1) { id } }`, {});
  expect(a.errors).toBeUndefined();
});
afterAll(async () => {
  await s?.close();
  await empty?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it("export → import into an empty database → export gives identical files, in every format", async () => {
  for (const format of ["json", "csv", "geojson"]) {
    await cli("export.js", ["--format", format, "--out", path.join(dir, `a.${format}`)], s.db.url);
  }
  // an empty database: migrations only
  const dry = await cli("import.js", [path.join(dir, "a.json"), "--dry-run"], empty.url);
  expect(dry.stdout).toMatch(/valid: \d+ platforms/);
  const first = await cli("import.js", [path.join(dir, "a.json")], empty.url);
  expect(first.stdout).toMatch(/rows written/);
  const again = await cli("import.js", [path.join(dir, "a.json")], empty.url);
  expect(again.stdout).toContain("nothing changed"); // idempotent
  for (const format of ["json", "csv", "geojson"]) {
    await cli("export.js", ["--format", format, "--out", path.join(dir, `b.${format}`)], empty.url);
    expect(fs.readFileSync(path.join(dir, `b.${format}`), "utf8")).toBe(fs.readFileSync(path.join(dir, `a.${format}`), "utf8"));
  }
  const dump = JSON.parse(fs.readFileSync(path.join(dir, "a.json"), "utf8"));
  expect(dump.platforms.length).toBeGreaterThan(100);
  const seed = readSeedData();
  expect(dump.statusEvents.length).toBe(seed.platforms.length + seed.events.length + 1);
  // the city's figures and the later names travel too (and came back identical above)
  expect(dump.reportedFigures).toHaveLength(seed.figures.length);
  expect(dump.laterNames).toHaveLength(seed.names.length);
  expect(dump.reportedFigures[0]).toEqual(
    expect.objectContaining({ target: expect.any(String), year: expect.any(Number), source: expect.objectContaining({ title: expect.any(String) }) }),
  );
  expect(JSON.stringify(dump)).not.toContain("gzr_"); // no tokens
  const geo = JSON.parse(fs.readFileSync(path.join(dir, "a.geojson"), "utf8"));
  expect(geo.type).toBe("FeatureCollection");
  expect(geo.features.length + geo.numberWithoutLocation).toBe(dump.platforms.length);
}, 240_000);

it("a dry run reports every problem by row and writes nothing; a bad import writes nothing", async () => {
  const dump = JSON.parse(fs.readFileSync(path.join(dir, "a.json"), "utf8"));
  dump.platforms[5].district = "440199";
  dump.platforms[9].kind = "SPACESHIP";
  dump.statusEvents[2].recordedAt = "yesterday";
  const bad = path.join(dir, "bad.json");
  fs.writeFileSync(bad, JSON.stringify(dump));
  const other = await createTestDatabase();
  try {
    const dry = await cli("import.js", [bad, "--dry-run"], other.url).catch((e) => e);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain(`platforms[5] platform '${dump.platforms[5].id}': unknown district code '440199'`);
    expect(dry.stdout).toContain(`platforms[9] platform '${dump.platforms[9].id}': unknown kind 'SPACESHIP'`);
    expect(dry.stdout).toContain("statusEvents[2]");
    const real = await cli("import.js", [bad], other.url).catch((e) => e);
    expect(real.code).toBe(1);
    const out = await cli("export.js", ["--format", "json"], other.url);
    expect(JSON.parse(out.stdout).platforms).toHaveLength(0);
  } finally {
    await other.drop();
  }
});

describe("a dump altered after export is refused, naming the record, and nothing is written", () => {
  const rehash = (d: any) => ({ ...d, manifest: manifestOf(d) });
  const load = () => JSON.parse(fs.readFileSync(path.join(dir, "a.json"), "utf8"));
  /** the index of the platform the extra history was written for (its history: UNDER_CONSTRUCTION → OPERATIONAL) */
  const hk = (d: any) => d.platforms.findIndex((x: any) => x.id === "hkust-guangzhou");
  const eventsOf = (d: any, id: string) => d.statusEvents.map((e: any, i: number) => [e, i]).filter(([e]: any) => e.platformId === id);

  const cases: Array<[string, (d: any) => any, RegExp]> = [
    [
      "one record altered, manifest as exported",
      (d) => ((d.platforms[3].nameEn += " (altered)"), d),
      /manifest: platforms has \d+ records with SHA-256 [0-9a-f]{64}, but the manifest says/,
    ],
    [
      "a status that disagrees with its history",
      (d) => ((d.platforms[hk(d)].status = "SUSPENDED"), rehash(d)),
      /platforms\[\d+\] \(id hkust-guangzhou\): status SUSPENDED disagrees with its history, whose latest event \(id \d+\) says OPERATIONAL/,
    ],
    [
      "a version lowered",
      (d) => ((d.platforms[hk(d)].version = 1), rehash(d)),
      /platforms\[\d+\] \(id hkust-guangzhou\): version 1 is lower than its [2-9]\d* status events/,
    ],
    [
      "a backward move not marked as a correction",
      (d) => {
        const [[last]] = eventsOf(d, "hkust-guangzhou").slice(-1);
        Object.assign(last, { from: "OPERATIONAL", to: "UNDER_CONSTRUCTION", correction: false });
        const [[first]] = eventsOf(d, "hkust-guangzhou");
        first.to = "OPERATIONAL";
        d.platforms[hk(d)].status = "UNDER_CONSTRUCTION";
        return rehash(d);
      },
      /statusEvents\[\d+\] \(id \d+\): OPERATIONAL → UNDER_CONSTRUCTION is not a lifecycle step and is not marked as a correction/,
    ],
    [
      "a deleted event",
      (d) => {
        const [[, i]] = eventsOf(d, "hkust-guangzhou");
        d.statusEvents.splice(i, 1); // its creation
        return rehash(d);
      },
      /statusEvents\[\d+\] \(id \d+\): the history of hkust-guangzhou starts by moving it from [A-Z_]+: the event that created it is missing/,
    ],
  ];

  it.each(cases)(
    "%s",
    async (_name, alter, problem) => {
      const file = path.join(dir, `tampered-${Math.random().toString(36).slice(2)}.json`);
      fs.writeFileSync(file, JSON.stringify(alter(load()), null, 1));
      const dry = await cli("import.js", [file, "--dry-run"], empty.url).catch((e) => e);
      expect(dry.code).toBe(1);
      expect(dry.stdout).toMatch(problem);
      // into the database the intact dump was imported into: refused, and not a row changes
      const before = await cli("export.js", ["--format", "json"], empty.url);
      const real = await cli("import.js", [file], empty.url).catch((e) => e);
      expect(real.code).toBe(1);
      expect(real.stderr).toMatch(problem);
      expect((await cli("export.js", ["--format", "json"], empty.url)).stdout).toBe(before.stdout);
    },
    120_000,
  );

  it("the intact dump carries a manifest that matches it", () => {
    const d = load();
    expect(d.formatVersion).toBe(3);
    expect(d.manifest).toEqual(manifestOf(d));
    expect(d.manifest.platforms.count).toBe(d.platforms.length);
    expect(d.manifest.reportedFigures.count).toBe(d.reportedFigures.length);
  });

  it("a dump of formatVersion 2 (no figures, no later names) is still read, and leaves them as they are", async () => {
    const d = load();
    delete d.reportedFigures;
    delete d.laterNames;
    d.formatVersion = 2;
    d.manifest = manifestOf(d, 2);
    const file = path.join(dir, "v2.json");
    fs.writeFileSync(file, JSON.stringify(d, null, 1));
    const before = await cli("export.js", ["--format", "json"], empty.url);
    const real = await cli("import.js", [file], empty.url);
    expect(real.stdout).toContain("nothing changed");
    expect((await cli("export.js", ["--format", "json"], empty.url)).stdout).toBe(before.stdout);
  }, 120_000);
});
