/**
 * Faults, against a PostgreSQL cluster the test starts and stops itself: the registry starts
 * while the database is down and becomes ready once it is up; the database restarts under load
 * and the service recovers, losing no write it reported as successful.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "../src/db/embedded";
import { PgCluster } from "./support/pg-cluster";

const ENTRY = path.join(__dirname, "..", "dist", "src", "index.js");

interface Server {
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

async function launch(databaseUrl: string): Promise<Server> {
  const port = await freePort();
  const { DATABASE_URL: _x, ...env } = process.env;
  const child = spawn(process.execPath, [ENTRY], {
    env: { ...env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "silent", RATE_LIMIT_PER_IP: "0", RATE_LIMIT_PER_TOKEN: "0", STATEMENT_TIMEOUT_MS: "5000" },
    stdio: "ignore",
  });
  return { child, base: `http://127.0.0.1:${port}`, exited: new Promise((r) => child.on("exit", r)) };
}

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return 0;
  }
}

async function until(what: () => Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await what()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not within ${ms} ms`);
}

describe("database faults", () => {
  let cluster: PgCluster;
  let server: Server;
  beforeAll(async () => {
    cluster = await PgCluster.create();
  });
  afterAll(async () => {
    server?.child.kill("SIGTERM");
    await server?.exited;
    cluster?.destroy();
  });

  it("starts while the database is down: /readyz 503, then ready once it is up", async () => {
    server = await launch(cluster.url);
    await until(async () => (await status(`${server.base}/healthz`)) === 200, 20000);
    expect(await status(`${server.base}/readyz`)).toBe(503);
    const gql = await fetch(`${server.base}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ __typename }"}' });
    expect(gql.status).toBe(503);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await status(`${server.base}/readyz`)).toBe(503);
    cluster.start();
    const ms = await until(async () => (await status(`${server.base}/readyz`)) === 200, 15000);
    expect(ms).toBeLessThan(15000);
  }, 60000);

  it("recovers within 5 s from a restart under load, and loses no acknowledged write", async () => {
    // an admin token, through the same CLI a city would use
    const { DATABASE_URL: _x, ...env } = process.env;
    const out = execFileSync(process.execPath, [path.join(__dirname, "..", "dist", "scripts", "token.js"), "create", "--role", "admin", "--name", "load"], {
      env: { ...env, DATABASE_URL: cluster.url, LOG_LEVEL: "silent" },
    }).toString();
    const token = out.trim().split("\n").pop()!;
    const ids = ["sun-yat-sen-university", "jinan-university", "south-china-normal-university", "guangzhou-university"];
    const acked: Array<{ id: string; version: number }> = [];
    const failures: string[] = [];
    let hung = 0;
    let stop = false;

    const post = async (query: string, variables: unknown, auth = false) => {
      const res = await fetch(`${server.base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(20000),
      });
      return { status: res.status, body: (await res.json()) as any };
    };

    const writer = async (id: string) => {
      let version = (await post(`query($id: ID!) { platform(id: $id) { version } }`, { id })).body.data.platform.version;
      let flip = false;
      while (!stop) {
        try {
          const r = await post(
            `mutation($i: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $i) { version } }`,
            { i: { id, status: flip ? "OPERATIONAL" : "SUSPENDED", effectiveDate: "2020-01-01", expectedVersion: version, correction: true, note: "load" } },
            true,
          );
          if (r.body.data?.updatePlatformStatus) {
            version = r.body.data.updatePlatformStatus.version;
            acked.push({ id, version });
            flip = !flip;
          } else {
            failures.push(String(r.body.errors?.[0]?.extensions?.code ?? r.status));
            // the write may have committed before the connection broke: read the version again
            const v = await post(`query($id: ID!) { platform(id: $id) { version status } }`, { id }).catch(() => null);
            if (v?.body.data?.platform) {
              version = v.body.data.platform.version;
              flip = v.body.data.platform.status === "SUSPENDED";
            }
          }
        } catch (err) {
          if ((err as Error).name === "TimeoutError") hung++;
          else failures.push((err as Error).message);
        }
      }
    };
    const reader = async () => {
      while (!stop) {
        try {
          const r = await post(`{ platforms(first: 20, filter: { districts: ["440112"] }) { totalCount nodes { id status } } }`, {});
          if (r.status >= 500 && r.status !== 503) failures.push(`HTTP ${r.status}`);
        } catch (err) {
          if ((err as Error).name === "TimeoutError") hung++;
        }
      }
    };

    const workers = [...ids.map(writer), reader(), reader(), reader(), reader()];
    await new Promise((r) => setTimeout(r, 1500));
    const ackedBefore = acked.length;
    cluster.restart();
    const recoveredMs = await until(async () => {
      const r = await post(`{ platforms(first: 1) { totalCount } }`, {}).catch(() => null);
      return !!r?.body.data?.platforms;
    }, 10000);
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await Promise.all(workers);

    expect(ackedBefore).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(ackedBefore); // writes resumed after the restart
    expect(recoveredMs).toBeLessThan(5000);
    expect(hung).toBe(0);
    // failures during the restart are clear, coded refusals, never a crash
    for (const f of failures) expect(["SERVICE_UNAVAILABLE", "503", "CONFLICT"]).toContain(f);

    // every acknowledged write is in the database
    const c = new pg.Client({ connectionString: cluster.url });
    await c.connect();
    try {
      for (const id of ids) {
        const mine = acked.filter((a) => a.id === id);
        const { rows } = await c.query(`SELECT version, (SELECT count(*)::int FROM status_event WHERE platform_id = $1 AND note = 'load') AS n FROM platform WHERE id = $1`, [id]);
        expect(rows[0].n).toBeGreaterThanOrEqual(mine.length);
        if (mine.length) expect(rows[0].version).toBeGreaterThanOrEqual(Math.max(...mine.map((m) => m.version)));
      }
    } finally {
      await c.end();
    }
  }, 90000);
});

/** An answer's status over a connection of its own (a keep-alive connection would outlive the server's close). */
function freshStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
  });
}

