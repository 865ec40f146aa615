/**
 * A production install runs the compiled code with the runtime dependencies only: the built tree
 * (package.json, the lockfile, dist/, seeds/, schema/, the pages' static files under src/) copied to
 * a folder of its own, `npm ci --omit=dev` there (no TypeScript, no jest), then the registry serves
 * from dist/ and the npm scripts run from dist/ too. Also: no compiled file loads a package that is
 * not a runtime dependency, and a production install without dist/ says how to build it.
 * `npm test` builds dist/ first.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import { builtinModules } from "node:module";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../src/db/embedded";
import { createTestDatabase, type TestDatabase } from "../support/db";

const ROOT = path.join(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** An operator's environment: no Jest variables, no NODE_ENV=test, no database unless given. */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME ?? os.tmpdir(), LANG: "C.UTF-8" };
  for (const k of ["npm_config_cache", "npm_config_registry", "npm_config_userconfig"]) if (process.env[k]) env[k] = process.env[k]; // where npm's cache is
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 120000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Every file under dir (recursively) whose name passes the filter. */
function filesUnder(dir: string, keep: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(f, keep));
    else if (keep(f)) out.push(f);
  }
  return out;
}

const BUILTIN = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** "pkg" of "pkg/sub/path" and "@scope/pkg" of "@scope/pkg/sub". */
const packageOf = (spec: string) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

describe("what the compiled code loads", () => {
  it("is Node's own modules and the runtime dependencies, never a devDependency", () => {
    expect(fs.existsSync(path.join(ROOT, "dist", "src", "index.js"))).toBe(true); // `npm test` builds dist/ first
    const files = [
      ...filesUnder(path.join(ROOT, "dist"), (f) => f.endsWith(".js")),
      ...filesUnder(path.join(ROOT, "scripts"), (f) => f.endsWith(".mjs")),
      ...filesUnder(path.join(ROOT, "src"), (f) => f.endsWith(".js")), // the pages' scripts, served as they are
    ];
    const loaded = new Map<string, string>(); // package -> first file that loads it
    const LOADS = /\b(?:require(?:\.resolve)?|import)\s*\(\s*["']([^"'.][^"']*)["']\s*\)|\bfrom\s+["']([^"'.][^"']*)["']/g;
    for (const f of files) {
      for (const m of fs.readFileSync(f, "utf8").matchAll(LOADS)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith("/") || BUILTIN.has(spec) || BUILTIN.has(spec.split("/")[0])) continue;
        if (!loaded.has(packageOf(spec))) loaded.set(packageOf(spec), path.relative(ROOT, f));
      }
    }
    expect(loaded.size).toBeGreaterThan(20);
    const notRuntime = [...loaded].filter(([p]) => !(p in pkg.dependencies)).map(([p, f]) => `${p} (loaded by ${f})`);
    expect(notRuntime).toEqual([]);
  });
});

