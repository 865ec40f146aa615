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
import WebSocket from "ws";
import pino from "pino";
import { start, type Running } from "../../src/bootstrap";
import { loadConfig } from "../../src/config";
import { freePort } from "../../src/db/embedded";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { createToken } from "../support/factories";
import { PgCluster } from "../support/pg-cluster";
import { PgProxy } from "../support/pg-proxy";

const ENTRY = path.join(__dirname, "..", "..", "dist", "src", "index.js");

interface Server {
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

async function launch(databaseUrl: string): Promise<Server> {
  const port = await freePort();
  const { DATABASE_URL: _x, ...env } = process.env;
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      ...env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      RATE_LIMIT_PER_IP: "0",
      RATE_LIMIT_PER_TOKEN: "0",
      STATEMENT_TIMEOUT_MS: "5000",
    },
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
    const out = execFileSync(
      process.execPath,
      [path.join(__dirname, "..", "..", "dist", "scripts", "token.js"), "create", "--role", "admin", "--name", "load"],
      {
        env: { ...env, DATABASE_URL: cluster.url, LOG_LEVEL: "silent" },
      },
    ).toString();
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
    // (OUTCOME_UNKNOWN: the restart cut a COMMIT's answer; the writer reads the version again)
    for (const f of failures) expect(["SERVICE_UNAVAILABLE", "503", "CONFLICT", "OUTCOME_UNKNOWN"]).toContain(f);

    // every acknowledged write is in the database
    const c = new pg.Client({ connectionString: cluster.url });
    await c.connect();
    try {
      for (const id of ids) {
        const mine = acked.filter((a) => a.id === id);
        const { rows } = await c.query(
          `SELECT version, (SELECT count(*)::int FROM status_event WHERE platform_id = $1 AND note = 'load') AS n FROM platform WHERE id = $1`,
          [id],
        );
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
  const logLines = () =>
    server
      .log()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; output?: string[] });

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
    const res = await fetch(`${server.base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"query":"{ platforms(first: 1) { totalCount } }"}',
    });
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
        const g = await fetch(`${server.base}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", connection: "close" },
          body: '{"query":"{ __typename }"}',
        }).catch(() => null);
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

/** connection_init with a token over graphql-ws: acknowledged, or the close code. */
function wsInit(base: string, token: string): Promise<{ acked: boolean; code?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace("http", "ws") + "/graphql", "graphql-transport-ws");
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
    ws.on("message", (data) => {
      if (JSON.parse(String(data)).type === "connection_ack") {
        ws.close(1000);
        resolve({ acked: true });
      }
    });
    ws.on("close", (code) => resolve({ acked: false, code }));
    ws.on("error", reject);
  });
}

