/**
 * How the service stops, as `npm start` and process managers run it: one SIGTERM or SIGINT, one
 * graceful shutdown that answers the requests in flight, stops the embedded PostgreSQL and exits 0
 * in well under the forced-exit deadline; `npm start` passes the signal on to node (its start
 * script execs node); Ctrl-C in a terminal (SIGINT to the whole process group) does not stop the
 * database before the requests in flight are answered. Real processes; `npm test` builds dist/ first.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { freePort } from "../../src/db/embedded";

const ROOT = path.join(__dirname, "..", "..");
const ENTRY = path.join(ROOT, "dist", "src", "index.js");

interface Proc {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  output: () => string;
}

/** Starts `command` (default: node on the compiled entry point) in a process group of its own. */
async function launch(env: Record<string, string>, command: string[] = [process.execPath, ENTRY]): Promise<Proc> {
  const port = await freePort();
  // as an operator's shell has it: no DATABASE_URL unless given, and no NODE_ENV=test from Jest (Apollo
  // Server installs its own signal handlers only outside tests: the very case to test)
  const { DATABASE_URL: _ignored, NODE_ENV: _test, ...base } = process.env;
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: "debug", PORT: String(port), HOST: "127.0.0.1", RATE_LIMIT_PER_IP: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, as a terminal's foreground job is
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      // an unclean exit shows what the server said, so a failure names its cause
      if (code !== 0) process.stderr.write(`server exited ${code}; its log:\n${out.split("\n").slice(-30).join("\n")}\n`);
      resolve(code);
    }),
  );
  return { child, port, exited, output: () => out };
}

async function waitReady(p: Proc, timeoutMs = 90000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (p.child.exitCode !== null) throw new Error(`server exited early:\n${p.output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${p.port}/readyz`)).status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${p.output()}`);
}

/** Log lines (pino JSON) whose msg matches. */
const lines = (p: Proc, msg: RegExp) =>
  p
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { msg: string; level: number })
    .filter((l) => msg.test(l.msg));

/**
 * One shutdown, nothing forced. A repeated signal is reported only when one was sent (`repeated`:
 * Ctrl-C reaches node from the terminal and again from npm, which forwards it), and only at debug level.
 */
function expectOneCleanShutdown(p: Proc, repeated = false): void {
  expect(lines(p, /^shutting down$/)).toHaveLength(1);
  expect(p.output()).not.toMatch(/already shutting down|forcing exit|error during shutdown/);
  const again = lines(p, /signal received again/);
  if (repeated) expect(again.every((l) => l.level === 20)).toBe(true);
  else expect(again).toEqual([]);
  expect(lines(p, /^stopped$/)).toHaveLength(1);
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

/**
 * A POST whose body is sent in two halves: the server has the request (and has started on it) after
 * the first, and can answer only after the second. Resolves with the raw HTTP answer.
 */
function halfSentRequest(port: number, query: string) {
  const body = JSON.stringify({ query });
  const cut = Math.floor(body.length / 2);
  const socket = net.connect(port, "127.0.0.1");
  let answer = "";
  socket.on("data", (d) => (answer += d));
  const done = new Promise<string>((resolve, reject) => {
    socket.on("end", () => resolve(answer));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
  const sentHead = new Promise<void>((resolve) =>
    socket.on("connect", () => {
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, cut)}`,
        () => resolve(),
      );
    }),
  );
  return {
    sentHead,
    finish: () => socket.write(body.slice(cut)),
    done,
  };
}

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "registry-stop-"));
  dirs.push(d);
  return d;
};
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("one signal, one clean shutdown", () => {
  it("SIGTERM on an idle server on the embedded PostgreSQL: exit 0 in under 3 s, the database stopped", async () => {
    const dataDir = tmp();
    const p = await launch({ DATA_DIR: dataDir });
    await waitReady(p);
    await fetch(`http://127.0.0.1:${p.port}/graphql?query=%7B__typename%7D`); // one request served, its connection kept alive
    const t0 = Date.now();
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    const ms = Date.now() - t0;
    process.stdout.write(`SIGTERM to exit, idle, embedded PostgreSQL: ${ms} ms\n`);
    expect(ms).toBeLessThan(3000);
    expectOneCleanShutdown(p);
    expect(postgresProcessesFor(path.join(dataDir, "pg"))).toBe(0);
  }, 150000);

  it("SIGINT (Ctrl-C) on an idle server on DATABASE_URL: exit 0 in under 3 s", async () => {
    const p = await launch({ DATABASE_URL: db.url, DATA_DIR: tmp() });
    await waitReady(p);
    const t0 = Date.now();
    p.child.kill("SIGINT");
    expect(await p.exited).toBe(0);
    const ms = Date.now() - t0;
    process.stdout.write(`SIGINT to exit, idle, DATABASE_URL: ${ms} ms\n`);
    expect(ms).toBeLessThan(3000);
    expectOneCleanShutdown(p);
  }, 150000);

  it("under load: the requests in flight are answered, then the process exits", async () => {
    const p = await launch({ DATABASE_URL: db.url, DATA_DIR: tmp(), RESPONSE_CACHE: "false" });
    await waitReady(p);
    const url = `http://127.0.0.1:${p.port}/graphql`;
    const query = `{ platforms(first: 20) { totalCount nodes { id nameHans status agencies { nameHans } } } }`;
    // load: 8 clients, each on a keep-alive connection of its own (8 sockets, none left idle), each
    // sending its next request as soon as it has an answer
    let stopLoad = false;
    const answers: Array<{ status: number; errors: unknown }> = [];
    const failures: string[] = [];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const body = JSON.stringify({ query });
    const post = () =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(
          url,
          { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (d) => (text += d));
            res.on("end", () => resolve({ status: res.statusCode!, text }));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const client = async () => {
      while (!stopLoad) {
        try {
          const r = await post();
          answers.push({ status: r.status, errors: (JSON.parse(r.text) as { errors?: unknown }).errors });
        } catch (err) {
          const code = String((err as { code?: string }).code ?? err);
          if (code === "ECONNREFUSED") return; // the server no longer accepts: never sent, safe to retry elsewhere
          failures.push(code);
        }
      }
    };
    const load = Array.from({ length: 8 }, client);
    await sleep(1000);
    const before = answers.length;
    const slow = halfSentRequest(p.port, query);
    await slow.sentHead;
    await sleep(300);
    const t0 = Date.now();
    p.child.kill("SIGTERM");
    await sleep(700); // the shutdown is under way, waiting for this request
    expect(p.child.exitCode).toBeNull();
    slow.finish();
    const raw = await slow.done;
    const answeredAt = Date.now();
    const code = await p.exited;
    const exitMs = Date.now() - t0;
    stopLoad = true;
    await Promise.all(load);
    agent.destroy();
    process.stdout.write(
      `SIGTERM to exit under load: ${exitMs} ms (${answeredAt - t0} ms to the last in-flight answer); ` +
        `${answers.length} answers (${answers.length - before} during the test's last second and the drain), connection failures: ${failures.length ? failures.join(", ") : "none"}\n`,
    );
    expect(code).toBe(0);
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw).toMatch(/\r\nConnection: close\r\n/i);
    expect(raw).toContain('"totalCount"');
    expect(answers.length).toBeGreaterThan(before);
    // every answer given was a full one: no 503 "shutting down", no database errors
    expect(answers.filter((a) => a.status !== 200 || a.errors)).toEqual([]);
    // and no request sent on a kept-alive connection in use was dropped unanswered (ECONNRESET, socket hang up)
    expect(failures).toEqual([]);
    expect(Date.now() - answeredAt).toBeLessThan(3000);
    expectOneCleanShutdown(p);
  }, 150000);
});

