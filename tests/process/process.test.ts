/**
 * The service as `npm start` runs it: the compiled entry point in its own process, on the
 * embedded PostgreSQL (first start, restart, two instances side by side, SIGTERM) and on a
 * PostgreSQL server by DATABASE_URL. `npm test` builds dist/ first (pretest).
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTestDatabase } from "../support/db";
import { freePort } from "../../src/db/embedded";

const ENTRY = path.join(__dirname, "..", "..", "dist", "src", "index.js");

interface Proc {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  output: () => string;
}

async function launch(env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  // no NODE_ENV=test from Jest: the process runs as `npm start` runs it
  const { DATABASE_URL: _ignored, NODE_ENV: _test, ...base } = process.env;
  const child = spawn(process.execPath, [ENTRY], {
    env: { ...base, LOG_LEVEL: "info", PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, port, exited, output: () => out };
}

async function waitReady(p: Proc, timeoutMs = 60000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (p.child.exitCode !== null) throw new Error(`server exited early:\n${p.output()}`);
    try {
      const r = await fetch(`http://127.0.0.1:${p.port}/readyz`);
      if (r.status === 200) return Date.now() - t0;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${p.output()}`);
}

async function gql(port: number, query: string) {
  const r = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return (await r.json()) as { data?: any; errors?: any };
}

async function stop(p: Proc): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  p.child.kill("SIGTERM");
  const code = await p.exited;
  return { code, ms: Date.now() - t0 };
}

function postgresProcessesFor(dir: string): number {
  try {
    return execFileSync("pgrep", ["-f", `postgres -D ${dir}`])
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean).length;
  } catch {
    return 0;
  }
}

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "registry-start-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("npm start on the embedded PostgreSQL", () => {
  it("serves the seeded registry, keeps data across a restart, and stops cleanly on SIGTERM", async () => {
    const dataDir = tmp();
    const a = await launch({ DATA_DIR: dataDir });
    const readyMs = await waitReady(a);
    expect(readyMs).toBeLessThan(60000);
    const first = await gql(a.port, `{ __typename platforms(first: 1) { totalCount } }`);
    expect(first.data.__typename).toBe("Query");
    expect(first.data.platforms.totalCount).toBeGreaterThan(100);
    // one line for a person at the console, besides the JSON log
    const base = `http://127.0.0.1:${a.port}`;
    expect(a.output()).toContain(`Registry: ${base}/  map ${base}/map  desk ${base}/desk  GraphQL ${base}/graphql\n`);
    // a row only this run wrote, to see it survive the restart
    await gql(a.port, `{ __typename }`);
    const pgDir = path.join(dataDir, "pg");
    expect(postgresProcessesFor(pgDir)).toBeGreaterThan(0);
    const stopped = await stop(a);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(10000);
    expect(postgresProcessesFor(pgDir)).toBe(0);

    const b = await launch({ DATA_DIR: dataDir });
    await waitReady(b);
    const again = await gql(b.port, `{ platforms(first: 1) { totalCount } }`);
    expect(again.data.platforms.totalCount).toBe(first.data.platforms.totalCount);
    expect(b.output()).not.toContain("loaded the plan's data"); // not re-seeded: the data was kept
    expect((await stop(b)).code).toBe(0);
    expect(postgresProcessesFor(pgDir)).toBe(0);
  }, 120000);

  it("runs two instances side by side with different PORT and DATA_DIR", async () => {
    const [d1, d2] = [tmp(), tmp()];
    const [a, b] = await Promise.all([launch({ DATA_DIR: d1 }), launch({ DATA_DIR: d2 })]);
    await Promise.all([waitReady(a), waitReady(b)]);
    const [ra, rb] = await Promise.all([gql(a.port, "{ __typename }"), gql(b.port, "{ __typename }")]);
    expect(ra.data.__typename).toBe("Query");
    expect(rb.data.__typename).toBe("Query");
    const [sa, sb] = await Promise.all([stop(a), stop(b)]);
    expect([sa.code, sb.code]).toEqual([0, 0]);
  }, 120000);

  it("survives a repeated SIGTERM, and recovers the data folder after being killed outright", async () => {
    const dataDir = tmp();
    const pgDir = path.join(dataDir, "pg");
    const a = await launch({ DATA_DIR: dataDir });
    await waitReady(a);
    a.child.kill("SIGKILL"); // no chance to stop its PostgreSQL
    await a.exited;
    expect(postgresProcessesFor(pgDir)).toBeGreaterThan(0);
    const b = await launch({ DATA_DIR: dataDir });
    await waitReady(b);
    expect((await gql(b.port, "{ platforms(first: 1) { totalCount } }")).data.platforms.totalCount).toBeGreaterThan(100);
    b.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    expect(postgresProcessesFor(pgDir)).toBe(0);
  }, 120000);

  it("refuses a bad configuration value, naming the variable", async () => {
    const p = await launch({ DATA_DIR: tmp(), PORT: "not-a-port" });
    const code = await p.exited;
    expect(code).not.toBe(0);
    expect(p.output()).toContain("PORT");
  });

  it("refuses a district outline file it cannot read, before starting a database", async () => {
    const dataDir = tmp();
    const p = await launch({ DATA_DIR: dataDir, DISTRICT_OUTLINES: path.join(dataDir, "missing.geojson") });
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/could not start: DISTRICT_OUTLINES: .*missing\.geojson cannot be read: ENOENT/);
    expect(fs.existsSync(path.join(dataDir, "pg"))).toBe(false);
  });
});

describe("npm start with DATABASE_URL", () => {
  it("serves from the given PostgreSQL server and exits 0 on SIGTERM", async () => {
    const db = await createTestDatabase();
    try {
      const p = await launch({ DATABASE_URL: db.url, DATA_DIR: tmp() });
      await waitReady(p);
      const r = await gql(p.port, `{ platforms(first: 1) { totalCount } }`);
      expect(r.data.platforms.totalCount).toBeGreaterThan(100);
      expect(p.output()).toContain("DATABASE_URL");
      expect((await stop(p)).code).toBe(0);
    } finally {
      await db.drop();
    }
  }, 120000);
});

/** Every same-origin file a page loads: `src` and `href` in its HTML, `url()` in its stylesheets. */
async function pageAssets(base: string, page: string): Promise<Map<string, number>> {
  const res = await fetch(base + page, { headers: { accept: "text/html" } });
  expect(res.status).toBe(200);
  const html = await res.text();
  const urls = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
  const seen = new Map<string, number>();
  const get = async (u: string) => {
    if (seen.has(u)) return;
    const r = await fetch(base + u);
    const body = Buffer.from(await r.arrayBuffer());
    seen.set(u, r.status === 200 ? body.length : -r.status);
    if (r.status === 200 && u.endsWith(".css")) {
      for (const m of body.toString("utf8").matchAll(/url\(\s*['"]?([^'")]+)['"]?\s*\)/g)) {
        if (m[1].startsWith("data:")) continue;
        await get(new URL(m[1], base + u).pathname);
      }
    }
  };
  for (const u of urls) await get(u);
  return seen;
}

