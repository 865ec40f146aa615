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
import { createTestDatabase, type TestDatabase } from "./support/db";

const DIST = path.join(__dirname, "..", "dist", "scripts");

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
  it("create prints the token alone on the last line; list shows it; revoke revokes it once", async () => {
    const created = await run("token", ["create", "--role", "editor", "--agency", "gz-stic", "--district", "440112", "--name", "Huangpu office"]);
    expect(created.code).toBe(0);
    const out = created.stdout.trim().split("\n");
    expect(out[out.length - 1]).toMatch(/^gzr_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const id = out[0].match(/^created token ([a-z0-9]{12}) "Huangpu office" \(editor, scope: agencies \[gz-stic\] districts \[440112\]\)$/)![1];

    const list = await run("token", ["list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\teditor\\tactive\\tHuangpu office\\tagencies=gz-stic\\tdistricts=440112\\t`, "m"));

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
      [["create", "--role", "editor", "--name", "x"], "token: an editor needs a scope: at least one of --agency or --district\n"],
      [["create", "--role", "editor", "--agency", "no-such-agency", "--name", "x"], "token: --agency not in the registry: no-such-agency\n"],
      [["create", "--role", "editor", "--district", "999999", "--name", "x"], "token: --district not in the registry: 999999\n"],
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