describe("npm start under a process manager and in a terminal", () => {
  const npm = ["npm", "start", "--silent", "--ignore-scripts"]; // dist/ is built (pretest); prestart would rebuild it

  it("SIGTERM to the npm process stops node and its PostgreSQL; the DATA_DIR starts again", async () => {
    const dataDir = tmp();
    const pgDir = path.join(dataDir, "pg");
    const p = await launch({ DATA_DIR: dataDir }, npm);
    await waitReady(p);
    const node = execFileSync("pgrep", ["-P", String(p.child.pid)])
      .toString()
      .trim();
    expect(fs.readFileSync(`/proc/${node}/cmdline`, "utf8")).toContain("dist/src/index.js"); // npm's child is node itself
    const t0 = Date.now();
    p.child.kill("SIGTERM"); // what `docker stop` or a supervisor sends to the main process
    expect(await p.exited).toBe(0);
    process.stdout.write(`SIGTERM to npm start, to npm's exit: ${Date.now() - t0} ms\n`);
    expect(fs.existsSync(`/proc/${node}`)).toBe(false);
    expect(postgresProcessesFor(pgDir)).toBe(0);
    expectOneCleanShutdown(p);

    const again = await launch({ DATA_DIR: dataDir });
    await waitReady(again);
    expect(again.output()).not.toContain("in use by process");
    again.child.kill("SIGTERM");
    expect(await again.exited).toBe(0);
  }, 180000);

  it("Ctrl-C (SIGINT to the whole process group) answers the request in flight from the database, then exits 0", async () => {
    const dataDir = tmp();
    const p = await launch({ DATA_DIR: dataDir }, npm);
    await waitReady(p);
    const slow = halfSentRequest(p.port, `{ platforms(first: 3) { totalCount nodes { id } } }`);
    await slow.sentHead;
    await sleep(300);
    process.kill(-p.child.pid!, "SIGINT"); // the terminal's Ctrl-C: npm, node, and anything else in the group
    await sleep(500);
    slow.finish(); // the answer needs the database, after the signal
    const raw = await slow.done;
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw).toContain('"totalCount":');
    expect(raw).not.toContain("SERVICE_UNAVAILABLE");
    expect(await p.exited).toBe(0);
    expectOneCleanShutdown(p, true);
    expect(postgresProcessesFor(path.join(dataDir, "pg"))).toBe(0);
  }, 180000);
});
