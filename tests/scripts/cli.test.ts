/**
 * The command-line tools as an operator runs them: the built scripts (`node dist/scripts/...`) on a
 * test database by DATABASE_URL. Every mistake gets a clear message naming what was wrong and a
 * non-zero exit (2: usage, 1: refused); a command that changed nothing says so; nothing prints
 * `undefined`. `npm test` builds dist/ first.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { buildDataSource } from "../../ormconfig";
import { TokenService } from "../../src/modules/auth/token.service";
import { createTestDatabase, type TestDatabase } from "../support/db";

const DIST = path.join(__dirname, "..", "..", "dist", "scripts");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let db: TestDatabase;
let dir: string;

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(DIST, `${script}.js`), ...args],
      { env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: path.join(dir, "data"), LOG_LEVEL: "warn", ...env }, timeout: 120000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Nothing an operator reads may say `undefined` or `null` where a value belongs. */
function expectNoPlaceholders(r: Run): void {
  expect(r.stdout + r.stderr).not.toMatch(/\bundefined\b|\bNaN\b/);
}

async function tokenRows(): Promise<Array<{ id: string; revoked_at: Date | null }>> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(`SELECT id, revoked_at FROM api_token ORDER BY id`)).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-cli-"));
  // the first command on an empty registry loads the plan's data (scopes name its agencies and districts)
  const first = await run("token", ["create", "--role", "admin", "--name", "cli admin"]);
  expect(first.stderr).toBe("");
  expect(first.code).toBe(0);
}, 180000);
afterAll(async () => {
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("token", () => {
  it("create prints the grants and how many platforms they reach, then the token alone on the last line; list shows it; revoke revokes it once", async () => {
    const created = await run("token", [
      "create",
      "--role",
      "editor",
      "--grant",
      "gz-iit@440112",
      "--district",
      "440106",
      "--expires",
      "90d",
      "--name",
      "Huangpu office",
    ]);
    expect(created).toMatchObject({ code: 0, stderr: "" });
    const out = created.stdout.trim().split("\n");
    expect(out).toHaveLength(4);
    expect(out[3]).toMatch(/^gzr_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const m = out[0].match(/^created token ([a-z0-9]{12}) "Huangpu office" \(editor; grants: 440106, gz-iit@440112; expires: (\S+)\)$/)!;
    const id = m[1];
    const days = (Date.parse(m[2]) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);
    // the reach, counted here independently of the service
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query(`SELECT p.district_code AS d, count(*)::int AS n FROM platform p WHERE p.archived_at IS NULL AND (p.district_code = '440106'
        OR (p.district_code = '440112' AND EXISTS (SELECT 1 FROM platform_agency pa WHERE pa.platform_id = p.id AND pa.agency_id = 'gz-iit'))) GROUP BY 1 ORDER BY 1`);
    await c.end();
    const total = rows.reduce((n: number, r: any) => n + r.n, 0);
    expect(rows.map((r: any) => r.d)).toEqual(["440106", "440112"]);
    expect(out[1]).toBe(`it may change ${total} platforms: 440106 天河区 Tianhe District ${rows[0].n}; 440112 黄埔区 Huangpu District ${rows[1].n}`);
    expect(out[2]).toBe("it is shown once; send it as Authorization: Bearer <token>");

    const list = await run("token", ["list"]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+ROLE\s+STATE\s+GRANTS\s+CREATED\s+EXPIRES\s+LAST USED\s+REVOKED$/);
    expect(lines.find((l) => l.startsWith(id))).toMatch(
      new RegExp(`^${id}\\s+Huangpu office\\s+editor\\s+active\\s+440106, gz-iit@440112\\s+\\S+Z\\s+${m[2]}\\s+-\\s+-$`),
    );

    // last used: coarse, written by the first request that uses the token
    const ds = buildDataSource(db.url, { poolMax: 1 });
    await ds.initialize();
    try {
      expect(await new TokenService(ds).authenticate(out[3])).toMatchObject({ tokenId: id });
    } finally {
      await ds.destroy();
    }
    const json = await run("token", ["list", "--json"]);
    const mine = JSON.parse(json.stdout).find((t: any) => t.id === id);
    expect(mine).toMatchObject({
      name: "Huangpu office",
      role: "EDITOR",
      state: "active",
      grants: ["440106", "gz-iit@440112"],
      revokedAt: null,
      expiresAt: new Date(m[2]).toISOString(),
    });
    expect(Date.now() - Date.parse(mine.lastUsedAt)).toBeLessThan(60_000);

    const revoked = await run("token", ["revoke", id]);
    expect(revoked).toMatchObject({ code: 0, stderr: "" });
    expect(revoked.stdout).toBe(`revoked token ${id} "Huangpu office"; it is refused from the next request on\n`);
    expect((await tokenRows()).find((t) => t.id === id)!.revoked_at).not.toBeNull();

    // a second time changes nothing, and says so
    const again = await run("token", ["revoke", id]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr).toMatch(new RegExp(`^token: token ${id} was already revoked at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; nothing changed\\n$`));
  }, 120000);

  it("rotate prints a new secret for the same id and grants; the old secret is refused, the new one accepted", async () => {
    const created = await run("token", ["create", "--role", "editor", "--grant", "gz-stic@440112", "--name", "rotating desk"]);
    const old = created.stdout.trim().split("\n").pop()!;
    const id = old.slice(4, 16);
    const rotated = await run("token", ["rotate", id]);
    expect(rotated).toMatchObject({ code: 0, stderr: "" });
    const out = rotated.stdout.trim().split("\n");
    expect(out[0]).toBe(`rotated token ${id} "rotating desk" (same grants: gz-stic@440112); the old secret is refused from the next request on`);
    const fresh = out[out.length - 1];
    expect(fresh).toMatch(new RegExp(`^gzr_${id}_[A-Za-z0-9_-]{43}$`));
    expect(fresh).not.toBe(old);
    const ds = buildDataSource(db.url, { poolMax: 1 });
    await ds.initialize();
    try {
      const tokens = new TokenService(ds);
      expect(await tokens.authenticate(old)).toBeNull();
      expect(await tokens.authenticate(fresh)).toMatchObject({ tokenId: id, grants: [{ agency: "gz-stic", district: "440112" }] });
    } finally {
      await ds.destroy();
    }
    await run("token", ["revoke", id]);
    const again = await run("token", ["rotate", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^token: token ${id} was already revoked at `));
  }, 120000);

  it("revoke of an unknown id exits 1 naming the id, and writes nothing", async () => {
    const before = await tokenRows();
    const r = await run("token", ["revoke", "nosuchtoken1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("token: no token with id nosuchtoken1\n");
    expectNoPlaceholders(r);
    expect(await tokenRows()).toEqual(before);
  }, 60000);

  it("usage mistakes exit 2 with the mistake and the usage", async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^token: no command given\nusage:/],
      [["remove", "x"], /^token: unknown command "remove"\nusage:/],
      [["revoke"], /^token: revoke takes one token id\nusage:/],
      [["revoke", "a", "b"], /^token: revoke takes one token id\nusage:/],
      [["rotate"], /^token: rotate takes one token id\nusage:/],
      [["list", "--all"], /^token: list: Unknown option '--all'/],
      [["list", "extra"], /^token: list takes no arguments \(got "extra"\)\nusage:/],
      [["create", "--nmae", "x", "--role", "admin"], /^token: create: Unknown option '--nmae'/],
      [["create", "--name", "x", "--role"], /^token: create: Option '--role <value>' argument missing/],
      [["create", "--name", "x", "--role", "admin", "stray"], /^token: create takes no arguments \(got "stray"\)/],
    ];
    const results = await Promise.all(cases.map(([args]) => run("token", args)));
    results.forEach((r, i) => {
      expect({ args: cases[i][0], code: r.code, stdout: r.stdout }).toEqual({ args: cases[i][0], code: 2, stdout: "" });
      expect(r.stderr).toMatch(cases[i][1]);
      expectNoPlaceholders(r);
    });
  }, 120000);

  it("refused values exit 1 in the CLI's own words (its flags), and create nothing", async () => {
    const before = await tokenRows();
    const cases: Array<[string[], string]> = [
      [["create", "--role", "admin"], "token: --name is required (1 to 200 characters)\n"],
      [["create", "--role", "boss", "--name", "x"], "token: --role must be ADMIN or EDITOR\n"],
      [
        ["create", "--role", "editor", "--name", "x"],
        "token: an editor needs a scope: at least one grant (an agency, a district, or an agency within a district): give --grant, --agency or --district\n",
      ],
      [["create", "--role", "editor", "--agency", "no-such-agency", "--name", "x"], "token: agencies not in the registry: no-such-agency\n"],
      [["create", "--role", "editor", "--district", "999999", "--name", "x"], "token: districts not in the registry: 999999\n"],
      [["create", "--role", "editor", "--grant", "gz-stic@999999", "--name", "x"], "token: districts not in the registry: 999999\n"],
      [
        ["create", "--role", "editor", "--grant", "gz-stic@4401", "--name", "x"],
        'token: --grant: "gz-stic@4401" is not AGENCY@DISTRICT (e.g. gz-stic@440112)\n',
      ],
      [["create", "--role", "admin", "--grant", "gz-stic", "--name", "x"], "token: an admin's scope is everything: grants apply to editors only\n"],
      [
        ["create", "--role", "admin", "--expires", "yesterday", "--name", "x"],
        'token: --expires: "yesterday" is not a duration (30s, 15m, 12h, 90d, 2w), a date (2027-06-30) or an ISO time with offset\n',
      ],
      [["create", "--role", "admin", "--expires", "2020-01-01", "--name", "x"], "token: --expires: 2020-01-01T16:00:00.000Z is not in the future\n"],
      [["rotate", "nosuchtoken1"], "token: no token with id nosuchtoken1\n"],
    ];
    const results = await Promise.all(cases.map(([args]) => run("token", args)));
    results.forEach((r, i) => {
      expect({ args: cases[i][0], code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ args: cases[i][0], code: 1, stdout: "", stderr: cases[i][1] });
    });
    expect(await tokenRows()).toEqual(before);
  }, 120000);
});

describe("export, import, db:seed", () => {
  it("refuse unknown flags, missing values, stray arguments and unusable paths, before touching the database", async () => {
    const cases: Array<[string, string[], number, RegExp]> = [
      ["export", ["--fromat", "csv"], 2, /^export: Unknown option '--fromat'.*\nusage: npm run export/s],
      ["export", ["--format", "xml"], 2, /^export: unknown format "xml"\nusage:/],
      ["export", ["--out"], 2, /^export: Option '--out <value>' argument missing/],
      ["export", ["dump.json"], 2, /^export: Unexpected argument 'dump.json'/],
      ["export", ["--out", "/no/such/folder/dump.json"], 1, /^export: cannot write \/no\/such\/folder\/dump.json: no folder \/no\/such\/folder\n$/],
      ["import", [], 2, /^import: no dump file given\nusage: npm run import/],
      ["import", ["a.json", "b.json"], 2, /^import: one dump file, not 2\nusage:/],
      ["import", ["--dryrun", "a.json"], 2, /^import: Unknown option '--dryrun'/],
      ["import", ["/no/such/dump.json"], 1, /^import: cannot read \/no\/such\/dump.json as JSON: ENOENT/],
      ["seed", ["--force"], 2, /^db:seed: Unknown option '--force'.*\nusage: npm run db:seed/s],
      ["seed", ["plan.json"], 2, /^db:seed: Unexpected argument 'plan.json'/],
    ];
    const results = await Promise.all(cases.map(([script, args]) => run(script, args)));
    results.forEach((r, i) => {
      const [script, args, code, message] = cases[i];
      expect({ script, args, code: r.code }).toEqual({ script, args, code });
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
      expectNoPlaceholders(r);
    });
  }, 180000);

  it("an import or a seed that changes nothing says so", async () => {
    const file = path.join(dir, "dump.json");
    const exported = await run("export", ["--format", "json", "--out", file]);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain(`wrote json to ${file}`);
    const imported = await run("import", [file]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe("import done: nothing changed\n");
    const seeded = await run("seed", []);
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toMatch(/^seed loaded: nothing changed\n/);
  }, 180000);
});