describe("the embedded PostgreSQL's death", () => {
  let dataDir: string;
  let server: Server & { log: () => string };
  const postmasterPid = () => Number(fs.readFileSync(path.join(dataDir, "pg", "postmaster.pid"), "utf8").split("\n")[0]);
  const logLines = () => server.log().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; output?: string[] });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-embedded-"));
    const port = await freePort();
    const { DATABASE_URL: _x, ...env } = process.env;
    const child = spawn(process.execPath, [ENTRY], {
      env: { ...env, DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", EMBEDDED_PG_RESTARTS: "3" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString("utf8")));
    server = { child, base: `http://127.0.0.1:${port}`, exited: new Promise((r) => child.on("exit", r)), log: () => out };
    await until(async () => (await status(`${server.base}/readyz`)) === 200, 60000);
  }, 90000);
  afterAll(async () => {
    if (server?.child.exitCode === null) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("is noticed: logged at error level with its output, restarted with crash recovery, and served again", async () => {
    const before = postmasterPid();
    process.kill(before, "SIGKILL");
    await until(async () => logLines().some((l) => l.level === 50 && /exited unexpectedly/.test(l.msg)), 10000);
    const line = logLines().find((l) => /exited unexpectedly/.test(l.msg))!;
    expect(line.msg).toContain("SIGKILL");
    expect(Array.isArray(line.output) && line.output.length).toBeTruthy();
    // back within seconds, on a new postmaster, with nothing to do by hand
    await until(async () => (await status(`${server.base}/readyz`)) === 200, 15000);
    expect(postmasterPid()).not.toBe(before);
    const res = await fetch(`${server.base}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ platforms(first: 1) { totalCount } }"}' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.platforms.totalCount).toBeGreaterThan(0);
    expect(await status(`${server.base}/healthz`)).toBe(200);
    expect(server.child.exitCode).toBeNull();
  }, 40000);

  it("exits 1 when it will not come back, with PostgreSQL's FATAL line and its cause; /healthz is 503 meanwhile", async () => {
    // a setting PostgreSQL does not know: every restart fails at once
    fs.appendFileSync(path.join(dataDir, "pg", "postgresql.conf"), "\nno_such_setting_here = 1\n");
    process.kill(postmasterPid(), "SIGKILL");
    let saw503 = false;
    let refusedWith503 = false;
    while (server.child.exitCode === null) {
      const h = await freshStatus(`${server.base}/healthz`);
      if (h === 503) saw503 = true;
      if (!refusedWith503) {
        const g = await fetch(`${server.base}/graphql`, { method: "POST", headers: { "content-type": "application/json", connection: "close" }, body: '{"query":"{ __typename }"}' }).catch(() => null);
        if (g?.status === 503 && g.headers.get("retry-after")) refusedWith503 = true;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await server.exited).toBe(1);
    expect(saw503).toBe(true);
    expect(refusedWith503).toBe(true);
    const failures = logLines().filter((l) => /did not restart/.test(l.msg));
    expect(failures).toHaveLength(3);
    expect(server.log()).toMatch(/unrecognized configuration parameter \\+"no_such_setting_here\\+"/);
    expect(server.log()).toMatch(/FATAL: +configuration file/);
    expect(server.log()).toContain("configuration in DATA_DIR is invalid");
    expect(logLines().some((l) => l.level === 60 && /could not be restarted; exiting/.test(l.msg))).toBe(true);
  }, 40000);
});