describe("faults between the registry and its database, placed by a proxy", () => {
  let db: TestDatabase;
  let proxy: PgProxy;
  let running: Running;
  let base: string;
  let admin: string;
  let direct: pg.Client;
  const ID = "jinan-university";

  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as any };
  };
  const UPDATE = `mutation($i: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $i) { id status version } }`;
  const change = (expectedVersion: number, status: string) => ({
    i: { id: ID, status, effectiveDate: "2020-01-01", expectedVersion, correction: true, note: "proxy" },
  });
  const stored = async () => (await direct.query(`SELECT status, version FROM platform WHERE id = $1`, [ID])).rows[0] as { status: string; version: number };

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await PgProxy.start(db.url);
    const config = loadConfig({
      DATABASE_URL: proxy.via(db.url),
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      RATE_LIMIT_PER_IP: "0",
      STATEMENT_TIMEOUT_MS: "5000",
    });
    running = await start(config, pino({ level: "silent" }));
    base = `http://127.0.0.1:${running.port}`;
    admin = (await createToken(running, { name: "proxy admin", role: "ADMIN" })).token;
    direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
  }, 60000);
  afterAll(async () => {
    await direct?.end();
    await running?.shutdown();
    await proxy?.close();
    await db?.drop();
  });

  it("a change whose COMMIT answer is lost is OUTCOME_UNKNOWN, naming the event to look for; it was recorded", async () => {
    const before = await stored();
    const cut = proxy.onNextCommit("drop-answer");
    const r = await gql(UPDATE, change(before.version, before.status === "SUSPENDED" ? "OPERATIONAL" : "SUSPENDED"), admin);
    await cut;
    expect(r.body.errors?.[0]?.extensions).toMatchObject({
      code: "OUTCOME_UNKNOWN",
      platformId: ID,
      versionIfRecorded: before.version + 1,
      versionIfNot: before.version,
    });
    const eventId = r.body.errors[0].extensions.eventId;
    expect(eventId).toMatch(/^\d+$/);
    expect(r.body.errors[0].message).toContain(`status event ${eventId}`);
    // the change did commit: the event named is there, and the version moved
    expect((await direct.query(`SELECT platform_id FROM status_event WHERE id = $1`, [eventId])).rows).toEqual([{ platform_id: ID }]);
    expect((await stored()).version).toBe(before.version + 1);
  }, 30000);

  it("a committed change is acknowledged even when every connection is cut right after COMMIT's answer", async () => {
    const before = await stored();
    const to = before.status === "SUSPENDED" ? "OPERATIONAL" : "SUSPENDED";
    const cut = proxy.onNextCommit("cut-after-answer", 3000);
    const r = await gql(UPDATE, change(before.version, to), admin);
    await cut;
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.updatePlatformStatus).toEqual({ id: ID, status: to, version: before.version + 1 });
    expect(await stored()).toEqual({ status: to, version: before.version + 1 });
  }, 30000);

  it("with the database unreachable, every request is 503 with Retry-After, with or without a token", async () => {
    proxy.refuseFor(0);
    // a token verified while the database was up, and one it has never seen
    await until(async () => (await gql(`{ platforms(first: 1) { totalCount } }`, {}, admin)).status === 200, 10000);
    const fresh = (await createToken(running, { name: "unseen", role: "ADMIN" })).token;
    proxy.refuseFor(60_000);
    proxy.cutAll();
    try {
      const anonymous = await gql(`{ platforms(first: 3) { totalCount } }`);
      const known = await gql(UPDATE, change(1, "SUSPENDED"), admin);
      const unseen = await gql(UPDATE, change(1, "SUSPENDED"), fresh);
      for (const r of [anonymous, known, unseen]) {
        expect(r.status).toBe(503);
        expect(r.retryAfter).toBe("2");
        expect(r.body.errors[0].extensions.code).toBe("SERVICE_UNAVAILABLE");
      }
      const items = await fetch(`${base}/collections/platforms/items?limit=2`);
      expect(items.status).toBe(503);
      expect(items.headers.get("retry-after")).toBe("2");
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get("retry-after")).toBe("2");
      // the registry itself is alive: it will serve again once the database answers
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      // graphql-ws: a token that cannot be looked up closes the socket with 1013 (try again later), not an error
      for (const token of [admin, fresh]) expect(await wsInit(base, token)).toEqual({ acked: false, code: 1013 });
    } finally {
      proxy.refuseFor(0);
    }
    await until(async () => (await gql(`{ platforms(first: 1) { totalCount } }`)).status === 200, 10000);
  }, 30000);
});