describe("npm ci --omit=dev on a built tree", () => {
  let dir: string;
  let db: TestDatabase;
  let install: Run;

  beforeAll(async () => {
    expect(fs.existsSync(path.join(ROOT, "dist", "src", "index.js"))).toBe(true); // `npm test` builds dist/ first
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-production-"));
    for (const f of ["package.json", "package-lock.json", "README.md", "LICENSE", path.join("scripts", "build-if-needed.mjs")]) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    }
    for (const d of ["dist", "seeds", "schema"]) fs.cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true });
    // the pages' HTML, CSS, scripts and icons are served from src/ as they are; the TypeScript stays behind
    fs.cpSync(path.join(ROOT, "src"), path.join(dir, "src"), { recursive: true, filter: (f) => !f.endsWith(".ts") });
    const args = ["ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"];
    // the packages are in npm's cache since the full `npm ci`; the registry only if the cache misses one
    install = await run("npm", [...args, "--offline"], dir, shellEnv(), 300000);
    if (install.code !== 0) install = await run("npm", args, dir, shellEnv(), 300000);
    db = await createTestDatabase();
  }, 660000);

  afterAll(async () => {
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("installs no TypeScript, ts-node or jest", () => {
    expect(install).toMatchObject({ code: 0 });
    const modules = path.join(dir, "node_modules");
    expect(fs.existsSync(path.join(modules, "typeorm"))).toBe(true);
    for (const dev of ["typescript", "ts-node", "jest", "ts-jest", "fast-check", "playwright-core"]) {
      expect([dev, fs.existsSync(path.join(modules, dev))]).toEqual([dev, false]);
    }
  });

  it("`node dist/src/index.js` migrates, seeds and serves, and stops on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["dist/src/index.js"], {
      cwd: dir,
      env: shellEnv({ DATABASE_URL: db.url, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      let ready = 0;
      for (const t0 = Date.now(); Date.now() - t0 < 90000 && child.exitCode === null; await new Promise((r) => setTimeout(r, 200))) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready === 200) break;
      }
      expect([ready, out]).toEqual([200, expect.any(String)]);
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ platforms(first: 1) { totalCount } }" }),
      });
      const body = (await res.json()) as { data?: { platforms: { totalCount: number } } };
      expect(body.data?.platforms.totalCount).toBeGreaterThan(0);
      // the pages' static files come from src/ beside dist/, the map's libraries from node_modules
      for (const page of ["/", "/map/", "/desk/", "/map/vendor/leaflet/leaflet.js"]) {
        expect([page, (await fetch(`http://127.0.0.1:${port}${page}`)).status]).toEqual([page, 200]);
      }
    } finally {
      child.kill("SIGTERM");
    }
    expect([await exited, out]).toEqual([0, expect.any(String)]);
  }, 150000);

  it("the npm scripts run from dist/: seed:validate, db:seed, token, export, typeorm", async () => {
    const env = shellEnv({ DATABASE_URL: db.url, LOG_LEVEL: "warn" });
    const npm = (...args: string[]) => run("npm", ["run", "--silent", ...args], dir, env);
    const validate = await npm("seed:validate");
    expect(validate).toMatchObject({ code: 0, stdout: expect.stringMatching(/^seed data valid: \d+ platforms/) });
    expect(await npm("db:seed")).toMatchObject({ code: 0 });
    expect(await npm("token", "--", "list")).toMatchObject({ code: 0 });
    const csv = await npm("export", "--", "--format", "csv");
    expect(csv).toMatchObject({ code: 0, stdout: expect.stringContaining("nameHans") });
    const migrations = await npm("typeorm", "--", "migration:show");
    expect(migrations).toMatchObject({ code: 0, stdout: expect.stringMatching(/\[X\].*Init1764190000000/) });
    // none of them compiled anything, and none complained that the build is stale (no sources here)
    for (const r of [validate, csv, migrations]) expect(r.stderr).not.toMatch(/TypeScript|warning/);
  }, 150000);
});

describe("a production install without dist/", () => {
  it("`npm start` stops before node, saying to build first", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-unbuilt-"));
    try {
      fs.mkdirSync(path.join(dir, "scripts"));
      fs.copyFileSync(path.join(ROOT, "scripts", "build-if-needed.mjs"), path.join(dir, "scripts", "build-if-needed.mjs"));
      fs.copyFileSync(path.join(ROOT, "package.json"), path.join(dir, "package.json"));
      const start = await run("npm", ["start", "--silent"], dir, shellEnv());
      expect(start.code).toBe(1);
      expect(start.stderr).toMatch(/dist\/src\/index\.js.* missing and TypeScript is not installed/);
      expect(start.stderr).toContain("run `npm ci && npm run build` first, then `npm ci --omit=dev`");
      const build = await run("npm", ["run", "--silent", "build"], dir, shellEnv());
      expect(build).toMatchObject({ code: 1, stderr: expect.stringContaining("npm run build needs TypeScript") });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