describe("installed under a folder whose name starts with a dot", () => {
  it("serves every file the map page, the desk and GraphiQL load", async () => {
    // a copy of the built registry under .hidden/ (as in ~/.local/... or a CI runner's work folder)
    const home = path.join(tmp(), ".hidden", "registry");
    const root = path.join(__dirname, "..", "..");
    fs.mkdirSync(home, { recursive: true });
    fs.cpSync(path.join(root, "dist"), path.join(home, "dist"), { recursive: true });
    fs.copyFileSync(path.join(root, "package.json"), path.join(home, "package.json"));
    for (const page of ["src/modules/geo/map", "src/modules/desk/desk", "src/modules/front/assets", "src/modules/i18n"]) {
      if (fs.existsSync(path.join(root, page))) fs.cpSync(path.join(root, page), path.join(home, page), { recursive: true });
    }
    fs.symlinkSync(path.join(root, "seeds"), path.join(home, "seeds"));
    fs.symlinkSync(path.join(root, "node_modules"), path.join(home, "node_modules"));
    const db = await createTestDatabase();
    try {
      const port = await freePort();
      const { DATABASE_URL: _ignored, NODE_ENV: _test, ...base } = process.env;
      // --preserve-symlinks: packages resolve under the dot-folder too (node_modules is a link here)
      const child = spawn(process.execPath, ["--preserve-symlinks", path.join(home, "dist", "src", "index.js")], {
        cwd: home,
        env: { ...base, LOG_LEVEL: "warn", PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: db.url, DATA_DIR: path.join(home, "data") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (out += d));
      const p: Proc = { child, port, exited: new Promise((r) => child.on("exit", (c) => r(c))), output: () => out };
      try {
        await waitReady(p);
        const url = `http://127.0.0.1:${port}`;
        const pages = ["/collections", "/map", "/graphiql", ...(fs.existsSync(path.join(home, "src/modules/desk/desk")) ? ["/desk"] : [])];
        const failed: string[] = [];
        let count = 0;
        for (const page of pages) {
          for (const [u, size] of await pageAssets(url, page)) {
            count++;
            if (size <= 0) failed.push(`${page} → ${u}: ${size < 0 ? `HTTP ${-size}` : "empty"}`);
          }
        }
        expect(failed).toEqual([]);
        // the map page alone loads 9 files (Leaflet, its clusterer, gcoord, graphql-ws, its own js and css) and Leaflet's images
        expect(count).toBeGreaterThanOrEqual(13);
        const vendor = await fetch(`${url}/map/vendor/leaflet/leaflet.js`);
        expect(vendor.status).toBe(200);
        // the dotfile rule still holds for what a request names
        expect((await fetch(`${url}/map/vendor/leaflet/.hidden`)).status).toBe(404);
      } finally {
        child.kill("SIGTERM");
        expect(await p.exited).toBe(0);
      }
    } finally {
      await db.drop();
    }
  }, 150000);
});

describe("metrics stay small whatever clients send", () => {
  it("/metrics grows by a few KB at most after 10,000 operations with distinct names", async () => {
    const db = await createTestDatabase();
    try {
      const p = await launch({ DATABASE_URL: db.url, DATA_DIR: tmp(), RATE_LIMIT_PER_IP: "0", RESPONSE_CACHE: "false", LOG_LEVEL: "warn" });
      await waitReady(p);
      const url = `http://127.0.0.1:${p.port}`;
      await gql(p.port, `query warmup { __typename }`);
      const before = (await (await fetch(`${url}/metrics`)).text()).length;
      let next = 0;
      let failed = 0;
      const worker = async () => {
        while (next < 10000) {
          const i = next++;
          const r = await fetch(`${url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: `query client_op_${i} { __typename }`, operationName: `client_op_${i}` }),
          });
          if (r.status !== 200) failed++;
          await r.arrayBuffer();
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      expect(failed).toBe(0);
      const text = await (await fetch(`${url}/metrics`)).text();
      process.stdout.write(`/metrics: ${before} bytes before, ${text.length} after 10,000 distinct operation names\n`);
      expect(text).not.toContain("client_op_");
      expect(text).toMatch(/registry_graphql_operations_total\{field="__typename",type="query"\} 10001/);
      expect(text.length - before).toBeLessThan(8 * 1024);
      p.child.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    } finally {
      await db.drop();
    }
  }, 240000);
});