describe("a full disk", () => {
  let db: TestDatabase;
  let s: Running;
  let base: string;
  let admin: string;
  let admin$: pg.Client;
  const mount = fs.mkdtempSync(path.join(os.tmpdir(), "registry-full-disk-"));

  beforeAll(async () => {
    // a real, tiny filesystem for the status history's table: PostgreSQL meets ENOSPC extending it
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount]);
    execFileSync("chown", ["postgres:postgres", mount]);
    db = await createTestDatabase();
    admin$ = new pg.Client({ connectionString: db.url });
    await admin$.connect();
    const config = loadConfig({ DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", RATE_LIMIT_PER_IP: "0" });
    s = await start(config, pino({ level: "silent" }));
    base = `http://127.0.0.1:${s.port}`;
    admin = (await createToken(s, { name: "disk admin", role: "ADMIN" })).token;
    await admin$.query(`CREATE TABLESPACE ${db.name}_small LOCATION '${mount}'`);
    await admin$.query(`ALTER TABLE status_event SET TABLESPACE ${db.name}_small`);
    // fill it: copies of the history until the disk refuses
    await admin$
      .query(
        `INSERT INTO status_event (platform_id, from_status, to_status, effective_date, actor, note, correction)
        SELECT platform_id, from_status, to_status, effective_date, actor, repeat('x', 1500), correction FROM status_event, generate_series(1, 400)`,
      )
      .then(
        () => {
          throw new Error("the disk did not fill");
        },
        (err: { code?: string }) => expect(err.code).toBe("53100"),
      );
    // and the room left in its last pages, row by row
    for (const size of [400, 40, 1]) {
      for (;;) {
        const full = await admin$
          .query(
            `INSERT INTO status_event (platform_id, to_status, effective_date, actor, note, correction) SELECT id, status, '2020-01-01', 'filler', repeat('x', $1), true FROM platform LIMIT 1`,
            [size],
          )
          .then(
            () => false,
            (err: { code?: string }) => err.code === "53100",
          );
        if (full) break;
      }
    }
  }, 60000);
  afterAll(async () => {
    await s?.shutdown();
    await admin$?.end();
    await db?.drop();
    const c = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
    await c.connect();
    await c.query(`DROP TABLESPACE IF EXISTS ${db.name}_small`).finally(() => c.end());
    execFileSync("umount", [mount]);
    fs.rmdirSync(mount);
  });

  it("is STORAGE_FULL (HTTP 507), nothing half written, and /readyz reports it", async () => {
    const id = "jinan-university";
    const before = (await admin$.query(`SELECT version, status FROM platform WHERE id = $1`, [id])).rows[0];
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        query: `mutation($i: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $i) { version } }`,
        variables: {
          i: {
            id,
            status: before.status === "SUSPENDED" ? "OPERATIONAL" : "SUSPENDED",
            effectiveDate: "2020-01-01",
            expectedVersion: before.version,
            correction: true,
            note: "x".repeat(2000),
          },
        },
      }),
    });
    const body = (await res.json()) as any;
    expect(res.status).toBe(507);
    expect(body.errors[0].extensions.code).toBe("STORAGE_FULL");
    expect(body.errors[0].message).not.toMatch(/extend|tablespace|pg_tblspc/);
    expect((await admin$.query(`SELECT version FROM platform WHERE id = $1`, [id])).rows[0].version).toBe(before.version);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ reason: "STORAGE_FULL" });
    // reads still work
    const read = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"query":"{ platform(id: \\"jinan-university\\") { version } }"}',
    });
    expect(read.status).toBe(200);
  }, 30000);
});

describe("the embedded PostgreSQL on a disk that fills up", () => {
  const mount = fs.mkdtempSync(path.join(os.tmpdir(), "registry-small-disk-"));
  const dataDir = path.join(mount, "data");
  beforeAll(() => {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=160m", "tmpfs", mount]);
  });
  afterAll(() => {
    execFileSync("umount", ["-l", mount]);
    fs.rmdirSync(mount);
  });

  const launchEmbedded = async () => {
    const port = await freePort();
    const { DATABASE_URL: _x, ...env } = process.env;
    const child = spawn(process.execPath, [ENTRY], {
      env: { ...env, DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", EMBEDDED_PG_RESTARTS: "2" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString("utf8")));
    return { child, base: `http://127.0.0.1:${port}`, exited: new Promise<number | null>((r) => child.on("exit", r)), log: () => out };
  };

  it("a crash after the disk filled: restarts fail naming the full disk, and the registry exits 1; so does the next start", async () => {
    const first = await launchEmbedded();
    try {
      await until(async () => (await status(`${first.base}/readyz`)) === 200, 60000);
    } catch (err) {
      first.child.kill("SIGKILL");
      throw new Error(`${(err as Error).message}: ${first.log()}`, { cause: err });
    }
    // fill the disk to the last byte, then the server crashes
    try {
      execFileSync("dd", ["if=/dev/zero", `of=${path.join(mount, "filler")}`, "bs=1M"], { stdio: "ignore" });
    } catch {
      /* dd stops with "No space left on device": the point */
    }
    process.kill(Number(fs.readFileSync(path.join(dataDir, "pg", "postmaster.pid"), "utf8").split("\n")[0]), "SIGKILL");
    expect(await first.exited).toBe(1);
    expect(first.log()).toContain("No space left on device");
    expect(first.log()).toContain("the disk holding DATA_DIR is full");
    expect(first.log()).not.toMatch(/another (PostgreSQL|instance)/);

    const again = await launchEmbedded();
    expect(await again.exited).toBe(1);
    expect(again.log()).toContain("No space left on device");
    expect(again.log()).toContain("the disk holding DATA_DIR is full");
    expect(again.log()).not.toMatch(/another (PostgreSQL|instance)/);
  }, 120000);
});
